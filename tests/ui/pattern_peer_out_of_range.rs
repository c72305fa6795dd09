//! `rank + 1` without wrap-around: the last rank sends to a rank that does not exist.
use spmd::prelude::*;

// ANCHOR: example
#[spmd_jit]
fn to_the_right(comm: &Comm, x: f64) -> f64 {
    let rank = comm.rank();
    let left = (rank + comm.size() - 1) % comm.size();
    sendrecv(&x, &x, Source::rank(left), Dest::rank(rank + 1), comm)
}
// ANCHOR_END: example

fn main() {}
