//! Check mode on nonblocking messages: rank 0 sends `f64`s with `isend`, rank 1 receives them as
//! `i64`s with `irecv`. The sender's header, sent when the message is issued, is compared with
//! the receive when its request completes, so receives may be issued before sends (as here,
//! on both ranks) without check mode blocking the issue.
//! ranks: 2
//! env: SPMD_CHECK=1
//! timeout: 20
//! expect-failure: check mode
//! expect-failure: f64
//! expect-failure: i64
//! expect-failure: check_nonblocking_mismatch.rs
//! expect-failure: `irecv` expects i64 x3 from rank 0 (tag 0) at tests/src/bin/check_nonblocking_mismatch.rs:22

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let template = [0_i64; 3];
    let (incoming, token) = if comm.rank() == 1 {
        let (request, token) = irecv(&template, 0, &comm, token);
        (Some(request), token)
    } else {
        (None, token)
    };
    let token = if comm.rank() == 0 {
        let (sent, token) = isend(&[1.0_f64, 2.0, 3.0], 1, &comm, token);
        wait(sent, token).1
    } else {
        token
    };
    if let Some(request) = incoming {
        let (_, token) = wait(request, token);
        drop(token);
        unreachable!("check mode lets no receive of another type complete");
    }
    // Rank 0 waits for rank 1's report.
    let token = barrier(&comm, token);
    drop(token);
    unreachable!("rank 1 stops the job");
}
