//! Rank 0 issues a reduce of 32,768 `f64`s at root 1, which issues one of 16,384 whose request
//! memory (the copy of what it sends) the test allocator places in a file-backed mapping with a
//! canary after it: the job stops with spmd's error once the ranks' nonblocking agreement
//! completes, before any data moves (the root's result is never allocated), and nothing past
//! the request's memory changed.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: no data moved: the ranks disagree on this collective: this rank issued `ireduce(Sum, root=1)` of f64
//! expect-failure: at tests/src/bin/sound_ireduce_longer.rs
//! expect-failure: and the ranks' counts range from 16384 to 32768

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
        let (request, token) = ireduce(&vec![1.0f64; 2 * ROOM][..], Sum, 1, &comm, token);
        let (_, _token) = wait(request, token);
    } else {
        let data = vec![1.0f64; ROOM];
        ALLOCATOR.arm(1, ROOM * 8, 4 * ROOM * 8);
        let (request, token) = ireduce(&data[..], Sum, 1, &comm, token);
        assert!(
            ALLOCATOR.placed(),
            "the request's memory is not in the canary file"
        );
        let (_, _token) = wait(request, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
