//! Rank 0 scans 2 `f64`s, rank 1 3, both few enough to travel inside the agreement (each rank
//! placing its data at its rank's offset, where the two ranks' parts would overlap): the job
//! stops with spmd's error before any rank reads the payload.
//! ranks: 2
//! timeout: 30
//! expect-failure: `scan_into` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `scan_into(Sum)` of f64 x2 at tests/src/bin/sound_scan_carried_counts.rs
//! expect-failure: ! rank 1: `scan_into(Sum)` of f64 x3 at tests/src/bin/sound_scan_carried_counts.rs

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let mine = comm.rank() + 2;
    let mut out = vec![0.0f64; mine];
    let _token = scan_into(&vec![1.0f64; mine][..], &mut out[..], Sum, &comm, token);
    unreachable!("the ranks disagree: the collective must be refused");
}
