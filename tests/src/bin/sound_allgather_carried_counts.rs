//! Rank 0 allgathers 2 `f64`s, rank 1 3, both few enough to travel inside the agreement, where
//! each rank places its block at the offset its own count gives: the job stops with spmd's
//! error before any rank takes the overlapping bytes.
//! ranks: 2
//! timeout: 30
//! expect-failure: `allgather_into` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `allgather_into` of f64 x2 at tests/src/bin/sound_allgather_carried_counts.rs
//! expect-failure: ! rank 1: `allgather_into` of f64 x3 at tests/src/bin/sound_allgather_carried_counts.rs

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let mine = comm.rank() + 2;
    let mut out = vec![0.0f64; mine * comm.size()];
    let _token = allgather_into(&vec![1.0f64; mine][..], &mut out[..], &comm, token);
    unreachable!("the ranks disagree: the collective must be refused");
}
