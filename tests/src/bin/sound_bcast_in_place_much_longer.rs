//! Root 0 broadcasts 60 times as many `f64`s in place as rank 1's buffer holds (in a file-backed
//! mapping with a canary after it): the job stops with spmd's error before any data moves (Open
//! MPI 4.1 wrote past the whole canary and crashed, or hung over TCP).
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `bcast_in_place` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `bcast_in_place(root=0)` of f64 x61440 at tests/src/bin/sound_bcast_in_place_much_longer.rs
//! expect-failure: ! rank 1: `bcast_in_place(root=0)` of f64 x1024 at tests/src/bin/sound_bcast_in_place_much_longer.rs

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let mut data = vec![1.0f64; 60 * 1024];
        let _token = bcast_in_place(&mut data[..], 0, &comm, token);
    } else {
        let buffer = spmd_tests::canary::buffer::<f64>(1, 1024, 4 * ROOM * 8);
        let _token = bcast_in_place(buffer, 0, &comm, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
