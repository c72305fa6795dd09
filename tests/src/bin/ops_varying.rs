//! The v-collectives and reduce-scatters on every kind of buffer: rank r contributes r + 1
//! elements (rank 0 also an empty block where that is allowed), from slices, arrays and
//! strided views, into Vecs and strided views; `bool` elements; results laid out by rank. The
//! same on the world, on a communicator in check mode and on one without agreement.
//! ranks: 1 2 3 4

use spmd::ndarray::s;
use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let world = universe.world();
    let token = exercise(&world, spmd::token());
    // In check mode the counts go in a collective of their own after the agreement (on the
    // world, up to 16 ranks, inside it).
    let checked = world.with_check(true);
    let token = exercise(&checked, token);
    // SAFETY: every rank passes the same ops, roots and reduce-scatter counts in `exercise`.
    let unagreed = unsafe { world.without_agreement() };
    drop(exercise(&unagreed, token));
}

fn exercise(comm: &Comm, token: Token) -> Token {
    let (rank, size) = (comm.rank(), comm.size());
    // Rank p's contribution: p + 1 values 100p, 100p + 1, ...
    let of = |p: usize| -> Vec<i32> { (0..=p).map(|k| (100 * p + k) as i32).collect() };
    let counts: Vec<usize> = (1..=size).collect();
    let everything: Vec<i32> = (0..size).flat_map(of).collect();

    // gatherv at the last rank, from a strided column of a 2-D array.
    let grid = Array2::from_shape_fn((rank + 1, 3), |(i, j)| {
        if j == 1 { (100 * rank + i) as i32 } else { -7 }
    });
    let (got, token) = gatherv(&grid.column(1), size - 1, comm, token);
    if rank == size - 1 {
        let got = got.expect("the root gets the parts");
        assert_eq!(got.len(), size);
        for p in 0..size {
            assert_eq!(got[p], of(p)[..], "rank {rank}: gatherv block {p}");
        }
        assert_eq!(got.counts().collect::<Vec<_>>(), counts);
    } else {
        assert!(got.is_none());
    }

    // gatherv_into at rank 0, into every second element of a longer array.
    let mut room = Array1::<i32>::from_elem(2 * everything.len(), -1);
    let (root_counts, mut into) = if rank == 0 {
        (counts.clone(), room.slice_mut(s![..;2]))
    } else {
        (Vec::new(), room.slice_mut(s![..0]))
    };
    let token = gatherv_into(&of(rank)[..], &mut into, &root_counts, 0, comm, token);
    if rank == 0 {
        let expected: Vec<i32> = everything.iter().flat_map(|&v| [v, -1]).collect();
        assert_eq!(room.to_vec(), expected, "rank 0: gatherv_into strided");
    }

    // allgatherv of empty blocks on rank 0, of bools elsewhere.
    let flags: Vec<bool> = (0..rank).map(|k| k % 2 == 0).collect();
    let (got, token) = allgatherv(&flags[..], comm, token);
    for (p, block) in got.iter().enumerate() {
        assert_eq!(
            block,
            (0..p).map(|k| k % 2 == 0).collect::<Vec<_>>(),
            "rank {rank}: allgatherv {p}"
        );
    }
    let mut all = vec![0i32; everything.len()];
    let token = allgatherv_into(&of(rank), &mut all, &counts, comm, token);
    assert_eq!(all, everything, "rank {rank}: allgatherv_into");

    // scatterv from rank 0, and into a strided view.
    let (mine, token) = scatterv(&everything, &counts, 0, comm, token);
    assert_eq!(mine, of(rank), "rank {rank}: scatterv");
    let mut wide = Array2::<i32>::zeros((rank + 1, 2));
    let token = scatterv_into(
        &everything,
        &counts,
        &mut wide.column_mut(0),
        0,
        comm,
        token,
    );
    assert_eq!(
        wide.column(0).to_vec(),
        of(rank),
        "rank {rank}: scatterv_into column"
    );
    assert!(wide.column(1).iter().all(|&v| v == 0));

    // alltoallv: rank r sends rank p (r + p) % 3 copies of 10r + p; empty blocks included.
    let send_counts: Vec<usize> = (0..size).map(|p| (rank + p) % 3).collect();
    let send: Vec<u64> = (0..size)
        .flat_map(|p| vec![(10 * rank + p) as u64; (rank + p) % 3])
        .collect();
    let (got, token) = alltoallv(&send, &send_counts, comm, token);
    for q in 0..size {
        assert_eq!(
            got[q],
            vec![(10 * q + rank) as u64; (q + rank) % 3][..],
            "rank {rank}: alltoallv {q}"
        );
    }
    let recv_counts: Vec<usize> = got.counts().collect();
    let mut into = vec![0u64; got.as_flat().len()];
    let token = alltoallv_into(&send, &send_counts, &mut into, &recv_counts, comm, token);
    assert_eq!(into, got.as_flat(), "rank {rank}: alltoallv_into");
    // The same from a reversed view.
    let reversed = Array1::from(send.iter().rev().copied().collect::<Vec<_>>());
    let (again, token) = alltoallv(&reversed.slice(s![..;-1]), &send_counts, comm, token);
    assert_eq!(again, got, "rank {rank}: alltoallv from a reversed view");
    assert_eq!(Parts::from_vecs(again.clone().into_vecs()), again);

    // reduce_scatter_block: every rank passes 0, 1, ..., 2 size - 1; block r is [2r, 2r + 1].
    let values: Vec<f64> = (0..2 * size).map(|k| k as f64).collect();
    let (block, token) = reduce_scatter_block(&values, Sum, comm, token);
    let n = size as f64;
    assert_eq!(
        block,
        [2.0 * rank as f64 * n, (2 * rank + 1) as f64 * n],
        "rank {rank}"
    );
    let mut block = Array2::<f64>::zeros((2, 2));
    let token = reduce_scatter_block_into(&values, &mut block.column_mut(1), Max, comm, token);
    assert_eq!(
        block.column(1).to_vec(),
        [2.0 * rank as f64, (2 * rank + 1) as f64]
    );

    // reduce_scatter with blocks of 1, 2, ..., size: rank r gets r + 1 sums.
    let total: usize = counts.iter().sum();
    let ones = vec![1u32; total];
    let (mine, token) = reduce_scatter(&ones, &counts, Sum, comm, token);
    assert_eq!(
        mine,
        vec![size as u32; rank + 1],
        "rank {rank}: reduce_scatter"
    );
    let mut mine = vec![0u32; rank + 1];
    let token = reduce_scatter_into(&ones, &mut mine, &counts, Prod, comm, token);
    assert_eq!(mine, vec![1; rank + 1], "rank {rank}: reduce_scatter_into");
    token
}
