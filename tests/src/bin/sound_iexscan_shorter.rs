//! Rank 0 issues an exclusive scan of 8,192 `f64`s, rank 1 one of 16,384 whose request memory
//! (the copy it scans in place) the test allocator places in a file-backed mapping with a
//! canary after it: the job stops with spmd's error once the ranks' nonblocking agreement
//! completes, before any data moves, and nothing past the request's memory changed.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: no data moved: the ranks disagree on this collective: this rank issued `iexscan(Sum)` of f64
//! expect-failure: at tests/src/bin/sound_iexscan_shorter.rs
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
        let (request, token) = iexscan(&vec![1.0f64; ROOM / 2][..], Sum, &comm, token);
        let (_, _token) = wait(request, token);
    } else {
        let data = vec![1.0f64; ROOM];
        ALLOCATOR.arm(1, ROOM * 8, 4 * ROOM * 8);
        let (request, token) = iexscan(&data[..], Sum, &comm, token);
        assert!(
            ALLOCATOR.placed(),
            "the request's memory is not in the canary file"
        );
        let (_, _token) = wait(request, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
