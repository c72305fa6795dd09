use spmd::prelude::*;

#[spmd_jit]
fn forgets(comm: &Comm) -> f64 {
    let token = spmd::token();
    let (sum, token) = allreduce(&1.0, Sum, comm, token);
    sum
}

fn main() {}
