//! A communicator made by the `unsafe` `Comm::unguarded` lets MPI receive without learning a
//! message's size first, with the same results as the guarded path: every point-to-point
//! receive form (blocking and nonblocking, lent and handed-over buffers, a strided view,
//! templates), messages below and above Open MPI's eager limit, shorter messages (the status
//! gives the count, the rest of the buffer is kept), any source and any tag, no one, `bool`s;
//! a blocking receive while a guarded receive waits on another communicator (spmd's matching
//! path); collectives without agreement; check mode guards it again.
//! ranks: 1 2 3 4

use spmd::prelude::*;
use spmd::{
    irecv, irecv_into, isend, isendrecv, isendrecv_into, recv_into, recv_with_status,
    sendrecv_into, wait, wait_all,
};

fn main() {
    let universe = spmd::init();
    let world = universe.world();
    // SAFETY: every message below fits the receive that takes it (same element type, at most
    // the buffer's length), and every rank calls the same collectives with the same counts,
    // roots, types and operators.
    let fast = unsafe { world.unguarded() };
    assert!(!fast.agrees());
    assert_eq!(fast.guards_receives(), fast.is_checked());
    assert!(world.guards_receives());
    let checked = fast.with_check(true);
    assert!(checked.guards_receives() && !checked.agrees());
    assert!(!fast.with_check(false).guards_receives());

    let mut token = spmd::token();
    for comm in [&fast, &checked] {
        token = exchange(comm, &world, token);
    }
    drop(token);
}

fn exchange(comm: &Comm, guarded: &Comm, token: Token) -> Token {
    let (rank, size) = (comm.rank(), comm.size());
    let (from, to) = comm.shift(1);
    let left = (rank + size - 1) % size;
    let ring =
        |r: usize, n: usize| -> Vec<f64> { (0..n).map(|i| (r * 100_000 + i) as f64).collect() };

    // `sendrecv_into` and `sendrecv` around the ring, eager and rendezvous sizes.
    let mut token = token;
    for n in [3, 1_000, 100_000] {
        let mine = ring(rank, n);
        let mut got = vec![-1.0; n];
        let (status, next) = sendrecv_into(&mine[..], &mut got[..], from, to, comm, token);
        assert_eq!((status.source, status.count()), (left, n), "rank {rank}");
        assert_eq!(got, ring(left, n), "rank {rank}: sendrecv_into of {n}");
        let (back, next) = sendrecv(&mine[..], &got[..], from, to, comm, next);
        assert_eq!(back, ring(left, n), "rank {rank}: sendrecv of {n}");
        token = next;
    }

    // A shorter message: the status gives its count, the rest of the buffer is kept; from any
    // rank with any tag.
    let (sent, token) = isend(vec![rank as i32; 3], to.tag(rank as i32), comm, token);
    let mut buf = [-1i32; 5];
    let (status, token) = recv_into(&mut buf[..], Source::any(), comm, token);
    let (_, mut token) = wait(sent, token);
    assert_eq!(
        (status.source, status.tag, status.count()),
        (left, left as i32, 3)
    );
    assert_eq!(buf, [left as i32, left as i32, left as i32, -1, -1]);

    // A template, eager and rendezvous, and `bool`s.
    for n in [4, 200_000] {
        let (sent, next) = isend(ring(rank, n), to, comm, token);
        let (got, status, next) = recv_with_status(&vec![0.0; n][..], from, comm, next);
        let (_, next) = wait(sent, next);
        assert_eq!((got, status.count()), (ring(left, n), n), "rank {rank}");
        token = next;
    }
    let flags: Vec<bool> = (0..9).map(|i| (i + rank) % 2 == 0).collect();
    let (got, token) = sendrecv(&flags[..], &[false; 9][..], from, to, comm, token);
    assert_eq!(got, (0..9).map(|i| (i + left) % 2 == 0).collect::<Vec<_>>());

    // Nonblocking: `irecv` of a template, `irecv_into` a strided column (lent) and a handed-over
    // `Vec`, `isendrecv` and `isendrecv_into`.
    let mine = Array1::from_shape_fn(6, |i| (10 * rank + i) as i64);
    let theirs = Array1::from_shape_fn(6, |i| (10 * left + i) as i64);
    let (received, token) = irecv(&Array1::<i64>::zeros(6), from, comm, token);
    let (sent, token) = isend(&mine, to, comm, token);
    let ((got, ()), token) = wait_all((received, sent), comm, token);
    assert_eq!(got, theirs, "rank {rank}: irecv");

    let mut grid = Array2::from_elem((6, 3), -1i64);
    let mut column = grid.column_mut(1);
    let (received, token) = irecv_into(&mut column, from, comm, token);
    let (sent, token) = isend(mine.to_vec(), to, comm, token);
    let ((status, back), token) = wait_all((received, sent), comm, token);
    assert_eq!((status.count(), back), (6, mine.to_vec()));
    assert_eq!(grid.column(1), theirs);
    assert!(
        grid.column(0)
            .iter()
            .chain(grid.column(2))
            .all(|&x| x == -1)
    );

    let (received, token) = irecv_into(vec![0i64; 8], from, comm, token);
    let (sent, token) = isend(&mine, to, comm, token);
    let (((vec, status), ()), token) = wait_all((received, sent), comm, token);
    assert_eq!(status.count(), 6);
    assert_eq!(&vec[..6], theirs.as_slice().unwrap());
    assert_eq!(&vec[6..], [0, 0]);

    let (request, token) = isendrecv(&mine, &Array1::<i64>::zeros(6), from, to, comm, token);
    let (got, token) = wait(request, token);
    assert_eq!(got, theirs, "rank {rank}: isendrecv");
    let big = ring(rank, 150_000);
    let (request, token) = isendrecv_into(big, vec![0.0; 150_000], from, to, comm, token);
    let ((back, (got, status)), token) = wait(request, token);
    assert_eq!((back, status.count()), (ring(rank, 150_000), 150_000));
    assert_eq!(got, ring(left, 150_000), "rank {rank}: isendrecv_into");

    // No one: the buffer is left as it is.
    let mut kept = [7u8; 3];
    let (status, token) = recv_into(&mut kept[..], Source::none(), comm, token);
    assert!(status.is_from_no_one());
    assert_eq!(kept, [7; 3]);

    // A blocking receive on this communicator while a guarded receive waits on another: the
    // blocking one goes through spmd's matching, which advances the waiting one meanwhile.
    let (waiting, token) = irecv(&0u64, from.tag(5), guarded, token);
    let (got, token) = sendrecv(&(rank as u64), &0u64, from, to, comm, token);
    assert_eq!(got, left as u64);
    let token = send(&(rank as u64 + 1), to.tag(5), guarded, token);
    let (got, token) = wait(waiting, token);
    assert_eq!(got, left as u64 + 1);

    // Collectives without the agreement.
    let (sum, token) = allreduce(&[rank as i64, 1][..], Sum, comm, token);
    assert_eq!(sum, [(size * (size - 1) / 2) as i64, size as i64]);
    let mut data = [rank as f32; 5];
    let token = bcast_in_place(&mut data[..], size - 1, comm, token);
    assert_eq!(data, [(size - 1) as f32; 5]);
    token
}
