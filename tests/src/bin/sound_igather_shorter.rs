//! Rank 0, the root, issues a gather of 16,384 `f64`s whose request memory (the copy of what it
//! sends) the test allocator places in a file-backed mapping with a canary after it; rank 1
//! issues one of 8,192: the job stops with spmd's error once the ranks' nonblocking agreement
//! completes, before any data moves (the root's result is never allocated), and nothing past
//! the request's memory changed.
//! ranks: 2
//! timeout: 30
//! canary: 0
//! expect-failure: no data moved: the ranks disagree on this collective: this rank issued `igather(root=0)` of f64
//! expect-failure: at tests/src/bin/sound_igather_shorter.rs
//! expect-failure: and the ranks' counts range from 8192 to 16384

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
        let data = vec![1.0f64; ROOM];
        ALLOCATOR.arm(0, ROOM * 8, 4 * ROOM * 8);
        let (request, token) = igather(&data[..], 0, &comm, token);
        assert!(
            ALLOCATOR.placed(),
            "the request's memory is not in the canary file"
        );
        let (_, _token) = wait(request, token);
    } else {
        let (request, token) = igather(&vec![1.0f64; ROOM / 2][..], 0, &comm, token);
        let (_, _token) = wait(request, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
