//! `allgather` and `allgather_into`: every rank gets every rank's buffer stacked along a new
//! first axis in rank order; on scalars, slices, 1-D and 2-D arrays.
//! ranks: 1 2 3 4

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let size = comm.size();
    let token = spmd::token();

    // 1-D arrays into a 2-D array.
    let (got, token) = allgather(
        &Array1::from(vec![rank as i32, 2 * rank as i32]),
        &comm,
        token,
    );
    assert_eq!(
        got,
        Array2::from_shape_fn((size, 2), |(p, j)| ((j + 1) * p) as i32),
        "rank {rank}"
    );

    // 2-D arrays into a 3-D array.
    let block = |r: usize| {
        Array2::from_shape_fn((3, 2), |(i, j)| {
            Complex32::new(r as f32, (2 * i + j) as f32)
        })
    };
    let (got, token) = allgather(&block(rank), &comm, token);
    assert_eq!(got.shape(), [size, 3, 2], "rank {rank}: shape");
    for p in 0..size {
        assert_eq!(
            got.index_axis(Axis(0), p),
            block(p),
            "rank {rank}: block {p}"
        );
    }

    // Scalars and slices into a Vec.
    let (got, token) = allgather(&(rank as u16 + 1), &comm, token);
    assert_eq!(
        got,
        (1..=size as u16).collect::<Vec<_>>(),
        "rank {rank}: scalars"
    );
    let numbers: Vec<usize> = (0..5).map(|k| 10 * rank + k).collect();
    let (got, token) = allgather(&numbers[1..4], &comm, token);
    let expected: Vec<usize> = (0..size)
        .flat_map(|p| (1..4).map(move |k| 10 * p + k))
        .collect();
    assert_eq!(got, expected, "rank {rank}: slices");

    // Into a Vec and into a 2-D array.
    let mut out = vec![false; 2 * size];
    let token = allgather_into(&[rank.is_multiple_of(2), true], &mut out, &comm, token);
    let expected: Vec<bool> = (0..size).flat_map(|p| [p % 2 == 0, true]).collect();
    assert_eq!(out, expected, "rank {rank}: into Vec");
    let mut table = Array2::<i8>::zeros((size, 3));
    let token = allgather_into(
        &Array1::from_elem(3, -(rank as i8)),
        &mut table,
        &comm,
        token,
    );
    assert_eq!(
        table,
        Array2::from_shape_fn((size, 3), |(p, _)| -(p as i8)),
        "rank {rank}: into array"
    );
    drop(token);
}
