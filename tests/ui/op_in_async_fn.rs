use spmd::prelude::*;

#[spmd_jit]
async fn total(comm: &Comm) -> f64 {
    allreduce(&1.0, Sum, comm)
}

fn main() {}
