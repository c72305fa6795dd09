//! Rank 0 scans 32,768 `f64`s exclusively, rank 1 16,384 into a buffer in a file-backed mapping
//! with a canary after it: the job stops with spmd's error before any data moves, and nothing
//! past rank 1's buffer changed.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `exscan_into` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `exscan_into(Sum)` of f64 x32768 at tests/src/bin/sound_exscan_into_longer.rs
//! expect-failure: ! rank 1: `exscan_into(Sum)` of f64 x16384 at tests/src/bin/sound_exscan_into_longer.rs

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let (send, mut recv) = (vec![1.0f64; 2 * ROOM], vec![0.0f64; 2 * ROOM]);
        let _token = exscan_into(&send[..], &mut recv[..], Sum, &comm, token);
    } else {
        let send = vec![1.0f64; ROOM];
        let buffer = spmd_tests::canary::buffer::<f64>(1, ROOM, 4 * ROOM * 8);
        let _token = exscan_into(&send[..], buffer, Sum, &comm, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
