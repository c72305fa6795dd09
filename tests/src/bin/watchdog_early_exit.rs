//! The watchdog: rank 1 ends its program while rank 0 still waits for a message from it.
//! Rank 0 reports the receive it is blocked in, and the job is aborted instead of hanging.
//! ranks: 2
//! env: SPMD_TIMEOUT=2
//! timeout: 20
//! expect-failure: [spmd] watchdog: rank 0 of 2 blocked for
//! expect-failure: in `recv` source=1 at tests/src/bin/watchdog_early_exit.rs

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    if comm.rank() == 1 {
        // Forgets to send: returns while rank 0 waits.
        return;
    }
    let (_, token) = recv(&[0u8; 16], 1, &comm, spmd::token());
    drop(token);
    unreachable!("rank 1 never sends");
}
