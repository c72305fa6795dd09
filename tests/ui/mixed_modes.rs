use spmd::prelude::*;

#[spmd_jit]
fn both(comm: &Comm) -> f64 {
    let token = spmd::token();
    let token = barrier(comm, token);
    drop(token);
    allreduce(&1.0, Sum, comm)
}

fn main() {}
