//! Rank 0 exscans 8,192 `f64`s in place, rank 1 16,384 in a buffer in a file-backed mapping
//! with a canary after it: the job stops with spmd's error before any data moves, and nothing
//! past rank 1's buffer changed.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `exscan_in_place` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `exscan_in_place(Sum)` of f64 x8192 at tests/src/bin/sound_exscan_in_place_shorter.rs
//! expect-failure: ! rank 1: `exscan_in_place(Sum)` of f64 x16384 at tests/src/bin/sound_exscan_in_place_shorter.rs

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let mut data = vec![1.0f64; ROOM / 2];
        let _token = exscan_in_place(&mut data[..], Sum, &comm, token);
    } else {
        let buffer = spmd_tests::canary::buffer::<f64>(1, ROOM, 4 * ROOM * 8);
        let _token = exscan_in_place(buffer, Sum, &comm, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
