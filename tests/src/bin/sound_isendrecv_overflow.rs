//! `isendrecv` where rank 0 sends 40,000 `f32`s and rank 1 expects 10,000: rank 1's receive
//! memory (in a canary file, by the test allocator) is untouched past its end, and the job stops
//! with spmd's error; rank 0 receives rank 1's 5,000 into a template of that size. (Rank 1 sends
//! another size than it receives, so that only its receive memory is of the size the test
//! allocator places: the request also owns a copy of what it sends.)
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `wait` failed on rank 1 of 2
//! expect-failure: (the receive of `isendrecv` at
//! expect-failure: which holds 10000 elements of f32: it has 40000 (160000 bytes); nothing was written
//! expect-failure: or `isendrecv_into` with a buffer at least that long

use spmd::prelude::*;
use spmd_tests::canary::CanaryAlloc;

#[global_allocator]
static ALLOCATOR: CanaryAlloc = CanaryAlloc::new();

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let peer = Source::rank(1 - comm.rank());
    let to = Dest::rank(1 - comm.rank());
    if comm.rank() == 0 {
        let sent = vec![1.0f32; 40_000];
        let (request, token) = isendrecv(&sent, &vec![0.0f32; 5_000], peer, to, &comm, token);
        let (_, token) = wait(request, token);
        let (_, _token) = recv(&0u8, 1, &comm, token);
    } else {
        let sent = vec![2.0f32; 5_000];
        let template = vec![0.0f32; 10_000];
        ALLOCATOR.arm(1, 10_000 * 4, 256 * 1024);
        let (request, token) = isendrecv(&sent, &template, peer, to, &comm, token);
        assert!(
            ALLOCATOR.placed(),
            "the request's memory is not in the canary file"
        );
        let (_, _token) = wait(request, token);
        unreachable!("the exchange must refuse the message");
    }
}
