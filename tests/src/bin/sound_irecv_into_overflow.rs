//! `irecv_into` a buffer of 2,000 `i64`s while rank 0 sends 6,000 (below and above no limit in
//! particular: what matters is that the message is longer): the request's own receive memory is
//! in a canary file (the test allocator) and nothing past it changed; the request is completed
//! by a `test` loop, and the job stops with spmd's error.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `test` failed on rank 1 of 2
//! expect-failure: the incoming message (from rank 0) is larger than the receive buffer (the receive of `irecv_into` at
//! expect-failure: which holds 2000 elements of i64: it has 6000 (48000 bytes); nothing was written

use spmd::prelude::*;
use spmd_tests::canary::CanaryAlloc;

#[global_allocator]
static ALLOCATOR: CanaryAlloc = CanaryAlloc::new();

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let mut token = spmd::token();
    if comm.rank() == 0 {
        let token = send(&vec![5i64; 6_000], 1, &comm, token);
        let (_, _token) = recv(&0u8, 1, &comm, token);
    } else {
        let mut buffer = vec![0i64; 2_000];
        ALLOCATOR.arm(1, 2_000 * 8, 64 * 1024);
        let (mut request, next) = irecv_into(&mut buffer, 0, &comm, token);
        token = next;
        assert!(
            ALLOCATOR.placed(),
            "the request's memory is not in the canary file"
        );
        loop {
            let (outcome, next) = test(request, token);
            token = next;
            match outcome {
                Ok(_) => unreachable!("the receive must refuse the message"),
                Err(pending) => request = pending,
            }
        }
    }
}
