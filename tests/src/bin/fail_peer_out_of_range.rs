//! A send to rank `size` (one past the last rank) stops the job with an error naming the op,
//! the rank, the call site and the bad peer, while the other ranks wait in a barrier.
//! ranks: 3
//! timeout: 20
//! expect-failure: `send` failed on rank 1 of 3
//! expect-failure: fail_peer_out_of_range.rs:
//! expect-failure: destination rank 3 is out of range: the communicator has 3 ranks
//! expect-failure: pass a destination rank below `comm.size()`

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let token = if comm.rank() == 1 {
        send(&[1.0f64, 2.0], comm.size(), &comm, token)
    } else {
        // The other ranks wait here; the abort of rank 1 must end them too.
        barrier(&comm, token)
    };
    drop(token);
    unreachable!("rank {} passed a send to an invalid rank", comm.rank());
}
