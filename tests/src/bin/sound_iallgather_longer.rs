//! Rank 0 issues an allgather of 32,768 `f64`s, rank 1 one of 16,384, whose result memory (two
//! blocks of its own length) the test allocator places in a file-backed mapping with a canary
//! after it: the job stops with spmd's error once the ranks' nonblocking agreement completes,
//! before any data moves, and nothing past the request's memory changed.
//! ranks: 2
//! timeout: 30
//! expect-failure: no data moved: the ranks disagree on this collective: this rank issued `iallgather` of f64
//! expect-failure: at tests/src/bin/sound_iallgather_longer.rs
//! expect-failure: and the ranks' counts range from 16384 to 32768

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let (request, token) = iallgather(&vec![1.0f64; 2 * ROOM], &comm, token);
        let (_, _token) = wait(request, token);
    } else {
        let data = vec![1.0f64; ROOM];
        let (request, token) = iallgather(&data, &comm, token);
        let (_, _token) = wait(request, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
