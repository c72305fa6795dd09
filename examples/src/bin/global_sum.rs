//! The seed program: every rank adds its rank to a 3x3 array of zeros, and `allreduce` sums the
//! arrays over the world, so every element is `0 + 1 + ... + (size - 1)`.
//! ranks: 4

// ANCHOR: main
use spmd::prelude::*;

#[spmd_jit]
fn foo(comm: &Comm, arr: Array2<f64>) -> Array2<f64> {
    let arr = arr + comm.rank() as f64;
    allreduce(&arr, Sum, comm)
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let result = foo(&comm, Array2::zeros((3, 3)));
    if comm.rank() == 0 {
        println!("{result}"); // mpirun -n 4: a 3x3 array of 6
    }
    let size = comm.size();
    let expected = (size * (size - 1) / 2) as f64;
    assert!(
        result.iter().all(|&x| x == expected),
        "rank {}: {result}",
        comm.rank()
    );
}
// ANCHOR_END: main
