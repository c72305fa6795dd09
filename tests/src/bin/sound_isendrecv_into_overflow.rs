//! `isendrecv_into` with `Vec`s handed over, where rank 0 sends 40,000 `f32`s and rank 1's
//! receive `Vec` holds 10,000: MPI receives into the `Vec` itself (no copy), which the test
//! allocator places in a canary file; nothing past it changes, and the job stops with spmd's
//! error naming the op, before any byte lands. Rank 0 receives rank 1's 5,000 into a `Vec` of
//! that size.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `wait` failed on rank 1 of 2
//! expect-failure: (the receive of `isendrecv_into` at
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
        let (request, token) = isendrecv_into(
            vec![1.0f32; 40_000],
            vec![0.0f32; 5_000],
            peer,
            to,
            &comm,
            token,
        );
        let (_, token) = wait(request, token);
        let (_, _token) = recv(&0u8, 1, &comm, token);
    } else {
        let sent = vec![2.0f32; 5_000];
        ALLOCATOR.arm(1, 10_000 * 4, 256 * 1024);
        let room = vec![0.0f32; 10_000];
        assert!(
            ALLOCATOR.placed(),
            "the receive Vec is not in the canary file"
        );
        let (request, token) = isendrecv_into(sent, room, peer, to, &comm, token);
        let (_, _token) = wait(request, token);
        unreachable!("the exchange must refuse the message");
    }
}
