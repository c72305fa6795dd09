//! The per-call-site cache: ops on arrays that are not contiguous in logical order (columns,
//! transposed views) stage them in memory owned by the call site (or, up to 1 KiB, on the
//! stack), so a loop of such ops — a halo exchange of columns, say — allocates nothing after
//! its first iteration, and still sends and receives the right elements.
//! ranks: 1 2 3 4

use ndarray::s;
use spmd::prelude::*;
use spmd_tests::counting::Counting;

/// Counts heap allocations of this process (MPI's own C allocations are not Rust's).
#[global_allocator]
static GLOBAL: Counting = Counting::new();

/// Rows of the small field (its columns are staged on the stack) and of the large one (its
/// columns, over 1 KiB, are staged in the call site's cache).
const ROWS: usize = 6;
const BIG_ROWS: usize = 300;
const COLS: usize = 5;

/// One step of a periodic halo exchange along the columns: each rank sends its last interior
/// column to the next rank and receives the previous rank's into its first (ghost) column,
/// then sums a transposed view in place.
#[spmd_jit]
fn step(comm: &Comm, fields: [&mut Array2<f64>; 2], totals: &mut Array2<f64>) {
    let size = comm.size();
    let next = (comm.rank() + 1) % size;
    let prev = (comm.rank() + size - 1) % size;
    for field in fields {
        let (interior, mut ghost) = field.multi_slice_mut((s![.., COLS - 2], s![.., 0]));
        sendrecv_into(
            &interior,
            &mut ghost,
            Source::rank(prev),
            Dest::rank(next),
            comm,
        );
    }
    allreduce_in_place(&mut totals.view_mut().reversed_axes(), Sum, comm);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());
    let prev = (rank + size - 1) % size;

    let start = |(i, j): (usize, usize)| (rank * 10_000 + i * 10 + j) as f64;
    let mut field = Array2::from_shape_fn((ROWS, COLS), start);
    let mut big = Array2::from_shape_fn((BIG_ROWS, COLS), start);
    let mut totals = Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f64);
    let mut allocations = Vec::new();
    for iteration in 0..10 {
        let before = GLOBAL.allocations();
        step(&comm, [&mut field, &mut big], &mut totals);
        allocations.push(GLOBAL.allocations() - before);
        // The ghost column holds the previous rank's column COLS - 2, which nobody changes.
        for (name, field) in [("small", &field), ("big", &big)] {
            for i in 0..field.nrows() {
                let expected = (prev * 10_000 + i * 10 + COLS - 2) as f64;
                assert_eq!(
                    field[[i, 0]],
                    expected,
                    "rank {rank}, iteration {iteration}, {name} field, row {i}"
                );
                // The other columns are untouched.
                for j in 1..COLS {
                    assert_eq!(
                        field[[i, j]],
                        start((i, j)),
                        "rank {rank}: {name}[{i}, {j}]"
                    );
                }
            }
        }
        // Each allreduce multiplies the totals by the world size.
        let factor = (size as f64).powi(iteration + 1);
        for ((i, j), &value) in totals.indexed_iter() {
            assert_eq!(
                value,
                (i * 4 + j) as f64 * factor,
                "rank {rank}: totals[{i}, {j}]"
            );
        }
    }
    assert!(
        allocations[1..].iter().all(|&n| n == 0),
        "rank {rank}: allocations per iteration {allocations:?}: after the first, the call sites \
         reuse their staging buffers"
    );
    // The big field's two columns are kept by their call site; the small field's columns and
    // the 12 totals went through the stack.
    let kept = spmd::staging_bytes();
    assert!(
        (2 * BIG_ROWS * 8..(2 * BIG_ROWS + ROWS + 12) * 8 + 64).contains(&kept),
        "rank {rank}: {kept} bytes of staging kept; expected those of the big field's two \
         columns, {}",
        2 * BIG_ROWS * 8
    );
}
