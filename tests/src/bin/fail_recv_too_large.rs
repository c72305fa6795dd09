//! A message of 2 elements received with a template of 3 stops the job: `recv` returns exactly
//! the template's shape, so a shorter message is an error, never uninitialised data.
//! ranks: 2
//! timeout: 20
//! expect-failure: `recv_with_status` failed on rank 1 of 2 (op #0) at
//! expect-failure: fail_recv_too_large.rs:
//! expect-failure: received 2 elements of i32 from rank 0 (tag 9), but the template holds 3
//! expect-failure: use `recv_into` and read `Status::count`

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let token = send(&[1i32, 2], Dest::rank(1).tag(9), &comm, token);
        let (_, token) = recv(&0i32, 1, &comm, token);
        drop(token);
    } else {
        let (data, status, token) = recv_with_status(&[0i32; 3], ANY_SOURCE, &comm, token);
        drop(token);
        unreachable!("rank 1 received {data:?} ({status:?}) into a template of 3");
    }
    unreachable!("rank 0 got an answer");
}
