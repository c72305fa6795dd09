//! Absent peers (`Dest::none()`, `Source::none()`, MPI's `MPI_PROC_NULL`) in every
//! point-to-point op, blocking and nonblocking, on an open line of ranks from
//! `Comm::cartesian`: each rank passes data to the right, so the first rank receives from no
//! one (its buffer left as it is, a template returned as it is, a status from no one) and the
//! last sends to no one. Once on the plain communicator and once in check mode.
//! ranks: 1 2 3 4

use spmd::prelude::*;
use spmd::{
    irecv, irecv_into, isend, isendrecv, isendrecv_into, recv_into, recv_with_status,
    sendrecv_into, sendrecv_with_status, wait, wait_all,
};

fn main() {
    let universe = spmd::init();
    let world = universe.world();
    let mut token = spmd::token();
    for checked in [false, true] {
        let comm = world.with_check(checked);
        token = exchange(&comm, token);
    }
    drop(token);
}

fn exchange(comm: &Comm, token: Token) -> Token {
    let line = comm.cartesian([0], [false]);
    let rank = comm.rank();
    let size = comm.size();
    assert_eq!(line.dims(), [size]);
    assert_eq!(line.coords(), [rank]);
    let (from, to) = line.shift(0, 1);
    let left = rank.checked_sub(1);
    let right = (rank + 1 < size).then_some(rank + 1);
    assert_eq!((from.peer(), to.peer()), (left, right), "rank {rank}");
    assert_eq!(
        (from.is_none(), to.is_none()),
        (left.is_none(), right.is_none())
    );

    let mine = Array1::from_shape_fn(4, |i| (10 * rank + i) as i64);
    let theirs = |r: usize| Array1::from_shape_fn(4, |i| (10 * r + i) as i64);
    // What a rank with no one on its left keeps: its template, or its buffer as it was.
    let kept = Array1::from_elem(4, -7i64);

    // Blocking send and receive: the first rank receives from no one, the last sends to no one.
    let token = send(&mine, to, comm, token);
    let (got, status, token) = recv_with_status(&kept, from, comm, token);
    match left {
        Some(l) => {
            assert_eq!(got, theirs(l), "rank {rank}: recv from the left");
            assert_eq!((status.source, status.count()), (l, 4));
            assert!(!status.is_from_no_one());
        }
        None => {
            assert_eq!(
                got, kept,
                "rank {rank}: a receive from no one returns its template"
            );
            assert!(status.is_from_no_one(), "{status:?}");
            assert_eq!(
                (status.source, status.tag, status.count()),
                (Status::NO_ONE, Status::NO_TAG, 0)
            );
            assert_eq!(format!("{status:?}"), "Status { from no one }");
        }
    }

    // `recv_into` a non-contiguous view: from no one, the view is left as it is.
    let token = send(&mine, to, comm, token);
    let mut grid = Array2::from_elem((4, 3), -1i64);
    let (status, token) = recv_into(&mut grid.column_mut(1), from, comm, token);
    let column = grid.column(1).to_owned();
    match left {
        Some(l) => assert_eq!((column, status.count()), (theirs(l), 4)),
        None => {
            assert_eq!(
                column,
                Array1::from_elem(4, -1),
                "rank {rank}: view untouched"
            );
            assert!(status.is_from_no_one());
        }
    }
    assert!(grid.column(0).iter().all(|&x| x == -1), "rank {rank}");

    // `sendrecv` both ways along the line: absent peers at both ends.
    let (got, status, token) = sendrecv_with_status(&mine, &kept, from, to, comm, token);
    match left {
        Some(l) => assert_eq!((got, status.source), (theirs(l), l)),
        None => assert_eq!((got, status.is_from_no_one()), (kept.clone(), true)),
    }
    let (back_from, back_to) = line.shift(0, -1);
    let mut ghost = Array1::from_elem(4, -9i64);
    let (status, token) = sendrecv_into(&mine, &mut ghost, back_from, back_to, comm, token);
    match right {
        Some(r) => assert_eq!((ghost.clone(), status.count()), (theirs(r), 4)),
        None => assert_eq!(
            (ghost.clone(), status.count()),
            (Array1::from_elem(4, -9), 0)
        ),
    }
    // No one on both sides: nothing moves (a rank alone on an open line).
    let (got, token) = sendrecv(&mine, &kept, Source::none(), Dest::none(), comm, token);
    assert_eq!(got, kept);
    let token = send(&mine, Dest::none().tag(3), comm, token);

    // Nonblocking: `isend` + `irecv`, `irecv_into` lent and handed over, `isendrecv(_into)`.
    let (sent, token) = isend(&mine, to, comm, token);
    let (received, token) = irecv(&kept, from, comm, token);
    let (((), got), token) = wait_all((sent, received), comm, token);
    assert_eq!(got, left.map_or(kept.clone(), theirs), "rank {rank}: irecv");

    let mut buf = Array1::from_elem(4, -5i64);
    let (sent, token) = isend(mine.to_vec(), to, comm, token);
    let (received, token) = irecv_into(&mut buf, from, comm, token);
    let ((back, status), token) = wait_all((sent, received), comm, token);
    assert_eq!(back, mine.to_vec());
    assert_eq!(status.is_from_no_one(), left.is_none());
    assert_eq!(buf, left.map_or(Array1::from_elem(4, -5), theirs));

    let (sent, token) = isend(&mine, to, comm, token);
    let (received, token) = irecv_into(vec![-3i64; 4], from, comm, token);
    let (((), (vec, status)), token) = wait_all((sent, received), comm, token);
    match left {
        Some(l) => assert_eq!((vec, status.count()), (theirs(l).to_vec(), 4)),
        None => assert_eq!((vec, status.is_from_no_one()), (vec![-3; 4], true)),
    }

    let (request, token) = isendrecv(&mine, &kept, from, to, comm, token);
    let (got, token) = wait(request, token);
    assert_eq!(
        got,
        left.map_or(kept.clone(), theirs),
        "rank {rank}: isendrecv"
    );

    let mut ghost = Array1::from_elem(4, -8i64);
    let (request, token) = isendrecv_into(&mine, &mut ghost, back_from, back_to, comm, token);
    let (((), status), token) = wait(request, token);
    assert_eq!(status.is_from_no_one(), right.is_none());
    assert_eq!(ghost, right.map_or(Array1::from_elem(4, -8), theirs));

    // The whole line in one collective, to see that every message above was received.
    let (total, token) = allreduce(&1u32, Sum, comm, token);
    assert_eq!(total as usize, size);
    token
}
