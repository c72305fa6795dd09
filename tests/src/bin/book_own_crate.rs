//! The book's "Using spmd in your own crate" chapter: a program as a user's crate writes it,
//! with `ndarray` through `spmd::ndarray` (its `s!` macro included) and everything else from
//! the prelude. Sums the columns of a field split by rows over the ranks.
//! ranks: 1 2 3 4

// ANCHOR: main
use spmd::ndarray::s;
use spmd::prelude::*;

/// The sum of every column of a field whose rows are spread over the ranks, and of its
/// first column alone (a strided view, which `spmd` sends in logical order).
#[spmd_jit]
fn column_sums(comm: &Comm, rows: &Array2<f64>) -> (Array1<f64>, f64) {
    let local = rows.sum_axis(Axis(0));
    let sums = allreduce(&local, Sum, comm);
    let first = allreduce(&rows.slice(s![.., 0]), Sum, comm);
    (sums, first.sum())
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    // Two rows per rank; row i of the whole field is [i, 2i, 3i].
    let first_row = 2 * comm.rank();
    let rows = Array2::from_shape_fn((2, 3), |(i, j)| ((first_row + i) * (j + 1)) as f64);
    let (sums, first) = column_sums(&comm, &rows);
    if comm.rank() == 0 {
        println!("column sums {sums}, first column {first}");
    }
    let n = 2 * comm.size(); // rows in all
    let rows_total = (n * (n - 1) / 2) as f64;
    assert_eq!(sums, array![rows_total, 2.0 * rows_total, 3.0 * rows_total]);
    assert_eq!(first, rows_total);
}
// ANCHOR_END: main
