//! The watchdog names ops of different kinds at the same op number: the even ranks call
//! `allreduce` where the odd ranks exchange with their even neighbour by `sendrecv`, both as
//! their op #1. Each rank's report lists its own blocked op, then says that the ranks are in
//! different ops at the same point, the likely cause of the hang.
//! ranks: 2 4
//! env: SPMD_TIMEOUT=2
//! timeout: 30
//! expect-failure: [spmd] watchdog: rank 0 of
//! expect-failure: in `allreduce` at tests/src/bin/watchdog_different_ops.rs:23:9 (op #1)
//! expect-failure: in `sendrecv` dest=0 source=0 at tests/src/bin/watchdog_different_ops.rs:25:9 (op #1)
//! expect-failure: [spmd] watchdog: rank 0 is blocked in `allreduce` at tests/src/bin/watchdog_different_ops.rs:23:9 and rank 1 in `sendrecv` at tests/src/bin/watchdog_different_ops.rs:25:9, both at op #1: these are different ops
//! expect-failure: [spmd] watchdog: rank 1 is blocked in `sendrecv` at tests/src/bin/watchdog_different_ops.rs:25:9 and rank 0 in `allreduce` at tests/src/bin/watchdog_different_ops.rs:23:9, both at op #1: these are different ops

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let token = barrier(&comm, spmd::token());
    // The mistake: the odd ranks take another path at the same point.
    let (_, token) = if rank.is_multiple_of(2) {
        allreduce(&[1.0f64; 4], Sum, &comm, token)
    } else {
        sendrecv(
            &[1.0f64; 4],
            &[0.0f64; 4],
            Source::rank(rank - 1),
            Dest::rank(rank - 1),
            &comm,
            token,
        )
    };
    drop(token);
    unreachable!("no rank gets past op #1");
}
