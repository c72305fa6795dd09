//! Rank 0 reduces 2 `i32`s to root 0, rank 1 3, both few enough to travel inside the
//! agreement: the job stops with spmd's error before any data moves.
//! ranks: 2
//! timeout: 30
//! expect-failure: `reduce_into` failed on rank 0 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure:   rank 0: `reduce_into(Sum, root=0)` of i32 x2 at tests/src/bin/sound_reduce_carried_counts.rs
//! expect-failure: ! rank 1: `reduce_into(Sum, root=0)` of i32 x3 at tests/src/bin/sound_reduce_carried_counts.rs

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let mine = comm.rank() + 2;
    let mut out = vec![0i32; mine];
    let _token = reduce_into(&vec![1i32; mine][..], &mut out[..], Sum, 0, &comm, token);
    unreachable!("the ranks disagree: the collective must be refused");
}
