//! Every rank broadcasts one `f64` from itself (each names its own rank as the root), few
//! enough to travel inside the agreement, where each rank puts its own data as a root does: the
//! job stops with spmd's error, and no rank takes the mixed bytes.
//! ranks: 2
//! timeout: 30
//! expect-failure: `bcast_in_place` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `bcast_in_place(root=0)` of f64 x1 at tests/src/bin/sound_bcast_carried_root.rs
//! expect-failure: ! rank 1: `bcast_in_place(root=1)` of f64 x1 at tests/src/bin/sound_bcast_carried_root.rs

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let mut data = [comm.rank() as f64 + 0.5];
    let _token = bcast_in_place(&mut data[..], comm.rank(), &comm, token);
    unreachable!("the ranks disagree: the collective must be refused");
}
