//! Rank 0 sends 32,768 `f64`s, rank 1 issues an `irecv` with a template of 16,384: the memory
//! the request receives into is placed in a file-backed mapping with a canary after it (the test
//! allocator), and nothing past it changed when the job stopped with spmd's error at the `wait`.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `wait` failed on rank 1 of 2
//! expect-failure: is larger than the receive template (the receive of `irecv` at tests/src/bin/sound_irecv_overflow.rs
//! expect-failure: which holds 16384 elements of f64: it has 32768 (262144 bytes); nothing was written
//! expect-failure: or `irecv_into` with a buffer at least that long

use spmd::prelude::*;
use spmd_tests::canary::CanaryAlloc;

#[global_allocator]
static ALLOCATOR: CanaryAlloc = CanaryAlloc::new();

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        spmd_tests::canary::send_and_wait(&comm, 2 * ROOM, token);
    } else {
        let template = vec![0.0f64; ROOM];
        ALLOCATOR.arm(1, ROOM * 8, 4 * ROOM * 8);
        let (request, token) = irecv(&template, 0, &comm, token);
        assert!(
            ALLOCATOR.placed(),
            "the request's memory is not in the canary file"
        );
        let (_, _token) = wait(request, token);
        unreachable!("the receive must refuse the message");
    }
}
