//! Rank 0 issues an all-to-all of blocks of 8,192 `f64`s, rank 1 one of blocks of 16,384: the job
//! stops with spmd's error once the ranks' nonblocking agreement completes, before any data
//! moves.
//! ranks: 2
//! timeout: 30
//! expect-failure: no data moved: the ranks disagree on this collective: this rank issued `ialltoall` of f64
//! expect-failure: at tests/src/bin/sound_ialltoall_shorter.rs
//! expect-failure: and the ranks' counts range from 8192 to 16384

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let (request, token) = ialltoall(&vec![1.0f64; ROOM], &comm, token);
        let (_, _token) = wait(request, token);
    } else {
        let (request, token) = ialltoall(&vec![1.0f64; 2 * ROOM], &comm, token);
        let (_, _token) = wait(request, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
