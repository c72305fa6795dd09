//! The last rank returns before the collective the others call.
use spmd::prelude::*;

// ANCHOR: example
#[spmd_jit]
fn normalise(comm: &Comm, x: f64) -> f64 {
    let (rank, size) = (comm.rank(), comm.size());
    if size > 1 && rank == size - 1 {
        // "The last rank holds no data."
        return x;
    }
    let total = allreduce(&x, Sum, comm);
    x / total
}
// ANCHOR_END: example

fn main() {}
