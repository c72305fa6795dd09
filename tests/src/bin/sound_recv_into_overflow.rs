//! Rank 0 sends 32,768 `f64`s (above every eager limit), rank 1 receives into a buffer of
//! 16,384: the job stops with spmd's error, and nothing past the buffer changed (the buffer is
//! in a file-backed mapping with a canary after it, which the harness reads after the job).
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `recv_into` failed on rank 1 of 2
//! expect-failure: sound_recv_into_overflow.rs:
//! expect-failure: is larger than the receive buffer, which holds 16384 elements of f64: it has 32768 (262144 bytes); nothing was written

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        spmd_tests::canary::send_and_wait(&comm, 2 * ROOM, token);
    } else {
        let buffer = spmd_tests::canary::buffer::<f64>(1, ROOM, 4 * ROOM * 8);
        let (_, _token) = recv_into(buffer, 0, &comm, token);
        unreachable!("the receive must refuse the message");
    }
}
