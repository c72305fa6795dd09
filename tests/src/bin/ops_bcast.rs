//! `bcast` and `bcast_in_place` from root 0 and from the last rank (a non-zero root when there
//! are several), on 1-, 2- and 3-D arrays, a `Vec`, a slice, a `[T; N]` and a scalar; off the
//! root the input is only a template.
//! ranks: 1 2 3 4

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let size = comm.size();
    let last = size - 1;
    let token = spmd::token();

    // A 2-D array from the last rank; the other ranks pass zeros of the same shape.
    let data = |r: usize| Array2::from_shape_fn((3, 2), |(i, j)| (10 * r + 2 * i + j) as f64);
    let input = if rank == last {
        data(rank)
    } else {
        Array2::zeros((3, 2))
    };
    let (got, token) = bcast(&input, last, &comm, token);
    assert_eq!(got, data(last), "rank {rank}: array from root {last}");

    // Root 0, a 1-D array of u16, a 3-D array of i8.
    let (got, token) = bcast(&Array1::from_elem(5, 7 * rank as u16 + 1), 0, &comm, token);
    assert_eq!(got, Array1::from_elem(5, 1u16), "rank {rank}: from root 0");
    let cube = Array3::from_shape_fn((2, 3, 4), |(i, j, k)| (rank + 12 * i + 4 * j + k) as i8);
    let (got, token) = bcast(&cube, last, &comm, token);
    assert!(
        got.indexed_iter()
            .all(|((i, j, k), &x)| x == (last + 12 * i + 4 * j + k) as i8),
        "rank {rank}: 3-D array from root {last}: {got}"
    );

    // A Vec and a slice (Vec out), a [T; N] ([T; N] out), a scalar (scalar out).
    let (got, token) = bcast(&vec![rank as i64; 3], last, &comm, token);
    assert_eq!(got, vec![last as i64; 3], "rank {rank}: Vec");
    let numbers: Vec<u32> = (0..8).map(|k| (100 * rank + k) as u32).collect();
    let (got, token) = bcast(&numbers[2..6], last, &comm, token);
    assert_eq!(
        got,
        (2..6).map(|k| (100 * last + k) as u32).collect::<Vec<_>>(),
        "rank {rank}: slice"
    );
    let (got, token) = bcast(&[rank as f32; 4], 0, &comm, token);
    assert_eq!(got, [0.0; 4], "rank {rank}: [f32; 4]");
    let (got, token) = bcast(&(rank == last), last, &comm, token);
    assert!(got, "rank {rank}: bool scalar from root {last}");

    // In place: the root's buffer is sent, everyone else's is overwritten.
    let mut buf = vec![rank as u8; 6];
    let token = bcast_in_place(&mut buf, last, &comm, token);
    assert_eq!(buf, vec![last as u8; 6], "rank {rank}: in place Vec");
    let mut arr = Array3::<i32>::from_elem((2, 2, 2), -(rank as i32));
    let token = bcast_in_place(&mut arr, 0, &comm, token);
    assert!(
        arr.iter().all(|&x| x == 0),
        "rank {rank}: in place 3-D: {arr}"
    );
    let mut scalar = Complex64::new(rank as f64, -(rank as f64));
    let token = bcast_in_place(&mut scalar, last, &comm, token);
    assert_eq!(
        scalar,
        Complex64::new(last as f64, -(last as f64)),
        "rank {rank}: scalar"
    );
    drop(token);
}
