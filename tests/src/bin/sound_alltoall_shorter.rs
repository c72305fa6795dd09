//! Rank 0 sends blocks of 8,192 `f64`s to an all-to-all, rank 1 blocks of 16,384: the job stops
//! with spmd's error before any result is allocated or any data moves.
//! ranks: 2
//! timeout: 30
//! expect-failure: `alltoall` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `alltoall` of f64 x8192 at tests/src/bin/sound_alltoall_shorter.rs
//! expect-failure: ! rank 1: `alltoall` of f64 x16384 at tests/src/bin/sound_alltoall_shorter.rs

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let (_, _token) = alltoall(&vec![1.0f64; ROOM], &comm, token);
    } else {
        let (_, _token) = alltoall(&vec![1.0f64; 2 * ROOM], &comm, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
