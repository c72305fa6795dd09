//! The watchdog at the end of a check-mode communicator, whose end is collective: rank 0 drops
//! the communicator and waits there for the other ranks to compare their counts of messages,
//! while rank 1 keeps its handle (leaked) and works on. Rank 0's report names the communicator
//! by where it was made and says that every rank must end it.
//! ranks: 2
//! env: SPMD_CHECK=1
//! env: SPMD_TIMEOUT=2
//! timeout: 30
//! expect-failure: [spmd] watchdog: rank 0 of 2 has waited
//! expect-failure: at the end of the check-mode communicator made at tests/src/bin/watchdog_check_comm_kept.rs:18:25 for the other ranks to compare their counts of messages (every rank must end it: drop its last handle)

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let world = universe.world();
    assert!(world.is_checked(), "run with SPMD_CHECK=1");
    let checked = world.with_check(true);
    let token = barrier(&checked, spmd::token());
    drop(token);
    if checked.rank() == 1 {
        // The mistake: a handle kept where the other ranks let theirs go.
        std::mem::forget(checked);
        std::thread::sleep(std::time::Duration::from_secs(20));
        unreachable!("rank 0's watchdog ends the job first");
    }
    drop(checked);
    unreachable!("rank 1 never ends the communicator");
}
