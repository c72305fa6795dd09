//! Check mode finds a message sent and never received: a halo exchange of structs in which each
//! rank sends its edges to both neighbours but receives from its left neighbour only (the other
//! receive was deleted). The sends are small, so MPI completes them before anyone receives them
//! and the program would end normally with stale halos. At the end of the program, the ranks
//! compare how many messages each sent to each and received from each, and the job fails with
//! the sends whose messages were never received: op, element type, count, tag and call site.
//! ranks: 2 3 4
//! env: SPMD_CHECK=1
//! timeout: 30
//! expect-failure: check mode:
//! expect-failure: sent on the communicator made at tests/src/bin/check_lost_message.rs:26:20 never received
//! expect-failure: `send` of Edge x3 to rank 0 (tag 2) at tests/src/bin/check_lost_message.rs:36:17
//! expect-failure: help: every message must be received

use spmd::prelude::*;

/// One cell of a domain's edge.
#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Edge {
    height: f64,
    wet: bool,
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());
    let right = (rank + 1) % size;
    let left = (rank + size - 1) % size;
    let edge = [Edge {
        height: rank as f64,
        wet: rank.is_multiple_of(2),
    }; 3];
    let token = send(&edge, Dest::rank(right).tag(1), &comm, spmd::token());
    let token = send(&edge, Dest::rank(left).tag(2), &comm, token);
    let (from_left, token) = recv(&edge, Source::rank(left).tag(1), &comm, token);
    // Deleted: the receive of the right neighbour's edge (tag 2).
    assert_eq!(from_left[0].height, left as f64);
    let token = barrier(&comm, token);
    drop(token);
    // The check runs when the world communicator ends, with the universe.
}
