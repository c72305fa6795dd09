use spmd::prelude::*;

#[spmd_jit]
fn show(comm: &Comm) {
    println!("{}", allreduce(&1.0, Sum, comm));
}

#[spmd_jit]
fn collect(comm: &Comm) -> Vec<f64> {
    vec![recv(&1.0, 0, comm)]
}

fn main() {}
