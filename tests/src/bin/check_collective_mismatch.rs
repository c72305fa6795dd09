//! Check mode: rank 0 calls `allreduce` where the other ranks call `bcast`; the job stops with
//! every rank's op and call site side by side instead of hanging or mixing data.
//! ranks: 2 3
//! env: SPMD_CHECK=1
//! timeout: 20
//! expect-failure: check mode: the ranks disagree on this collective
//! expect-failure: rank 0: `allreduce(Sum)` of f64 x4 at tests/src/bin/check_collective_mismatch.rs
//! expect-failure: rank 1: `bcast(root=0)` of f64 x4 at tests/src/bin/check_collective_mismatch.rs

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let data = vec![comm.rank() as f64; 4];
    let token = spmd::token();
    let (_, token) = if comm.rank() == 0 {
        allreduce(&data, Sum, &comm, token)
    } else {
        bcast(&data, 0, &comm, token)
    };
    drop(token);
    unreachable!("check mode lets no rank past a mismatched collective");
}
