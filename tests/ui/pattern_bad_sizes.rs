//! `sizes` takes world sizes: integers from 1.
use spmd::prelude::*;

#[spmd_jit(sizes = 0..4)]
fn sum(comm: &Comm) -> f64 {
    allreduce(&1.0, Sum, comm)
}

fn main() {}
