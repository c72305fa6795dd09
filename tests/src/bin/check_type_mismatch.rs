//! Check mode: rank 0 reduces `f64`s where the others reduce `f32`s of the same count, which
//! MPI alone would combine into garbage.
//! ranks: 2 3
//! env: SPMD_CHECK=1
//! timeout: 20
//! expect-failure: check mode: the ranks disagree on this collective
//! expect-failure: rank 0: `allreduce(Sum)` of f64 x2
//! expect-failure: ! rank 1: `allreduce(Sum)` of f32 x2

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let token = if comm.rank() == 0 {
        allreduce(&[1.0f64, 2.0], Sum, &comm, token).1
    } else {
        allreduce(&[1.0f32, 2.0], Sum, &comm, token).1
    };
    drop(token);
    unreachable!("check mode lets no rank past a type mismatch");
}
