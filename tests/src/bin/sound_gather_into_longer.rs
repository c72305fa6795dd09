//! Rank 0 sends 32,768 `f64`s to a gather at root 1, which sends 16,384 and gathers into a buffer
//! of 32,768 (two blocks of its own length) in a file-backed mapping with a canary after it: the
//! job stops with spmd's error before any data moves, and nothing past the root's buffer changed.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `gather_into` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `gather_into(root=1)` of f64 x32768 at tests/src/bin/sound_gather_into_longer.rs
//! expect-failure: ! rank 1: `gather_into(root=1)` of f64 x16384 at tests/src/bin/sound_gather_into_longer.rs

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let mut recv: [f64; 0] = [];
        let _token = gather_into(&vec![1.0f64; 2 * ROOM][..], &mut recv[..], 1, &comm, token);
    } else {
        let send = vec![1.0f64; ROOM];
        let buffer = spmd_tests::canary::buffer::<f64>(1, 2 * ROOM, 4 * ROOM * 8);
        let _token = gather_into(&send[..], buffer, 1, &comm, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
