//! A message of 5 elements received with a template of 3 stops the job with an error on the
//! receiving rank (never a silent truncation).
//! ranks: 2
//! timeout: 20
//! expect-failure: `recv` failed on rank 1 of 2 (op #0) at
//! expect-failure: fail_recv_too_small.rs:
//! expect-failure: the incoming message (from rank 0) is larger than the receive template, which holds 3 elements of i32
//! expect-failure: it has 5 (20 bytes); nothing was written
//! expect-failure: or `recv_into` with a buffer at least that long

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let token = send(&[1i32, 2, 3, 4, 5], 1, &comm, token);
        // Rank 0 waits for an answer that never comes: rank 1's abort must end it.
        let (_, token) = recv(&0i32, 1, &comm, token);
        drop(token);
    } else {
        let (data, token) = recv(&[0i32; 3], 0, &comm, token);
        drop(token);
        unreachable!("rank 1 received {data:?} into a template of 3");
    }
    unreachable!("rank 0 got an answer");
}
