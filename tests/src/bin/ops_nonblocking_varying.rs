//! `iscatter`, `ireduce_scatter`, the nonblocking v-collectives and their `_into` forms on 1 to
//! 4 ranks: lent slices and strided array views (to read from and to write into), `Vec`s handed
//! over and handed back (off the root too, unused), a lent result buffer off the root left as
//! it was, requests completed out of order with a gated collective issued before them; results
//! equal to the blocking ops'. The same on the world, on a communicator in check mode and on
//! one without agreement.
//! ranks: 1 2 3 4

use spmd::ndarray::s;
use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let world = universe.world();
    let token = exercise(&world, spmd::token());
    let checked = world.with_check(true);
    let token = exercise(&checked, token);
    // SAFETY: every rank passes the same ops, counts and roots in `exercise`.
    let unchecked = unsafe { world.without_agreement() };
    let token = exercise(&unchecked, token);
    drop(token);
}

fn exercise(comm: &Comm, token: Token) -> Token {
    let (rank, size) = (comm.rank(), comm.size());
    let last = size - 1;
    let r = rank as i64;

    // A gated collective first: the v-collectives agree at their issue, after it started.
    let (bcast_request, token) = ibcast(vec![r; 3], last, comm, token);

    // iscatter of a transposed grid (non-contiguous): rank p gets row p of the transpose.
    let grid = Array2::from_shape_fn((3, size), |(i, j)| {
        (100 * j + i) as i32 + 1000 * rank as i32
    });
    let (scatter_request, token) = iscatter(&grid.t(), last, comm, token);
    // iscatter_into a strided column, the root's send buffer a `Vec` handed over.
    let mut target = Array2::<i32>::zeros((2, 2));
    let mut column = target.column_mut(1);
    let send: Vec<i32> = if rank == 0 {
        (0..2 * size as i32).collect()
    } else {
        Vec::new()
    };
    let (scatter_into_request, token) = iscatter_into(send, &mut column, 0, comm, token);

    // ireduce_scatter of a strided view: rank p gets p + 1 elements.
    let counts: Vec<usize> = (1..=size).collect();
    let total: usize = counts.iter().sum();
    let wide = Array1::from_shape_fn(2 * total, |k| k as f64 + rank as f64);
    let view = wide.slice(s![..;2]);
    let (reduce_scatter_request, token) = ireduce_scatter(&view, &counts, Sum, comm, token);
    let (reduce_scatter_into_request, token) = ireduce_scatter_into(
        vec![1u64; total],
        vec![0u64; rank + 1],
        &counts,
        Prod,
        comm,
        token,
    );

    // igatherv: rank r sends r + 1 elements, every second one of a row.
    let row = Array1::from_shape_fn(2 * (rank + 1), |k| 10 * r + k as i64);
    let mine = row.slice(s![..;2]);
    let (gatherv_request, token) = igatherv(&mine, last, comm, token);
    // igatherv_into: at the root a `Vec` handed over; elsewhere a lent buffer left as it was.
    let mut untouched = [-7i64; 2];
    let (root_request, lent_request, token) = if rank == 0 {
        let result = vec![-1i64; total];
        let (request, token) = igatherv_into(mine.to_vec(), result, &counts, 0, comm, token);
        (Some(request), None, token)
    } else {
        let (request, token) = igatherv_into(mine.to_vec(), &mut untouched, &[], 0, comm, token);
        (None, Some(request), token)
    };

    // iallgatherv of the strided view, and into a strided column of a (total, 2) grid.
    let (allgatherv_request, token) = iallgatherv(&mine, comm, token);
    let mut gathered = Array2::<i64>::zeros((total, 2));
    let mut gathered_column = gathered.column_mut(0);
    let (allgatherv_into_request, token) =
        iallgatherv_into(&mine, &mut gathered_column, &counts, comm, token);

    // iscatterv from a strided view at the root: rank p gets p + 1 elements.
    let source = Array1::from_shape_fn(2 * total, |k| k as u32);
    let strided = source.slice(s![..;2]);
    let empty = Array1::<u32>::zeros(0);
    let (root_buf, root_counts) = if rank == last {
        (strided.view(), &counts[..])
    } else {
        (empty.view(), &[][..])
    };
    let (scatterv_request, token) = iscatterv(&root_buf, root_counts, last, comm, token);
    let (scatterv_into_request, token) = iscatterv_into(
        &root_buf,
        root_counts,
        vec![0u32; rank + 1],
        last,
        comm,
        token,
    );

    // ialltoallv: rank r sends (r + p) % 3 elements to rank p, each 100 r + p.
    let sendcounts: Vec<usize> = (0..size).map(|p| (rank + p) % 3).collect();
    let spread: Vec<i16> = (0..size)
        .flat_map(|p| vec![(100 * rank + p) as i16; sendcounts[p]])
        .collect();
    let recvcounts: Vec<usize> = (0..size).map(|q| (q + rank) % 3).collect();
    let received: usize = recvcounts.iter().sum();
    let (alltoallv_request, token) = ialltoallv(&spread[..], &sendcounts, comm, token);
    let mut into = vec![-1i16; received];
    let (alltoallv_into_request, token) = ialltoallv_into(
        spread.clone(),
        &sendcounts,
        &mut into,
        &recvcounts,
        comm,
        token,
    );

    // Completed in reverse order.
    let ((sent, ()), token) = wait(alltoallv_into_request, token);
    assert_eq!(sent, spread, "ialltoallv_into hands the send Vec back");
    let (blocking, token) = alltoallv(&spread[..], &sendcounts, comm, token);
    assert_eq!(into, blocking.as_flat(), "rank {rank}: ialltoallv_into");
    let (parts, token) = wait(alltoallv_request, token);
    assert_eq!(parts, blocking, "rank {rank}: ialltoallv");
    for (q, block) in parts.iter().enumerate() {
        assert_eq!(block, vec![(100 * q + rank) as i16; (q + rank) % 3]);
    }

    let (((), got), token) = wait(scatterv_into_request, token);
    let expected: Vec<u32> = (0..=rank)
        .map(|k| 2 * (rank * (rank + 1) / 2 + k) as u32)
        .collect();
    assert_eq!(got, expected, "rank {rank}: iscatterv_into");
    let (got, token) = wait(scatterv_request, token);
    assert_eq!(got, expected, "rank {rank}: iscatterv");

    let tri: Vec<i64> = (0..size)
        .flat_map(|p| (0..=p).map(move |k| 10 * p as i64 + 2 * k as i64))
        .collect();
    let (((), ()), token) = wait(allgatherv_into_request, token);
    assert_eq!(gathered.column(0).to_vec(), tri, "iallgatherv_into");
    assert_eq!(gathered.column(1).to_vec(), vec![0; total], "column 1");
    let (parts, token) = wait(allgatherv_request, token);
    assert_eq!(parts.as_flat(), &tri[..], "rank {rank}: iallgatherv");
    assert_eq!(parts.counts().collect::<Vec<_>>(), counts);

    let token = match (root_request, lent_request) {
        (Some(request), None) => {
            let ((sent, back), token) = wait(request, token);
            assert_eq!(sent, mine.to_vec(), "igatherv_into hands the send Vec back");
            assert_eq!(back, tri, "igatherv_into at the root");
            token
        }
        (None, Some(request)) => {
            let ((sent, ()), token) = wait(request, token);
            assert_eq!(sent, mine.to_vec(), "igatherv_into hands the send Vec back");
            token
        }
        _ => unreachable!("one request per rank"),
    };
    if rank != 0 {
        assert_eq!(
            untouched, [-7; 2],
            "off the root the lent buffer is untouched"
        );
    }
    let (parts, token) = wait(gatherv_request, token);
    if rank == last {
        assert_eq!(parts.expect("the root gets the parts").as_flat(), &tri[..]);
    } else {
        assert!(parts.is_none());
    }

    let ((ones, product), token) = wait(reduce_scatter_into_request, token);
    assert_eq!(ones, vec![1; total]);
    assert_eq!(
        product,
        vec![1; rank + 1],
        "rank {rank}: ireduce_scatter_into"
    );
    let (block, token) = wait(reduce_scatter_request, token);
    let (blocking, token) = reduce_scatter(&view, &counts, Sum, comm, token);
    assert_eq!(block, blocking, "rank {rank}: ireduce_scatter");
    let start = rank * (rank + 1) / 2;
    let n = size as f64;
    let expected: Vec<f64> = (start..start + rank + 1)
        .map(|k| n * 2.0 * k as f64 + (n * (n - 1.0) / 2.0))
        .collect();
    assert_eq!(block, expected);

    let ((sent, ()), token) = wait(scatter_into_request, token);
    if rank == 0 {
        assert_eq!(sent, (0..2 * size as i32).collect::<Vec<_>>());
    }
    assert_eq!(
        target,
        array![[0, 2 * rank as i32], [0, 2 * rank as i32 + 1]],
        "rank {rank}: iscatter_into"
    );
    let (block, token) = wait(scatter_request, token);
    let (blocking, token) = scatter(&grid.t(), last, comm, token);
    assert_eq!(block, blocking, "rank {rank}: iscatter");
    let root = 1000 * last as i32;
    assert_eq!(
        block,
        array![
            root + 100 * rank as i32,
            root + 100 * rank as i32 + 1,
            root + 100 * rank as i32 + 2
        ]
    );

    // Off the root, `Vec`s handed over that MPI does not use come back as they were.
    let (request, token) = if rank == 0 {
        igatherv_into(mine.to_vec(), vec![-1i64; total], &counts, 0, comm, token)
    } else {
        igatherv_into(mine.to_vec(), vec![5i64; 3], &[], 0, comm, token)
    };
    let ((_, back), token) = wait(request, token);
    let expected = if rank == 0 { tri.clone() } else { vec![5; 3] };
    assert_eq!(back, expected, "rank {rank}: igatherv_into's receive Vec");
    let send = if rank == last {
        strided.to_vec()
    } else {
        vec![9u32; 2]
    };
    let (request, token) = iscatterv_into(
        send.clone(),
        root_counts,
        vec![0u32; rank + 1],
        last,
        comm,
        token,
    );
    let ((sent, got), token) = wait(request, token);
    assert_eq!(sent, send, "rank {rank}: iscatterv_into's send Vec");
    let first = rank * (rank + 1) / 2;
    let block: Vec<u32> = (first..=first + rank).map(|k| 2 * k as u32).collect();
    assert_eq!(got, block, "rank {rank}: iscatterv_into with Vecs");

    let (got, token) = wait(bcast_request, token);
    assert_eq!(got, vec![last as i64; 3], "ibcast");
    token
}
