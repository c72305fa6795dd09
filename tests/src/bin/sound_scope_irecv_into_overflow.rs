//! `irecv_into` a buffer lent to a scope (no copy: MPI would write the buffer itself), 2,000
//! `i64`s in a file-backed mapping with a canary after it, while rank 0 sends 6,000 (above the
//! shared-memory eager limit): the job stops with spmd's error from the `wait`, and nothing
//! past the buffer changed.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `wait` failed on rank 1 of 2
//! expect-failure: the incoming message (from rank 0) is larger than the receive buffer (the receive of `irecv_into` at
//! expect-failure: which holds 2000 elements of i64: it has 6000 (48000 bytes); nothing was written

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let token = send(&vec![5i64; 6_000], 1, &comm, token);
        let (_, _token) = recv(&0u8, 1, &comm, token);
    } else {
        let buffer = spmd_tests::canary::buffer::<i64>(1, 2_000, 64 * 1024);
        spmd::scope(|scope| {
            let (request, token) = irecv_into(scope.lend_mut(buffer), 0, &comm, token);
            let _ = wait(request, token);
        });
    }
    unreachable!("the receive must refuse the message");
}
