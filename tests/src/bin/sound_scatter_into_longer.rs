//! Root 0 scatters blocks of 32,768 `f64`s, rank 1 receives one into a buffer of 16,384 in a
//! file-backed mapping with a canary after it: the job stops with spmd's error before any data
//! moves, and nothing past rank 1's buffer changed.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `scatter_into` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `scatter_into(root=0)` of f64 x32768 at tests/src/bin/sound_scatter_into_longer.rs
//! expect-failure: ! rank 1: `scatter_into(root=0)` of f64 x16384 at tests/src/bin/sound_scatter_into_longer.rs

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let (send, mut recv) = (vec![1.0f64; 4 * ROOM], vec![0.0f64; 2 * ROOM]);
        let _token = scatter_into(&send[..], &mut recv[..], 0, &comm, token);
    } else {
        let send: [f64; 0] = [];
        let buffer = spmd_tests::canary::buffer::<f64>(1, ROOM, 4 * ROOM * 8);
        let _token = scatter_into(&send[..], buffer, 0, &comm, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
