//! Every rank sends to the right before it receives: a deadlock once messages exceed the eager
//! limit.
use spmd::prelude::*;

// ANCHOR: example
#[spmd_jit(sizes = 2..=8)]
fn ring(comm: &Comm, x: &[f64]) -> Vec<f64> {
    let (rank, size) = (comm.rank(), comm.size());
    send(x, (rank + 1) % size, comm);
    recv(x, (rank + size - 1) % size, comm)
}
// ANCHOR_END: example

fn main() {}
