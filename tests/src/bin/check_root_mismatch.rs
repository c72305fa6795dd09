//! Check mode: the ranks disagree on the root of a `bcast`.
//! ranks: 2 4
//! env: SPMD_CHECK=1
//! timeout: 20
//! expect-failure: check mode: the ranks disagree on this collective
//! expect-failure: rank 0: `bcast(root=0)` of i32 x3
//! expect-failure: ! rank 1: `bcast(root=1)` of i32 x3

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let root = comm.rank().min(1);
    let (_, token) = bcast(&[1i32, 2, 3], root, &comm, spmd::token());
    drop(token);
    unreachable!("check mode lets no rank past a mismatched root");
}
