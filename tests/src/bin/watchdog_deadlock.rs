//! The watchdog: both ranks receive before sending, the classic deadlock. After
//! `SPMD_TIMEOUT` seconds each rank reports the op, peer, call site and sequence number it is
//! blocked in, and the job is aborted.
//! ranks: 2
//! env: SPMD_TIMEOUT=2
//! timeout: 20
//! expect-failure: [spmd] watchdog: rank 0 of 2 blocked for
//! expect-failure: in `recv` source=1 at tests/src/bin/watchdog_deadlock.rs
//! expect-failure: [spmd] watchdog: rank 1 of 2 blocked for
//! expect-failure: in `recv` source=0 at tests/src/bin/watchdog_deadlock.rs
//! expect-failure: (op #1)

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let other = 1 - comm.rank();
    let token = barrier(&comm, spmd::token());
    let (got, token) = recv(&[0.0f64; 4], other, &comm, token);
    let token = send(&got, other, &comm, token);
    drop(token);
    unreachable!("both ranks wait for each other forever");
}
