//! Rank 0 sends 13 bytes, rank 1 receives `f64`s into a buffer of 10 in a canary file: the
//! message is not a whole number of elements, so it is refused before it lands (nothing past
//! the buffer changed) with an error that names the element type.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `recv_into` failed on rank 1 of 2
//! expect-failure: the incoming message from rank 0 is 13 bytes, not a whole number of f64 (8 bytes each)

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let token = send(&[9u8; 13], 1, &comm, token);
        let (_, _token) = recv(&0u8, 1, &comm, token);
    } else {
        let buffer = spmd_tests::canary::buffer::<f64>(1, 10, 64 * 1024);
        let (_, _token) = recv_into(buffer, 0, &comm, token);
        unreachable!("the receive must refuse the message");
    }
}
