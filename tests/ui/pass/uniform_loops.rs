//! Loops left on values that are the same on every rank: the result of an `allreduce`, a bound
//! from a `bcast`. The pattern check follows them (one direction per value, taken by every rank
//! alike) and accepts them.

use spmd::prelude::*;

const TOLERANCE: f64 = 1e-6;
const MAX_STEPS: usize = 10_000;

/// A halo exchange with both neighbours of a ring, then the largest change of all ranks:
/// until it is small enough.
#[spmd_jit]
fn converge(comm: &Comm, u: &mut Vec<f64>) -> usize {
    let (rank, size) = (comm.rank(), comm.size());
    let right = (rank + 1) % size;
    let left = (rank + size - 1) % size;
    let mut steps = 0;
    loop {
        let first = u[0];
        let last = u[u.len() - 1];
        let from_left = sendrecv(&last, &last, Source::rank(left), Dest::rank(right), comm);
        let from_right = sendrecv(&first, &first, Source::rank(right), Dest::rank(left), comm);
        let mut change = 0.0_f64;
        for i in 0..u.len() {
            let before = u[i];
            let l = if i == 0 { from_left } else { u[i - 1] };
            let r = if i + 1 == u.len() { from_right } else { u[i + 1] };
            u[i] = 0.5 * (l + r);
            change = change.max((u[i] - before).abs());
        }
        steps += 1;
        let err = allreduce(&change, Max, comm);
        if err < TOLERANCE {
            break;
        }
    }
    steps
}

/// At most `MAX_STEPS` steps, left early by a `return` when the change is small enough.
#[spmd_jit]
fn bounded(comm: &Comm, u: &mut [f64]) -> usize {
    for step in 1..=MAX_STEPS {
        let change = relax(u);
        if allreduce(&change, Max, comm) < TOLERANCE {
            return step;
        }
    }
    MAX_STEPS
}

/// Work left on some rank: one more round for every rank.
#[spmd_jit]
fn drain(comm: &Comm, work: &mut Vec<u64>) -> usize {
    let mut rounds = 0;
    while allreduce(&(work.len() as u64), Sum, comm) > 0 {
        work.pop();
        barrier(comm);
        rounds += 1;
    }
    rounds
}

/// A number of rounds that rank 0 decides.
#[spmd_jit]
fn rounds(comm: &Comm, wanted: u64) -> u64 {
    let count = bcast(&wanted, 0, comm);
    let mut total = 0;
    for _ in 0..count {
        total = allreduce(&total, Sum, comm);
    }
    total
}

fn relax(u: &mut [f64]) -> f64 {
    let mut change = 0.0_f64;
    for x in u.iter_mut() {
        let next = *x * 0.5;
        change = change.max((next - *x).abs());
        *x = next;
    }
    change
}

fn main() {}
