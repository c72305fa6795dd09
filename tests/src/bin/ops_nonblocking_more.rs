//! `iscan`, `iexscan`, `ireduce`, `igather` and `ireduce_scatter_block` on 1 to 4 ranks: lent
//! slices and strided array views, `Vec`s handed over, requests completed out of order with
//! other collectives issued in between, results equal to the blocking ops'.
//! ranks: 1 2 3 4

use spmd::ndarray::s;
use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());
    let token = spmd::token();
    let r = rank as f64;

    // A strided view: every second element of a row of 6.
    let row = Array1::from_shape_fn(6, |k| r * 10.0 + k as f64);
    let view = row.slice(s![..;2]);
    let (scan_request, token) = iscan(&view, Sum, &comm, token);
    let (exscan_request, token) = iexscan(vec![rank as u64 + 1; 3], Prod, &comm, token);
    let last = size - 1;
    let (reduce_request, token) = ireduce(&view, Max, last, &comm, token);
    let grid = Array2::from_shape_fn((2, 3), |(i, j)| (100 * rank + 10 * i + j) as i32);
    let (gather_request, token) = igather(&grid.t(), 0, &comm, token);
    let values: Vec<f32> = (0..3 * size).map(|k| k as f32).collect();
    let (scatter_request, token) = ireduce_scatter_block(&values[..], Sum, &comm, token);

    // Completed in reverse order.
    let (block, token) = wait(scatter_request, token);
    let n = size as f32;
    assert_eq!(
        block,
        (0..3)
            .map(|k| (3 * rank + k) as f32 * n)
            .collect::<Vec<_>>(),
        "rank {rank}: ireduce_scatter_block"
    );
    let (gathered, token) = wait(gather_request, token);
    if rank == 0 {
        let gathered = gathered.expect("the root gets the stack");
        assert_eq!(gathered.shape(), [size, 3, 2]);
        for p in 0..size {
            let expected = Array2::from_shape_fn((2, 3), |(i, j)| (100 * p + 10 * i + j) as i32);
            assert_eq!(gathered.index_axis(Axis(0), p), expected.t(), "block {p}");
        }
    } else {
        assert!(gathered.is_none());
    }
    let (reduced, token) = wait(reduce_request, token);
    if rank == last {
        let expected = Array1::from_shape_fn(3, |k| last as f64 * 10.0 + 2.0 * k as f64);
        assert_eq!(reduced.expect("the root gets the result"), expected);
    } else {
        assert!(reduced.is_none());
    }
    let (exclusive, token) = wait(exscan_request, token);
    let factorial: u64 = (1..=rank as u64).product();
    assert_eq!(
        exclusive,
        vec![factorial; 3],
        "rank {rank}: iexscan (1 on rank 0)"
    );
    let (inclusive, token) = wait(scan_request, token);
    let (blocking, token) = scan(&view, Sum, &comm, token);
    assert_eq!(inclusive, blocking, "rank {rank}: iscan");
    drop(token);
}
