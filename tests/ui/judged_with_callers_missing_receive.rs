//! mpi4jax's pair of branches with `left`'s answer missing: `right`'s receive on rank 1 waits
//! forever. `right` and `left` are judged with their caller, which reports it at the call.

use spmd::prelude::*;

#[spmd_jit]
fn right(comm: &Comm, x: f64) -> f64 {
    let (rank, size) = (comm.rank(), comm.size());
    send(&x, (rank + 1) % size, comm);
    recv(&x, (rank + 1) % size, comm)
}

#[spmd_jit]
fn left(comm: &Comm, x: f64) -> f64 {
    let (rank, size) = (comm.rank(), comm.size());
    recv(&x, (rank + size - 1) % size, comm)
}

#[spmd_jit]
fn branches(comm: &Comm, x: f64) -> f64 {
    assert_eq!(comm.size(), 2, "the pair talks across two ranks");
    if comm.rank() == 1 {
        right(comm, x)
    } else {
        left(comm, x)
    }
}

fn main() {}
