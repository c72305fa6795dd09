//! Rank 0 scans 16,384 `f64`s, rank 1 32,768: the job stops with spmd's error before any data
//! moves.
//! ranks: 2
//! timeout: 30
//! expect-failure: `scan` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `scan(Sum)` of f64 x16384 at tests/src/bin/sound_scan_longer.rs
//! expect-failure: ! rank 1: `scan(Sum)` of f64 x32768 at tests/src/bin/sound_scan_longer.rs

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let (_, _token) = scan(&vec![1.0f64; ROOM], Sum, &comm, token);
    } else {
        let (_, _token) = scan(&vec![1.0f64; 2 * ROOM], Sum, &comm, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
