//! Rank 0 issues a nonblocking allreduce of 2 `f64`s, rank 1 one of 3, both few enough to
//! travel inside the agreement: the job stops with spmd's error, naming the range of the ranks'
//! counts, and the result buffer holds what it held.
//! ranks: 2
//! timeout: 30
//! expect-failure: no data moved: the ranks disagree on this collective: this rank issued `iallreduce_into(Sum)` of f64
//! expect-failure: at tests/src/bin/sound_iallreduce_carried_counts.rs
//! expect-failure: and the ranks' counts range from 2 to 3

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let mine = comm.rank() + 2;
    let mut out = vec![0.0f64; mine];
    let (request, token) =
        iallreduce_into(&vec![1.0f64; mine][..], &mut out[..], Sum, &comm, token);
    let _ = wait(request, token);
    unreachable!("the ranks disagree: the collective must be refused");
}
