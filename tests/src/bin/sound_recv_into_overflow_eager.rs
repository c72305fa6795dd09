//! Rank 0 sends 100 `f64`s (below every eager limit), rank 1 receives into a buffer of 64: the
//! job stops with spmd's error, and nothing past the buffer changed (read from outside the job).
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `recv_into` failed on rank 1 of 2
//! expect-failure: is larger than the receive buffer, which holds 64 elements of f64: it has 100 (800 bytes); nothing was written

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        spmd_tests::canary::send_and_wait(&comm, 100, token);
    } else {
        let buffer = spmd_tests::canary::buffer::<f64>(1, 64, 64 * 1024);
        let (_, _token) = recv_into(buffer, 0, &comm, token);
        unreachable!("the receive must refuse the message");
    }
}
