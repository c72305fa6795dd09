//! `sendrecv_into` from any source with a receive buffer of 2 elements, while the neighbour
//! sends 4, stops the job with an error naming the op, the rank, the room and the type.
//! ranks: 2
//! timeout: 20
//! expect-failure: `sendrecv_into` failed on rank
//! expect-failure: fail_sendrecv_into_too_small.rs:
//! expect-failure: is larger than the receive buffer, which holds 2 elements of u16: it has 4 (8 bytes); nothing was written
//! expect-failure: or `sendrecv_into` with a buffer at least that long

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let right = (rank + 1) % comm.size();
    let mut into = [0u16; 2];
    let (status, token) = sendrecv_into(
        &[rank as u16; 4],
        &mut into,
        ANY_SOURCE,
        Dest::rank(right),
        &comm,
        spmd::token(),
    );
    drop(token);
    unreachable!("rank {rank} received {status:?} into 2 elements");
}
