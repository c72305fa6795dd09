//! `sendrecv_into` from any source into a buffer of 1,000 `u16`s in a canary file, while the
//! neighbour sends 50,000: nothing past the buffer changed, and the job stops with spmd's error.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `sendrecv_into` failed on rank 1 of 2
//! expect-failure: the incoming message (from rank 0) is larger than the receive buffer, which holds 1000 elements of u16: it has 50000 (100000 bytes); nothing was written

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let to = Dest::rank(1 - comm.rank());
    if comm.rank() == 0 {
        let mut room = vec![0u16; 1_000];
        let (_, token) = sendrecv_into(
            &vec![3u16; 50_000],
            &mut room,
            Source::any(),
            to,
            &comm,
            token,
        );
        let (_, _token) = recv(&0u8, 1, &comm, token);
    } else {
        let buffer = spmd_tests::canary::buffer::<u16>(1, 1_000, 256 * 1024);
        let (_, _token) =
            sendrecv_into(&vec![4u16; 1_000], buffer, Source::any(), to, &comm, token);
        unreachable!("the exchange must refuse the message");
    }
}
