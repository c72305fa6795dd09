//! `recv_with_status` from any source with a template of 5,000 `i32`s, while rank 0 sends
//! 10,000: the result's allocation (in a canary file, by the test allocator) is untouched past
//! its end, and the job stops with spmd's error naming the real sender.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `recv_with_status` failed on rank 1 of 2
//! expect-failure: the incoming message (from rank 0) is larger than the receive template, which holds 5000 elements of i32: it has 10000 (40000 bytes); nothing was written

use spmd::prelude::*;
use spmd_tests::canary::CanaryAlloc;

#[global_allocator]
static ALLOCATOR: CanaryAlloc = CanaryAlloc::new();

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let token = send(&vec![7i32; 10_000], 1, &comm, token);
        let (_, _token) = recv(&0u8, 1, &comm, token);
    } else {
        let template = vec![0i32; 5_000];
        ALLOCATOR.arm(1, 5_000 * 4, 64 * 1024);
        let (_, _, _token) = recv_with_status(&template, ANY_SOURCE, &comm, token);
        unreachable!("the receive must refuse the message");
    }
}
