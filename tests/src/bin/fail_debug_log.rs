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
    let token = barrier(&comm, token);
    drop(token);
    if rank == 0 {
        panic!("stopping on purpose after the logged ops");
    }
    // Rank 1 waits for the abort of rank 0.
    let token = barrier(&comm, spmd::token());
    drop(token);
}
