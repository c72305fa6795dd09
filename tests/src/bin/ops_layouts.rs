//! Arrays whose memory is not in standard order travel in logical (row-major) order: a
//! transposed view, stepped and reversed slices, a permuted 3-D view, a column-major array,
//! and dynamic-dimension and 0-D arrays; as inputs of `sendrecv`, `allreduce`, `bcast`,
//! `allgather`, `scatter` and `alltoall`, and as targets of `recv_into`-style and in-place ops.
//! ranks: 1 2 3 4

use ndarray::{ShapeBuilder, s};
use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let size = comm.size();
    let (last, left, right) = (size - 1, (rank + size - 1) % size, (rank + 1) % size);
    let token = spmd::token();

    // base(r)[i, j] = 100 r + 10 i + j, a 3x4 array in standard order.
    let base = |r: usize| Array2::from_shape_fn((3, 4), |(i, j)| (100 * r + 10 * i + j) as i64);
    let mine = base(rank);

    // Transposed view: got[j, i] = base(left)[i, j].
    let (got, token) = sendrecv(
        &mine.t(),
        &Array2::<i64>::zeros((4, 3)),
        Source::rank(left),
        Dest::rank(right),
        &comm,
        token,
    );
    assert_eq!(
        got,
        Array2::from_shape_fn((4, 3), |(j, i)| (100 * left + 10 * i + j) as i64),
        "rank {rank}: transposed"
    );

    // Every other row: rows 0 and 2.
    let (got, token) = sendrecv(
        &mine.slice(s![..;2, ..]),
        &Array2::<i64>::zeros((2, 4)),
        Source::rank(left),
        Dest::rank(right),
        &comm,
        token,
    );
    assert_eq!(
        got,
        Array2::from_shape_fn((2, 4), |(k, j)| (100 * left + 20 * k + j) as i64),
        "rank {rank}: stepped rows"
    );

    // Columns reversed and every other one: columns 3 and 1.
    let (got, token) = sendrecv(
        &mine.slice(s![.., ..;-2]),
        &[0i64; 6],
        Source::rank(left),
        Dest::rank(right),
        &comm,
        token,
    );
    let expected: Vec<i64> = (0..3)
        .flat_map(|i| [3, 1].map(|j| (100 * left + 10 * i + j) as i64))
        .collect();
    assert_eq!(
        got.to_vec(),
        expected,
        "rank {rank}: reversed stepped columns"
    );

    // A permuted 3-D view: cube[a, b, c] -> view[c, a, b].
    let cube = Array3::from_shape_fn((2, 3, 4), |(a, b, c)| {
        (1000 * rank + 100 * a + 10 * b + c) as i32
    });
    let view = cube.view().permuted_axes([2, 0, 1]);
    let (got, token) = sendrecv(
        &view,
        &Array3::<i32>::zeros((4, 2, 3)),
        Source::rank(left),
        Dest::rank(right),
        &comm,
        token,
    );
    assert_eq!(
        got,
        Array3::from_shape_fn((4, 2, 3), |(c, a, b)| (1000 * left + 100 * a + 10 * b + c)
            as i32),
        "rank {rank}: permuted 3-D"
    );

    // A column-major array: its logical order, not its memory order, is sent.
    let fortran = Array2::from_shape_fn((3, 2).f(), |(i, j)| (rank * 10 + 2 * i + j) as f64);
    let (got, token) = sendrecv(
        &fortran,
        &vec![0.0f64; 6],
        Source::rank(left),
        Dest::rank(right),
        &comm,
        token,
    );
    assert_eq!(
        got,
        (0..6).map(|k| (left * 10 + k) as f64).collect::<Vec<_>>(),
        "rank {rank}: column-major"
    );

    // Collectives on views: allreduce of a transposed view gives a standard array of its shape.
    let (sum, token) = allreduce(&mine.t(), Sum, &comm, token);
    let ranks = (size * (size - 1) / 2) as i64;
    assert_eq!(
        sum,
        Array2::from_shape_fn((4, 3), |(j, i)| 100 * ranks + (size * (10 * i + j)) as i64),
        "rank {rank}: allreduce of a transposed view"
    );
    let (got, token) = bcast(&mine.slice(s![1.., ..;3]), last, &comm, token);
    assert_eq!(
        got,
        Array2::from_shape_fn((2, 2), |(i, j)| (100 * last + 10 * (i + 1) + 3 * j) as i64),
        "rank {rank}: bcast of a stepped view"
    );
    let (got, token) = allgather(&mine.column(1), &comm, token);
    assert_eq!(
        got,
        Array2::from_shape_fn((size, 3), |(p, i)| (100 * p + 10 * i + 1) as i64),
        "rank {rank}: allgather of a column"
    );

    // scatter and alltoall of transposed arrays whose first axis is the world size.
    let wide = Array2::from_shape_fn((3, size), |(i, p)| (10 * p + i) as u32);
    let (row, token) = scatter(&wide.t(), last, &comm, token);
    assert_eq!(
        row,
        Array1::from_shape_fn(3, |i| (10 * rank + i) as u32),
        "rank {rank}: scatter of a transposed array"
    );
    let outgoing = Array2::from_shape_fn((2, size), |(j, q)| (100 * rank + 10 * q + j) as u32);
    let (got, token) = alltoall(&outgoing.t(), &comm, token);
    assert_eq!(
        got,
        Array2::from_shape_fn((size, 2), |(p, j)| (100 * p + 10 * rank + j) as u32),
        "rank {rank}: alltoall of a transposed array"
    );

    // Mutable non-contiguous targets: only the viewed elements change.
    let mut grid = Array2::<i64>::from_elem((4, 3), -1);
    let (status, token) = sendrecv_into(
        &mine.row(0),
        &mut grid.slice_mut(s![..;2, ..;2]),
        Source::rank(left),
        Dest::rank(right),
        &comm,
        token,
    );
    assert_eq!(
        status.count(),
        4,
        "rank {rank}: four elements into a stepped view"
    );
    let l = 100 * left as i64;
    let expected = Array2::from_shape_vec(
        (4, 3),
        vec![l, -1, l + 1, -1, -1, -1, l + 2, -1, l + 3, -1, -1, -1],
    )
    .unwrap();
    assert_eq!(grid, expected, "rank {rank}: sendrecv_into a stepped view");

    let mut square = Array2::from_shape_fn((2, 3), |(i, j)| (rank * (3 * i + j)) as i32);
    let token = allreduce_in_place(&mut square.view_mut().reversed_axes(), Sum, &comm, token);
    assert_eq!(
        square,
        Array2::from_shape_fn((2, 3), |(i, j)| (ranks as usize * (3 * i + j)) as i32),
        "rank {rank}: allreduce_in_place on a transposed view"
    );

    let mut wide = Array2::<u8>::zeros((2, 4));
    if rank == last {
        wide.fill(7);
    }
    let token = bcast_in_place(&mut wide.slice_mut(s![.., 1..;2]), last, &comm, token);
    assert_eq!(
        wide,
        Array2::from_shape_fn((2, 4), |(_, j)| if j % 2 == 1 || rank == last {
            7
        } else {
            0
        }),
        "rank {rank}: bcast_in_place into a stepped view"
    );

    let mut cube = Array3::<f64>::from_elem((2, 2, 2), rank as f64 + 1.0);
    let token = scan_in_place(&mut cube.slice_mut(s![.., ..;-1, 0]), Sum, &comm, token);
    let prefix = ((rank + 1) * (rank + 2) / 2) as f64;
    assert!(
        cube.indexed_iter()
            .all(|((_, _, k), &x)| x == if k == 0 { prefix } else { rank as f64 + 1.0 }),
        "rank {rank}: scan_in_place on a reversed slice: {cube}"
    );

    // The `_into` forms with non-contiguous send buffers: small ones are staged on the stack,
    // large ones (over 1 KiB) in the call site's cache; the results must not differ.
    let mut token = token;
    for rows in [3, 200] {
        let tall = Array2::from_shape_fn((rows, 4), |(i, j)| (100 * rank + 10 * i + j) as i64);
        let mut sum = Array2::<i64>::zeros((4, rows));
        token = allreduce_into(&tall.t(), &mut sum, Sum, &comm, token);
        assert_eq!(
            sum,
            Array2::from_shape_fn((4, rows), |(j, i)| 100 * ranks
                + (size * (10 * i + j)) as i64),
            "rank {rank}: allreduce_into of a transposed {rows} x 4 view"
        );
        let mut gathered = Array1::<i64>::zeros(size * rows);
        token = allgather_into(&tall.column(1), &mut gathered, &comm, token);
        assert_eq!(
            gathered,
            Array1::from_shape_fn(size * rows, |k| (100 * (k / rows) + 10 * (k % rows) + 1)
                as i64),
            "rank {rank}: allgather_into of a column of {rows}"
        );
        let blocks =
            Array2::from_shape_fn((rows, size), |(j, q)| (1000 * rank + 10 * q + j) as i64);
        let mut got = Array1::<i64>::zeros(size * rows);
        token = alltoall_into(&blocks.t(), &mut got, &comm, token);
        assert_eq!(
            got,
            Array1::from_shape_fn(size * rows, |k| (1000 * (k / rows) + 10 * rank + k % rows)
                as i64),
            "rank {rank}: alltoall_into of a transposed {rows} x {size} array"
        );
    }

    // Dynamic dimension and 0-D arrays.
    let dynamic = ArrayD::<i16>::from_elem(vec![2, 1, 2, 1], rank as i16);
    let (got, token) = allreduce(&dynamic, Max, &comm, token);
    assert_eq!(got.shape(), [2, 1, 2, 1], "rank {rank}: dynamic shape");
    assert!(
        got.iter().all(|&x| x == last as i16),
        "rank {rank}: dynamic-dimension allreduce"
    );
    let (got, token) = bcast(&Array0::from_elem((), rank as u64), last, &comm, token);
    assert_eq!(got.into_scalar(), last as u64, "rank {rank}: 0-D bcast");
    drop(token);
}
