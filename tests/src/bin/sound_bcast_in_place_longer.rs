//! Root 0 broadcasts 32,768 `f64`s in place, rank 1's buffer holds 16,384 (in a file-backed
//! mapping with a canary after it): the job stops with spmd's error before any data moves, and
//! nothing past rank 1's buffer changed (Open MPI 4.1 wrote all 16,384 extra values past it).
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `bcast_in_place` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `bcast_in_place(root=0)` of f64 x32768 at tests/src/bin/sound_bcast_in_place_longer.rs
//! expect-failure: ! rank 1: `bcast_in_place(root=0)` of f64 x16384 at tests/src/bin/sound_bcast_in_place_longer.rs

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let mut data = vec![1.0f64; 2 * ROOM];
        let _token = bcast_in_place(&mut data[..], 0, &comm, token);
    } else {
        let buffer = spmd_tests::canary::buffer::<f64>(1, ROOM, 4 * ROOM * 8);
        let _token = bcast_in_place(buffer, 0, &comm, token);
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
