//! Requests dropped before a wait, with check mode and without: the drop completes the op as a
//! wait would, so a lent receive buffer gets its message, and in check mode a receive's message
//! is compared with its sender's header there, which then does not meet a later receive from
//! the same rank (which check mode would report as a mismatch of two correct receives). A dropped `irecv` (its result discarded), a dropped `irecv_into` (the
//! message lands in the buffer), a receive forgotten in a scope (completed at the scope's
//! end), a dropped `isend`, and a dropped `iallreduce`; each followed by a blocking exchange
//! of another count with the same peer.
//! ranks: 2 3 4
//! transports: shm tcp
//! timeout: 30

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let world = universe.world();
    dropped(&world.with_check(true));
    dropped(&world);
}

fn dropped(comm: &Comm) {
    let (rank, size) = (comm.rank(), comm.size());
    let (from, to) = comm.shift(1);
    let left = ((rank + size - 1) % size) as f64;
    let mut token = spmd::token();
    for round in 0..3 {
        // A dropped `irecv` of 10, then a blocking exchange of 3.
        let (sent, next) = isend(vec![rank as f64; 10], to, comm, token);
        let (received, next) = irecv(&[0.0f64; 10], from, comm, next);
        drop(received);
        let (_, next) = wait(sent, next);
        let (back, next) = sendrecv(&[rank as f64; 3], &[0.0f64; 3], from, to, comm, next);
        assert_eq!(
            back, [left; 3],
            "rank {rank}, round {round}: after a dropped irecv"
        );

        // A dropped `irecv_into`: the message lands in the buffer.
        let mut buf = [-1.0f64; 7];
        let (sent, next) = isend(vec![rank as f64 + 0.5; 7], to, comm, next);
        let (received, next) = irecv_into(&mut buf, from, comm, next);
        drop(received);
        let (_, next) = wait(sent, next);
        assert_eq!(
            buf,
            [left + 0.5; 7],
            "rank {rank}: a dropped irecv_into landed"
        );
        let (back, next) = sendrecv(&[1u8; 2], &[0u8; 2], from, to, comm, next);
        assert_eq!(back, [1; 2], "rank {rank}: after a dropped irecv_into");

        // A receive forgotten in a scope: completed at the scope's end.
        let mut lent = [-1.0f64; 5];
        let next = spmd::scope(|scope| {
            let (received, next) = irecv_into(scope.lend_mut(&mut lent), from, comm, next);
            let (sent, next) = isend(vec![rank as f64; 5], to, comm, next);
            std::mem::forget(received);
            let (_, next) = wait(sent, next);
            next
        });
        assert_eq!(lent, [left; 5], "rank {rank}: the forgotten receive landed");
        let (back, next) = sendrecv(&[7i32; 4], &[0i32; 4], from, to, comm, next);
        assert_eq!(back, [7; 4], "rank {rank}: after a forgotten receive");

        // A dropped `isend` and a dropped `iallreduce`.
        let (sent, next) = isend(vec![rank as f64; 6], to, comm, next);
        drop(sent);
        let (got, next) = recv(&[0.0f64; 6], from, comm, next);
        assert_eq!(got, [left; 6], "rank {rank}: after a dropped isend");
        let (reduced, next) = iallreduce(vec![1.0f64; 3], Sum, comm, next);
        drop(reduced);
        let (total, next) = allreduce(&[1.0f64; 2], Sum, comm, next);
        assert_eq!(
            total, [size as f64; 2],
            "rank {rank}: after a dropped iallreduce"
        );
        token = next;
    }
    drop(token);
}
