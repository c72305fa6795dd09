//! `gather` and `gather_into` at root 0 and at the last rank (non-zero when there are several):
//! the root gets every rank's buffer stacked along a new first axis in rank order, the other
//! ranks get `None` (and their receive buffer is left alone).
//! ranks: 1 2 3 4

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let size = comm.size();
    let last = size - 1;
    let token = spmd::token();

    // 2-D arrays gathered into a 3-D array (size, 2, 3) at the last rank.
    let block = |r: usize| Array2::from_shape_fn((2, 3), |(i, j)| (100 * r + 10 * i + j) as f32);
    let (got, token) = gather(&block(rank), last, &comm, token);
    if rank == last {
        let got = got.expect("the root gets the gathered array");
        assert_eq!(got.shape(), [size, 2, 3], "rank {rank}: shape");
        for p in 0..size {
            assert_eq!(
                got.index_axis(Axis(0), p),
                block(p),
                "rank {rank}: block {p}"
            );
        }
    } else {
        assert!(
            got.is_none(),
            "rank {rank}: off the root gather returns None"
        );
    }

    // Scalars gathered into a Vec at root 0.
    let (got, token) = gather(&(rank as i32 * 3), 0, &comm, token);
    if rank == 0 {
        assert_eq!(
            got,
            Some((0..size as i32).map(|p| 3 * p).collect()),
            "rank {rank}"
        );
    } else {
        assert_eq!(got, None, "rank {rank}");
    }

    // A slice of a Vec, concatenated at the last rank.
    let data: Vec<u8> = vec![rank as u8, 2 * rank as u8, 9];
    let (got, token) = gather(&data[..2], last, &comm, token);
    let expected: Vec<u8> = (0..size).flat_map(|p| [p as u8, 2 * p as u8]).collect();
    assert_eq!(
        got,
        (rank == last).then_some(expected),
        "rank {rank}: slices"
    );

    // 1-D arrays into a 2-D array.
    let (got, token) = gather(&Array1::from_elem(4, rank as u64), 0, &comm, token);
    if let Some(got) = got {
        assert_eq!(rank, 0, "only the root gets a result");
        assert_eq!(
            got,
            Array2::from_shape_fn((size, 4), |(p, _)| p as u64),
            "rank {rank}"
        );
    }

    // gather_into a Vec at the last rank; elsewhere the receive buffer is not touched.
    let mut out = vec![-1i16; 2 * size];
    let token = gather_into(&[rank as i16, -(rank as i16)], &mut out, last, &comm, token);
    if rank == last {
        let expected: Vec<i16> = (0..size as i16).flat_map(|p| [p, -p]).collect();
        assert_eq!(out, expected, "rank {rank}: gathered into");
    } else {
        assert_eq!(
            out,
            vec![-1; 2 * size],
            "rank {rank}: untouched off the root"
        );
    }

    // gather_into a 2-D array at root 0.
    let mut table = Array2::<f64>::zeros((size, 3));
    let token = gather_into(
        &Array1::from_elem(3, rank as f64 + 0.25),
        &mut table,
        0,
        &comm,
        token,
    );
    if rank == 0 {
        assert_eq!(
            table,
            Array2::from_shape_fn((size, 3), |(p, _)| p as f64 + 0.25),
            "rank {rank}"
        );
    } else {
        assert!(
            table.iter().all(|&x| x == 0.0),
            "rank {rank}: untouched off the root"
        );
    }
    drop(token);
}
