//! Rank 0 reduces 4 `f64`s in place (few enough to travel inside the agreement), rank 1 4,096
//! (too many) in a buffer in a file-backed mapping with a canary after it: the job stops with
//! spmd's error before any data moves, and nothing past rank 1's buffer changed.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `allreduce_in_place` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `allreduce_in_place(Sum)` of f64 x4 at tests/src/bin/sound_allreduce_carried_longer.rs
//! expect-failure: ! rank 1: `allreduce_in_place(Sum)` of f64 x4096 at tests/src/bin/sound_allreduce_carried_longer.rs

use spmd::prelude::*;

const ROOM: usize = 4_096;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let mut data = [1.0f64; 4];
        let _token = allreduce_in_place(&mut data[..], Sum, &comm, token);
    } else {
        let buffer = spmd_tests::canary::buffer::<f64>(1, ROOM, 4 * ROOM * 8);
        let _token = allreduce_in_place(buffer, Sum, &comm, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
