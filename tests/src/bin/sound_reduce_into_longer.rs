//! Rank 0 reduces 32,768 `f64`s at root 1, whose receive buffer of 16,384 is in a file-backed
//! mapping with a canary after it: the job stops with spmd's error before any data moves, and
//! nothing past the root's buffer changed.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `reduce_into` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `reduce_into(Sum, root=1)` of f64 x32768 at tests/src/bin/sound_reduce_into_longer.rs
//! expect-failure: ! rank 1: `reduce_into(Sum, root=1)` of f64 x16384 at tests/src/bin/sound_reduce_into_longer.rs

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let (send, mut recv): (Vec<f64>, [f64; 0]) = (vec![1.0; 2 * ROOM], []);
        let _token = reduce_into(&send[..], &mut recv[..], Sum, 1, &comm, token);
    } else {
        let send = vec![1.0f64; ROOM];
        let buffer = spmd_tests::canary::buffer::<f64>(1, ROOM, 4 * ROOM * 8);
        let _token = reduce_into(&send[..], buffer, Sum, 1, &comm, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
