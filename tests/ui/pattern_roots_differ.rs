//! The ranks disagree on the root of a `bcast`.
use spmd::prelude::*;

// ANCHOR: example
#[spmd_jit]
fn broadcast(comm: &Comm, x: f64) -> f64 {
    let root = comm.rank().min(1);
    bcast(&x, root, comm)
}
// ANCHOR_END: example

fn main() {}
