//! `reduce`, `reduce_into` and `reduce_in_place` at root 0 and at the last rank (non-zero when
//! there are several): the root gets the reduction; off the root `reduce` returns `None` (as
//! `gather` does) and the in-place and `_into` forms leave the caller's buffers alone.
//! ranks: 1 2 3 4

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let size = comm.size();
    let last = size - 1;
    let token = spmd::token();

    // [rank, 1, rank^2] summed at the last rank.
    let input = Array1::from(vec![rank as i64, 1, (rank * rank) as i64]);
    let (got, token) = reduce(&input, Sum, last, &comm, token);
    if rank == last {
        let (n, squares) = (size as i64, ((size - 1) * size * (2 * size - 1) / 6) as i64);
        assert_eq!(
            got,
            Some(Array1::from(vec![n * (n - 1) / 2, n, squares])),
            "rank {rank}: root"
        );
    } else {
        assert_eq!(got, None, "rank {rank}: off the root nothing comes back");
    }

    // Max of a 2-D f64 array at root 0.
    let arr = Array2::from_shape_fn((2, 2), |(i, j)| (rank * (i + 1)) as f64 - j as f64);
    let (got, token) = reduce(&arr, Max, 0, &comm, token);
    let expected = (rank == 0)
        .then(|| Array2::from_shape_fn((2, 2), |(i, j)| (last * (i + 1)) as f64 - j as f64));
    assert_eq!(got, expected, "rank {rank}: Max at root 0");

    // Into a transposed (non-contiguous) view at the last rank.
    let mut out = Array2::<f64>::from_elem((2, 2), -1.0);
    let token = reduce_into(
        &arr,
        &mut out.view_mut().reversed_axes(),
        Sum,
        last,
        &comm,
        token,
    );
    if rank == last {
        let sum = |i: usize, j: usize| {
            (0..size)
                .map(|r| (r * (i + 1)) as f64 - j as f64)
                .sum::<f64>()
        };
        assert_eq!(out.t(), Array2::from_shape_fn((2, 2), |(i, j)| sum(i, j)));
    } else {
        assert!(out.iter().all(|&x| x == -1.0), "rank {rank}: untouched");
    }

    // Prod of a scalar at the last rank: size!.
    let (got, token) = reduce(&(rank as u64 + 1), Prod, last, &comm, token);
    let factorial: u64 = (1..=size as u64).product();
    assert_eq!(
        got,
        (rank == last).then_some(factorial),
        "rank {rank}: Prod"
    );

    // In place at the last rank: Min of a Vec; off the root the buffer is unchanged.
    let mut buf = vec![10 - rank as i32, rank as i32, -(rank as i32)];
    let token = reduce_in_place(&mut buf, Min, last, &comm, token);
    if rank == last {
        assert_eq!(
            buf,
            [10 - last as i32, 0, -(last as i32)],
            "rank {rank}: root"
        );
    } else {
        assert_eq!(
            buf,
            [10 - rank as i32, rank as i32, -(rank as i32)],
            "rank {rank}: unchanged"
        );
    }

    // In place at root 0: BOr of 1 << rank on a 3-D array.
    let mut cube = Array3::<u32>::from_elem((2, 1, 3), 1 << rank);
    let token = reduce_in_place(&mut cube, BOr, 0, &comm, token);
    let expected = if rank == 0 {
        (1u32 << size) - 1
    } else {
        1 << rank
    };
    assert!(
        cube.iter().all(|&x| x == expected),
        "rank {rank}: BOr in place: {cube}"
    );
    drop(token);
}
