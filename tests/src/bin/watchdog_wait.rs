//! The watchdog on nonblocking ops: both ranks post a receive and wait for it without ever
//! sending. Each rank's report names the `wait`, and the `irecv` that issued the request with
//! its peer and call site.
//! ranks: 2
//! env: SPMD_TIMEOUT=2
//! timeout: 20
//! expect-failure: [spmd] watchdog: rank 0 of 2 blocked for
//! expect-failure: in `wait` at tests/src/bin/watchdog_wait.rs:22:24 on `irecv` source=1 issued at tests/src/bin/watchdog_wait.rs:21:28 (op #1)
//! expect-failure: [spmd] watchdog: rank 1 of 2 blocked for
//! expect-failure: on `irecv` source=0 issued at

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let other = 1 - comm.rank();
    let token = barrier(&comm, spmd::token());
    let template = [0.0f64; 4];
    // Nobody sends: the wait waits forever.
    let (request, token) = irecv(&template, other, &comm, token);
    let (got, token) = wait(request, token);
    let token = send(&got, other, &comm, token);
    drop(token);
    unreachable!("both ranks wait for a message nobody sends");
}
