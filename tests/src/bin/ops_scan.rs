//! `scan`, `scan_in_place`, `exscan` and `exscan_in_place`: inclusive and exclusive prefix
//! reductions; `scan` of rank with `Sum` is rank(rank+1)/2, and `exscan` gives rank 0 the
//! operator's identity.
//! ranks: 1 2 3 4

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let token = spmd::token();
    let r = rank as i64;

    // Inclusive: Sum of rank over ranks 0..=rank.
    let (got, token) = scan(&r, Sum, &comm, token);
    assert_eq!(got, r * (r + 1) / 2, "rank {rank}: scan Sum");

    // On an array: [rank, 1] -> [rank(rank+1)/2, rank+1]; Max of rank is rank.
    let (got, token) = scan(&Array1::from(vec![r as f64, 1.0]), Sum, &comm, token);
    assert_eq!(
        got,
        Array1::from(vec![(r * (r + 1) / 2) as f64, (r + 1) as f64]),
        "rank {rank}"
    );
    let (got, token) = scan(&Array2::from_elem((2, 2), rank as i32), Max, &comm, token);
    assert!(
        got.iter().all(|&x| x == rank as i32),
        "rank {rank}: scan Max: {got}"
    );

    // In place: Prod of rank + 1 is (rank + 1)!; BOr of 1 << rank sets the low rank + 1 bits.
    let mut buf = vec![r + 1; 3];
    let token = scan_in_place(&mut buf, Prod, &comm, token);
    let factorial: i64 = (1..=r + 1).product();
    assert_eq!(buf, vec![factorial; 3], "rank {rank}: scan_in_place Prod");
    let mut bits = 1u32 << rank;
    let token = scan_in_place(&mut bits, BOr, &comm, token);
    assert_eq!(
        bits,
        (1u32 << (rank + 1)) - 1,
        "rank {rank}: scan_in_place BOr"
    );

    // Exclusive: Sum over ranks 0..rank, 0 (the identity) on rank 0.
    let (got, token) = exscan(&r, Sum, &comm, token);
    assert_eq!(got, r * (r - 1) / 2, "rank {rank}: exscan Sum");
    // Max on rank 0 is the smallest value; Prod on rank 0 is 1 (rank! elsewhere).
    let (got, token) = exscan(&[r as i32, -(r as i32)], Max, &comm, token);
    let expected = if rank == 0 {
        [i32::MIN; 2]
    } else {
        [r as i32 - 1, 0]
    };
    assert_eq!(got, expected, "rank {rank}: exscan Max");
    let (got, token) = exscan(&Array1::from_elem(2, (r + 1) as f64), Prod, &comm, token);
    let factorial: i64 = (1..=r).product();
    assert_eq!(
        got,
        Array1::from_elem(2, factorial as f64),
        "rank {rank}: exscan Prod"
    );

    // In place: Min of f64 is +infinity on rank 0; Sum of a 3-D array.
    let mut low = vec![10.0 - r as f64; 2];
    let token = exscan_in_place(&mut low, Min, &comm, token);
    let expected = if rank == 0 {
        f64::INFINITY
    } else {
        10.0 - (r - 1) as f64
    };
    assert_eq!(low, vec![expected; 2], "rank {rank}: exscan_in_place Min");
    let mut cube = Array3::<u16>::from_elem((2, 2, 2), rank as u16 + 1);
    let token = exscan_in_place(&mut cube, Sum, &comm, token);
    let expected = (rank * (rank + 1) / 2) as u16;
    assert!(
        cube.iter().all(|&x| x == expected),
        "rank {rank}: exscan_in_place Sum: {cube}"
    );
    // LAnd over bool: rank 0 gets true (the identity).
    let (got, token) = exscan(&rank.is_multiple_of(2), LAnd, &comm, token);
    assert_eq!(got, rank <= 1, "rank {rank}: exscan LAnd");

    // Into existing buffers, one of them a non-contiguous column.
    let mut out = [-1i64; 3];
    let token = scan_into(&[r, 1, -r], &mut out, Sum, &comm, token);
    assert_eq!(
        out,
        [r * (r + 1) / 2, r + 1, -r * (r + 1) / 2],
        "rank {rank}: scan_into"
    );
    let mut grid = Array2::<i64>::from_elem((3, 2), -1);
    let token = exscan_into(&[r, 1, -r], &mut grid.column_mut(1), Sum, &comm, token);
    let expected = [r * (r - 1) / 2, r, -r * (r - 1) / 2];
    assert_eq!(
        grid.column(1).to_vec(),
        expected,
        "rank {rank}: exscan_into"
    );
    assert!(
        grid.column(0).iter().all(|&x| x == -1),
        "rank {rank}: other column untouched"
    );
    drop(token);
}
