//! `sendrecv`, `sendrecv_with_status` and `sendrecv_into` around a ring (each rank sends right
//! and receives from the left, also on one rank, where both are itself), with tags, any source,
//! a send shape that differs from the receive shape, a short message into a longer buffer, and
//! the ring neighbours of `Comm::shift` for offsets of either sign and beyond the size.
//! ranks: 1 2 3 4

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let size = comm.size();
    let right = (rank + 1) % size;
    let left = (rank + size - 1) % size;
    let token = spmd::token();

    let block = |r: usize| Array2::from_shape_fn((2, 3), |(i, j)| (100 * r + 10 * i + j) as i32);

    // Plain ring shift: the result is the left neighbour's block.
    let (got, token) = sendrecv(
        &block(rank),
        &Array2::<i32>::zeros((2, 3)),
        Source::rank(left),
        Dest::rank(right),
        &comm,
        token,
    );
    assert_eq!(got, block(left), "rank {rank}: block of rank {left}");

    // The other way round, with tags (the tag is the sender's rank) and the status.
    let (got, status, token) = sendrecv_with_status(
        &block(rank),
        &Array2::<i32>::zeros((2, 3)),
        Source::rank(right).tag(right as i32),
        Dest::rank(left).tag(rank as i32),
        &comm,
        token,
    );
    assert_eq!(got, block(right), "rank {rank}: block of rank {right}");
    assert_eq!(
        (status.source, status.tag, status.count()),
        (right, right as i32, 6),
        "rank {rank}: status"
    );

    // Any source and any tag: the status says who sent it.
    let (got, status, token) = sendrecv_with_status(
        &(rank as f64 + 0.5),
        &0.0f64,
        ANY_SOURCE,
        Dest::rank(right).tag(11),
        &comm,
        token,
    );
    assert_eq!(got, left as f64 + 0.5, "rank {rank}: scalar from the left");
    assert_eq!(
        (status.source, status.tag, status.count()),
        (left, 11, 1),
        "rank {rank}"
    );

    // Send a 2x3 array, receive the same six elements as a [f64; 6].
    let arr = Array2::from_shape_fn((2, 3), |(i, j)| (rank * 6 + 3 * i + j) as f64);
    let (flat, token) = sendrecv(
        &arr,
        &[0.0f64; 6],
        Source::rank(left),
        Dest::rank(right),
        &comm,
        token,
    );
    let expected: Vec<f64> = (0..6).map(|k| (left * 6 + k) as f64).collect();
    assert_eq!(
        flat.to_vec(),
        expected,
        "rank {rank}: flattened block of rank {left}"
    );

    // `sendrecv_into` a buffer longer than the message: the status has the count, the rest is
    // untouched. Sent from a slice of a Vec.
    let outgoing: Vec<u32> = (0..6).map(|k| (10 * rank + k) as u32).collect();
    let mut incoming = vec![u32::MAX; 5];
    let (status, token) = sendrecv_into(
        &outgoing[..3],
        &mut incoming,
        Source::rank(left),
        Dest::rank(right),
        &comm,
        token,
    );
    assert_eq!(
        (status.source, status.tag, status.count()),
        (left, 0, 3),
        "rank {rank}: status"
    );
    let l = 10 * left as u32;
    assert_eq!(
        incoming,
        [l, l + 1, l + 2, u32::MAX, u32::MAX],
        "rank {rank}: into"
    );

    // A short message into a non-contiguous view: only the elements that came change. A column
    // of 5 is staged on the stack, one of 400 (over 1 KiB) in the call site's cache.
    let long: Vec<u32> = (0..400).map(|i| 10 * rank as u32 + i).collect();
    let mut token = token;
    for rows in [5, 400] {
        let mut grid = Array2::<u32>::from_elem((rows, 2), u32::MAX);
        let status;
        (status, token) = sendrecv_into(
            &long[..3],
            &mut grid.column_mut(0),
            Source::rank(left),
            Dest::rank(right),
            &comm,
            token,
        );
        assert_eq!(
            status.count(),
            3,
            "rank {rank}: short message into a column of {rows}"
        );
        let expected: Vec<u32> = (0..rows as u32)
            .map(|i| if i < 3 { l + i } else { u32::MAX })
            .collect();
        assert_eq!(
            grid.column(0).to_vec(),
            expected,
            "rank {rank}: three received into the column of {rows}, the rest untouched"
        );
        assert!(
            grid.column(1).iter().all(|&x| x == u32::MAX),
            "rank {rank}: the other column of {rows} is untouched"
        );
    }

    // Into the cached staging again after a full message: the cache's memory holds the previous
    // call's elements beyond the short message, and they must not reach the column.
    let mut tall = Array2::<u32>::from_elem((400, 2), u32::MAX);
    for count in [400, 3] {
        if count == 3 {
            tall.column_mut(0).fill(u32::MAX);
        }
        let status;
        (status, token) = sendrecv_into(
            &long[..count],
            &mut tall.column_mut(0),
            Source::rank(left),
            Dest::rank(right),
            &comm,
            token,
        );
        assert_eq!(
            status.count(),
            count,
            "rank {rank}: {count} into a tall column"
        );
        if count == 400 {
            let expected: Vec<u32> = (0..400).map(|i| l + i).collect();
            assert_eq!(
                tall.column(0).to_vec(),
                expected,
                "rank {rank}: 400 received into the tall column"
            );
        }
    }
    assert_eq!(
        tall.column(0).iter().filter(|&&x| x != u32::MAX).count(),
        3,
        "rank {rank}: after 400, only the three that came changed the tall column"
    );

    // `sendrecv_into` a 1-D array, with tags on both sides.
    let mut into = Array1::<i64>::zeros(4);
    let (status, token) = sendrecv_into(
        &Array1::from_elem(4, -(rank as i64)),
        &mut into,
        Source::rank(left).tag(3),
        Dest::rank(right).tag(3),
        &comm,
        token,
    );
    assert_eq!(
        (status.source, status.tag, status.count()),
        (left, 3, 4),
        "rank {rank}"
    );
    assert!(
        into.iter().all(|&x| x == -(left as i64)),
        "rank {rank}: {into}"
    );

    // `comm.shift(k)`: data moves k ranks to the right around the ring, for any k, negative
    // and beyond the size included; `shift(0)` is the rank itself.
    let mut token = token;
    for offset in [1, -1, 0, 2, -3, size as isize + 1] {
        let (from, to) = comm.shift(offset);
        let expected = (rank as isize - offset).rem_euclid(size as isize) as usize;
        assert_eq!(from, Source::rank(expected), "rank {rank}: shift({offset})");
        let target = (rank as isize + offset).rem_euclid(size as isize) as usize;
        assert_eq!(to, Dest::rank(target), "rank {rank}: shift({offset})");
        let got;
        (got, token) = sendrecv(&rank, &usize::MAX, from, to, &comm, token);
        assert_eq!(got, expected, "rank {rank}: data of shift({offset})");
    }
    drop(token);
}
