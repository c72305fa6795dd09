//! `igather_into` at root 1, where rank 0 sends 32,768 `f64`s and the root 16,384, gathering
//! into a lent buffer of 2 x 16,384: the root's result memory (the call site's staging memory,
//! which the test allocator places in a canary file) is untouched past its end, and the job
//! stops with spmd's error once the ranks' nonblocking agreement completes, before any data
//! moves.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: no data moved: the ranks disagree on this collective: this rank issued `igather_into(root=1)` of f64
//! expect-failure: at tests/src/bin/sound_igather_into_longer.rs
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
        let (request, token) = igather_into(&vec![1.0f64; 2 * ROOM], Vec::new(), 1, &comm, token);
        let (_, _token) = wait(request, token);
    } else {
        let data = vec![1.0f64; ROOM];
        let mut out = vec![0.0f64; 2 * ROOM];
        ALLOCATOR.arm(1, 2 * ROOM * 8, 4 * ROOM * 8);
        let (request, token) = igather_into(&data, &mut out, 1, &comm, token);
        assert!(
            ALLOCATOR.placed(),
            "the result memory is not in the canary file"
        );
        let (_, _token) = wait(request, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
