//! Check mode on one communicator (`Comm::with_check`, without `SPMD_CHECK`): rank 0 sends a
//! message with `isend` that rank 1 never receives. When the communicator is dropped, the ranks
//! compare their counts of messages and the job fails, naming the `isend`; nothing after the
//! drop runs.
//! ranks: 2
//! timeout: 30
//! expect-failure: check mode: 1 message was sent on the communicator made at tests/src/bin/check_lost_message_nonblocking.rs:17:29 never received
//! expect-failure: rank 0: `isend` of u32 x4 to rank 1 (tag 7) at tests/src/bin/check_lost_message_nonblocking.rs:21:33

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let world = universe.world();
    assert!(!world.is_checked(), "run without SPMD_CHECK");
    {
        let checked = world.with_check(true);
        let token = spmd::token();
        let token = if checked.rank() == 0 {
            // Small: it completes before anyone receives it.
            let (sent, token) = isend(&[7u32; 4], Dest::rank(1).tag(7), &checked, token);
            wait(sent, token).1
        } else {
            token
        };
        let token = barrier(&checked, token);
        drop(token);
    }
    unreachable!("the dropped communicator's check ends the job");
}
