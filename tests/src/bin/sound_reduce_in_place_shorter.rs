//! Rank 0 reduces 8,192 `f64`s at root 1, which reduces 16,384 in place in a buffer in a file-
//! backed mapping with a canary after it: the job stops with spmd's error before any data moves,
//! and nothing past the root's buffer changed.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `reduce_in_place` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `reduce_in_place(Min, root=1)` of f64 x8192 at tests/src/bin/sound_reduce_in_place_shorter.rs
//! expect-failure: ! rank 1: `reduce_in_place(Min, root=1)` of f64 x16384 at tests/src/bin/sound_reduce_in_place_shorter.rs

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let mut data = vec![1.0f64; ROOM / 2];
        let _token = reduce_in_place(&mut data[..], Min, 1, &comm, token);
    } else {
        let buffer = spmd_tests::canary::buffer::<f64>(1, ROOM, 4 * ROOM * 8);
        let _token = reduce_in_place(buffer, Min, 1, &comm, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
