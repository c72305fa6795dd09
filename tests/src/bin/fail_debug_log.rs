//! `SPMD_DEBUG=1` prints one log line per op (rank, sequence number, op, type, count, peer or
//! root, call site). The program then stops on purpose so that the runner, which checks the
//! output of failing runs, can assert the lines.
//! ranks: 2
//! timeout: 20
//! env: SPMD_DEBUG=1
//! expect-failure: [spmd] rank 0 #0 allreduce i32 x3 at
//! expect-failure: [spmd] rank 1 #0 allreduce i32 x3 at
//! expect-failure: [spmd] rank 0 #1 bcast f64 x4 root=1 at
//! expect-failure: [spmd] rank 1 #2 send u8 x2 dest=0 at
//! expect-failure: [spmd] rank 0 #2 recv u8 x2 source=1 at
//! expect-failure: [spmd] rank 0 #3 isendrecv u16 x3 dest=1 source=1 at
//! expect-failure: [spmd] rank 0 #4 wait u16 x3 dest=1 source=1 at
//! expect-failure: [spmd] rank 1 #5 isend i64 x1 dest=0 at
//! expect-failure: [spmd] rank 1 #6 irecv i64 x1 source=0 at
//! expect-failure: [spmd] rank 1 #7 wait_all at
//! expect-failure: [spmd] rank 1 #8 ibarrier at
//! expect-failure: [spmd] rank 1 #9 wait at
//! expect-failure: [spmd] rank 0 #10 barrier at
//! expect-failure: [spmd] rank 0 #11 iallreduce f32 x2 at
//! expect-failure: [spmd] rank 0 #12 test f32 x2 at
//! expect-failure: fail_debug_log.rs:
//! expect-failure: stopping on purpose after the logged ops

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let (sum, token) = allreduce(&[1i32, 2, 3], Sum, &comm, spmd::token());
    assert_eq!(sum, [2, 4, 6], "rank {rank}");
    let (_, token) = bcast(&Array2::<f64>::zeros((2, 2)), 1, &comm, token);
    let token = if rank == 1 {
        send(&[7u8, 8], 0, &comm, token)
    } else {
        let (got, token) = recv(&[0u8; 2], 1, &comm, token);
        assert_eq!(got, [7, 8], "rank {rank}");
        token
    };
    // Completions log the element type, count and peer of their request; a barrier and a
    // `wait_all` move no data, and log neither.
    let other = 1 - rank;
    let (request, token) = isendrecv(
        &[rank as u16; 3],
        &[0u16; 3],
        Source::rank(other),
        Dest::rank(other),
        &comm,
        token,
    );
    let (got, token) = wait(request, token);
    assert_eq!(got, [other as u16; 3], "rank {rank}");
    let (sent, token) = isend(&(rank as i64), other, &comm, token);
    let (received, token) = irecv(&0i64, other, &comm, token);
    let (((), got), token) = wait_all((sent, received), &comm, token);
    assert_eq!(got, other as i64, "rank {rank}");
    let (request, token) = ibarrier(&comm, token);
    let ((), token) = wait(request, token);
    let token = barrier(&comm, token);
    // The first `test` has a known sequence number; how many follow depends on timing.
    let (mut request, mut token) = iallreduce(&[1.0f32, 2.0], Sum, &comm, token);
    let sum = loop {
        match test(request, token) {
            (Ok(sum), next) => {
                token = next;
                break sum;
            }
            (Err(pending), next) => (request, token) = (pending, next),
        }
    };
    assert_eq!(sum, [2.0, 4.0], "rank {rank}");
    let token = barrier(&comm, token);
    drop(token);
    if rank == 0 {
        panic!("stopping on purpose after the logged ops");
    }
    // Rank 1 waits for the abort of rank 0.
    let token = barrier(&comm, spmd::token());
    drop(token);
}
