//! Check mode: each rank gathers a different number of elements.
//! ranks: 2 3
//! env: SPMD_CHECK=1
//! timeout: 20
//! expect-failure: check mode: the ranks disagree on this collective
//! expect-failure: rank 0: `allgather` of u32 x1
//! expect-failure: ! rank 1: `allgather` of u32 x2

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let mine = vec![7u32; comm.rank() + 1];
    let (_, token) = allgather(&mine, &comm, spmd::token());
    drop(token);
    unreachable!("check mode lets no rank past a count mismatch");
}
