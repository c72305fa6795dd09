//! Rank 0 issues an allreduce of 8,192 `f64`s, rank 1 one of 16,384 whose request memory the test
//! allocator places in a file-backed mapping with a canary after it; both complete it with `test`
//! loops: the job stops with spmd's error once the ranks' nonblocking agreement completes, before
//! any data moves, and nothing past the request's memory changed.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: no data moved: the ranks disagree on this collective: this rank issued `iallreduce(Sum)` of f64
//! expect-failure: at tests/src/bin/sound_iallreduce_shorter.rs
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
        let (mut request, mut token) = iallreduce(&vec![1.0f64; ROOM / 2], Sum, &comm, token);
        loop {
            (request, token) = match test(request, token) {
                (Ok(_), _) => break,
                (Err(request), token) => (request, token),
            };
        }
    } else {
        let data = vec![1.0f64; ROOM];
        ALLOCATOR.arm(1, ROOM * 8, 4 * ROOM * 8);
        let (mut request, mut token) = iallreduce(&data, Sum, &comm, token);
        assert!(
            ALLOCATOR.placed(),
            "the request's memory is not in the canary file"
        );
        loop {
            (request, token) = match test(request, token) {
                (Ok(_), _) => break,
                (Err(request), token) => (request, token),
            };
        }
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
