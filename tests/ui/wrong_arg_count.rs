use spmd::prelude::*;

#[spmd_jit]
fn missing_operator(comm: &Comm, x: f64) -> f64 {
    allreduce(&x, comm)
}

fn main() {}
