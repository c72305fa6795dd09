//! Root 0 scatters blocks of 8,192 `f64`s, rank 1 passes a template of blocks of 16,384: the job
//! stops with spmd's error before rank 1 allocates its block or any data moves.
//! ranks: 2
//! timeout: 30
//! expect-failure: `scatter` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `scatter(root=0)` of f64 x8192 at tests/src/bin/sound_scatter_shorter.rs
//! expect-failure: ! rank 1: `scatter(root=0)` of f64 x16384 at tests/src/bin/sound_scatter_shorter.rs

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let (_, _token) = scatter(&vec![1.0f64; ROOM], 0, &comm, token);
    } else {
        let (_, _token) = scatter(&vec![0.0f64; 2 * ROOM], 0, &comm, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
