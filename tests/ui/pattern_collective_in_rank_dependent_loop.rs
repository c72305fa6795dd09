//! A loop whose trip count depends on the rank, with a collective inside.
use spmd::prelude::*;

// ANCHOR: example
#[spmd_jit]
fn smooth(comm: &Comm, mut x: f64) -> f64 {
    let sweeps = 2 + comm.rank() % 2;
    for _ in 0..sweeps {
        x = allreduce(&x, Max, comm);
    }
    x
}
// ANCHOR_END: example

fn main() {}
