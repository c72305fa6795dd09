//! `alltoall` and `alltoall_into`: block p of every rank goes to rank p, and rank p's block
//! lands in block p of the result. `ones(size, 3, 2) * rank` puts p in block p; slices too.
//! ranks: 1 2 3 4

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let size = comm.size();
    let token = spmd::token();

    // The requirement: ones(size, 3, 2) * rank; block p of the result holds p.
    let arr = Array3::<f64>::ones((size, 3, 2)) * rank as f64;
    let (got, token) = alltoall(&arr, &comm, token);
    assert_eq!(got.shape(), [size, 3, 2], "rank {rank}: shape");
    for p in 0..size {
        let block = got.index_axis(Axis(0), p);
        assert!(
            block.iter().all(|&x| x == p as f64),
            "rank {rank}: block {p} is {block}"
        );
    }

    // Distinct values: block q of rank p is [100p + 10q, 100p + 10q + 1]; rank r receives
    // block r of every rank p.
    let send = Array2::from_shape_fn((size, 2), |(q, j)| (100 * rank + 10 * q + j) as i32);
    let (got, token) = alltoall(&send, &comm, token);
    assert_eq!(
        got,
        Array2::from_shape_fn((size, 2), |(p, j)| (100 * p + 10 * rank + j) as i32),
        "rank {rank}"
    );

    // A slice with two elements per rank.
    let flat: Vec<u32> = (0..2 * size).map(|k| (1000 * rank + k) as u32).collect();
    let (got, token) = alltoall(&flat[..], &comm, token);
    let expected: Vec<u32> = (0..size)
        .flat_map(|p| [1000 * p + 2 * rank, 1000 * p + 2 * rank + 1])
        .map(|x| x as u32)
        .collect();
    assert_eq!(got, expected, "rank {rank}: slice");

    // Into a Vec and into an array of the same length.
    let mut out = vec![0i64; size];
    let token = alltoall_into(&vec![rank as i64; size], &mut out, &comm, token);
    assert_eq!(
        out,
        (0..size as i64).collect::<Vec<_>>(),
        "rank {rank}: into Vec"
    );
    let mut into = Array2::<u8>::zeros((size, 3));
    let token = alltoall_into(
        &Array2::from_elem((size, 3), rank as u8 + 1),
        &mut into,
        &comm,
        token,
    );
    assert_eq!(
        into,
        Array2::from_shape_fn((size, 3), |(p, _)| p as u8 + 1),
        "rank {rank}: into array"
    );
    drop(token);
}
