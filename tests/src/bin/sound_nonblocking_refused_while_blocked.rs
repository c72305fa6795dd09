//! Rank 0 issues a broadcast of 32,768 `f64`s, rank 1 one of 16,384; then each blocks in a
//! `recv` from the other before waiting: the nonblocking agreement completes while both are
//! blocked, and the rank that sees it first ends the job with spmd's error, instead of both
//! waiting forever for a message the other never sends.
//! ranks: 2
//! timeout: 30
//! expect-failure: no data moved: the ranks disagree on this collective: this rank issued `ibcast(root=0)` of f64
//! expect-failure: at tests/src/bin/sound_nonblocking_refused_while_blocked.rs
//! expect-failure: and the ranks' counts range from 16384 to 32768

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let peer = 1 - comm.rank();
    let len = if comm.rank() == 0 { 2 * ROOM } else { ROOM };
    let (request, token) = ibcast(&vec![1.0f64; len], 0, &comm, token);
    // Neither rank sends: only the refusal can end this receive.
    let (_, token) = recv(&[0u8; 1][..], peer, &comm, token);
    let (_, _token) = wait(request, token);
    unreachable!("the ranks disagree: the collective must be refused");
}
