//! `iscan_into` where rank 0 scans 8,192 `f64`s and rank 1 16,384 into a lent buffer of
//! 16,384: rank 1's result memory (the call site's staging memory, which the test allocator
//! places in a canary file) is untouched past its end, and the job stops with spmd's error
//! once the ranks' nonblocking agreement completes, before any data moves.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: no data moved: the ranks disagree on this collective: this rank issued `iscan_into(Sum)` of f64
//! expect-failure: at tests/src/bin/sound_iscan_into_shorter.rs
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
        let mut out = vec![0.0f64; ROOM / 2];
        let (request, token) = iscan_into(&vec![1.0f64; ROOM / 2], &mut out, Sum, &comm, token);
        let (_, _token) = wait(request, token);
    } else {
        let data = vec![1.0f64; ROOM];
        let mut out = vec![0.0f64; ROOM];
        ALLOCATOR.arm(1, ROOM * 8, 4 * ROOM * 8);
        let (request, token) = iscan_into(&data, &mut out, Sum, &comm, token);
        assert!(
            ALLOCATOR.placed(),
            "the result memory is not in the canary file"
        );
        let (_, _token) = wait(request, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
