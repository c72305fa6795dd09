//! mpi4jax's test of branches: `right` and `left` each talk to the other rank, and only rank 1
//! calls `right`. Alone, each fails (every rank would send first, or receive first); the
//! check of `branches` follows them in place, and they are judged with it.

use spmd::prelude::*;

// ANCHOR: pair
#[spmd_jit]
fn right(comm: &Comm, x: f64) -> f64 {
    let (rank, size) = (comm.rank(), comm.size());
    send(&x, (rank + 1) % size, comm);
    recv(&x, (rank + 1) % size, comm)
}

#[spmd_jit]
fn left(comm: &Comm, x: f64) -> f64 {
    let (rank, size) = (comm.rank(), comm.size());
    let y = recv(&x, (rank + size - 1) % size, comm);
    send(&x, (rank + size - 1) % size, comm);
    y
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
// ANCHOR_END: pair

// ANCHOR: helpers
/// Helpers of the same file are followed with the caller's values: `dot`'s collective, the
/// peers `neighbours` computes and `ghosts`' exchange are checked as part of `cg_steps`.
#[spmd_jit]
fn dot(comm: &Comm, a: &[f64], b: &[f64]) -> f64 {
    let local: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    allreduce(&local, Sum, comm)
}

fn neighbours(comm: &Comm) -> (usize, usize) {
    let (rank, size) = (comm.rank(), comm.size());
    ((rank + size - 1) % size, (rank + 1) % size)
}

#[spmd_jit]
fn ghosts(comm: &Comm, x: &[f64]) -> Vec<f64> {
    let (below, above) = neighbours(comm);
    sendrecv(x, x, Source::rank(below), Dest::rank(above), comm)
}

#[spmd_jit]
fn cg_steps(comm: &Comm, x: &[f64]) -> f64 {
    let mut rho = dot(comm, x, x);
    for _ in 0..3 {
        let g = ghosts(comm, x);
        rho = dot(comm, &g, x);
    }
    rho
}
// ANCHOR_END: helpers

fn main() {}
