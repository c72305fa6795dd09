//! `scatter` and `scatter_into` from root 0 and from the last rank (non-zero when there are
//! several): rank p gets block p of the root's buffer (its first axis has one entry per rank);
//! off the root the buffer is only a template. On 1-, 2- and 3-D arrays and slices.
//! ranks: 1 2 3 4

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let size = comm.size();
    let last = size - 1;
    let token = spmd::token();

    // A (size, 3) array from the last rank: row p is [10p, 10p+1, 10p+2]. Off the root, zeros.
    let table = if rank == last {
        Array2::from_shape_fn((size, 3), |(p, j)| (10 * p + j) as i32)
    } else {
        Array2::zeros((size, 3))
    };
    let (row, token) = scatter(&table, last, &comm, token);
    let r = 10 * rank as i32;
    assert_eq!(
        row,
        Array1::from(vec![r, r + 1, r + 2]),
        "rank {rank}: row {rank}"
    );

    // A (size, 2, 2) array from root 0: each rank gets a 2x2 block.
    let cube = Array3::from_shape_fn((size, 2, 2), |(p, i, j)| {
        (100 * p + 10 * i + j) as f64 * f64::from(rank == 0)
    });
    let (block, token) = scatter(&cube, 0, &comm, token);
    assert_eq!(
        block,
        Array2::from_shape_fn((2, 2), |(i, j)| (100 * rank + 10 * i + j) as f64),
        "rank {rank}: 2x2 block"
    );

    // A 1-D array of length size: each rank gets a 0-D array.
    let (one, token) = scatter(
        &Array1::from_shape_fn(size, |p| p as u64 * 7),
        last,
        &comm,
        token,
    );
    assert_eq!(one.into_scalar(), rank as u64 * 7, "rank {rank}: 0-D block");

    // A slice of length 2 * size: two elements each.
    let flat: Vec<i64> = (0..2 * size as i64).collect();
    let (part, token) = scatter(&flat[..], last, &comm, token);
    assert_eq!(
        part,
        vec![2 * rank as i64, 2 * rank as i64 + 1],
        "rank {rank}: slice block"
    );

    // Into a Vec and into a 1-D array; the send buffer only matters at the root.
    let send: Vec<u8> = (0..3 * size as u8).collect();
    let mut out = vec![0u8; 3];
    let token = scatter_into(&send, &mut out, last, &comm, token);
    let r = 3 * rank as u8;
    assert_eq!(out, [r, r + 1, r + 2], "rank {rank}: into Vec");
    let mut arr = Array1::<f32>::zeros(2);
    let token = scatter_into(
        &Array2::from_shape_fn((size, 2), |(p, j)| (p * 2 + j) as f32),
        &mut arr,
        0,
        &comm,
        token,
    );
    assert_eq!(
        arr,
        Array1::from(vec![2.0 * rank as f32, 2.0 * rank as f32 + 1.0]),
        "rank {rank}: into array"
    );
    drop(token);
}
