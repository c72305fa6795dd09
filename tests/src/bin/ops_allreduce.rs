//! `allreduce` and `allreduce_in_place` with every operator, on arrays, slices and scalars.
//! ranks: 1 2 3 4

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let size = comm.size();
    let token = spmd::token();

    // The seed: zeros(3,3) + rank summed over the world is size*(size-1)/2 everywhere.
    let arr = Array2::<f64>::zeros((3, 3)) + rank as f64;
    let (sum, token) = allreduce(&arr, Sum, &comm, token);
    let expected = (size * (size - 1) / 2) as f64;
    assert_eq!(sum.shape(), [3, 3]);
    assert!(sum.iter().all(|&x| x == expected), "rank {rank}: {sum}");

    let (max, token) = allreduce(&[rank as i32, -(rank as i32)][..], Max, &comm, token);
    assert_eq!(max, vec![size as i32 - 1, 0]);

    let mut buf = vec![rank as u64 + 1; 5];
    let token = allreduce_in_place(&mut buf, Prod, &comm, token);
    let factorial: u64 = (1..=size as u64).product();
    assert_eq!(buf, vec![factorial; 5]);

    // Into a preallocated buffer, from a contiguous and from a transposed (staged) source.
    let source = Array2::from_shape_fn((2, 3), |(i, j)| (rank * 100 + i * 10 + j) as i64);
    let mut into = Array2::<i64>::zeros((2, 3));
    let token = allreduce_into(&source, &mut into, Sum, &comm, token);
    let ranks_sum = (size * (size - 1) / 2) as i64;
    let expected = |i: usize, j: usize| ranks_sum * 100 + (size * (i * 10 + j)) as i64;
    assert!(
        into.indexed_iter().all(|((i, j), &x)| x == expected(i, j)),
        "rank {rank}: {into}"
    );
    let mut into_t = Array2::<i64>::zeros((3, 2));
    let token = allreduce_into(&source.t(), &mut into_t.view_mut(), Sum, &comm, token);
    assert_eq!(
        into_t,
        into.t(),
        "rank {rank}: the transposed sum is the sum transposed"
    );

    let (all, token) = allreduce(&(rank != 0), LAnd, &comm, token);
    assert!(!all, "rank 0 contributes false");
    drop(token);
}
