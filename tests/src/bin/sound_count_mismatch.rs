//! Collectives whose counts differ between ranks (no check mode) never hand back memory that
//! was never written: the elements the root did not send are zeros, not what the allocator
//! left there. Freed memory is first filled with a marker, which must not come back.
//! (Check mode, `SPMD_CHECK=1`, reports such a mismatch as an error instead.)
//! ranks: 2
//! only-with: open-mpi: MPICH finds the mismatch itself and fails the op with an MPI error (`message sizes do not match across processes in the collective routine`), which spmd reports with the op and call site; no data comes back at all

use spmd::prelude::*;

const MARKER: f64 = 7.25;

/// Leaves the marker in freed heap memory of the size the next receive allocates.
fn poison(len: usize) {
    let marker = std::hint::black_box(vec![MARKER; len]);
    drop(marker);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let token = spmd::token();

    // bcast: the root sends 2 elements, rank 1 expects 8.
    let len = if rank == 0 { 2 } else { 8 };
    poison(8);
    let (got, token) = bcast(&vec![1.0f64; len], 0, &comm, token);
    if rank == 1 {
        assert_eq!(got, [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], "bcast");
    }

    // scatter: the root splits [2, 2], rank 1 expects blocks of 4.
    let shape = if rank == 0 { (2, 2) } else { (2, 4) };
    poison(4);
    let data = Array2::from_shape_fn(shape, |(i, j)| (10 * i + j + 1) as f64);
    let (block, token) = scatter(&data, 0, &comm, token);
    if rank == 1 {
        assert_eq!(block.to_vec(), [11.0, 12.0, 0.0, 0.0], "scatter");
    }

    // gather: rank 1 sends 1 element, the root expects 2 from everyone.
    let mine: Vec<f64> = if rank == 0 { vec![1.0, 2.0] } else { vec![3.0] };
    poison(4);
    let (all, token) = gather(&mine, 0, &comm, token);
    if rank == 0 {
        assert_eq!(
            all.expect("the root gathers"),
            [1.0, 2.0, 3.0, 0.0],
            "gather"
        );
    }
    drop(token);
}
