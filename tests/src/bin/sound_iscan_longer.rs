//! Rank 0 issues a scan of a `Vec` of 16,384 `f64`s handed over (scanned in place), which the
//! test allocator places in a file-backed mapping with a canary after it; rank 1 issues one of
//! 32,768: the job stops with spmd's error once the ranks' nonblocking agreement completes,
//! before any data moves, and nothing past rank 0's `Vec` changed.
//! ranks: 2
//! timeout: 30
//! canary: 0
//! expect-failure: no data moved: the ranks disagree on this collective: this rank issued `iscan(Sum)` of f64
//! expect-failure: at tests/src/bin/sound_iscan_longer.rs
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
        ALLOCATOR.arm(0, ROOM * 8, 4 * ROOM * 8);
        let data = vec![1.0f64; ROOM];
        assert!(ALLOCATOR.placed(), "the `Vec` is not in the canary file");
        let (request, token) = iscan(data, Sum, &comm, token);
        let (_, _token) = wait(request, token);
    } else {
        let (request, token) = iscan(vec![1.0f64; 2 * ROOM], Sum, &comm, token);
        let (_, _token) = wait(request, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
