use spmd::prelude::*;

#[spmd_jit(check = true)]
fn sum(comm: &Comm) -> f64 {
    allreduce(&1.0, Sum, comm)
}

fn main() {}
