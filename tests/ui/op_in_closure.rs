use spmd::prelude::*;

#[spmd_jit]
fn sums(comm: &Comm, values: &[f64]) -> Vec<f64> {
    values.iter().map(|x| allreduce(x, Sum, comm)).collect()
}

fn main() {}
