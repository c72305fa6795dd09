use spmd::prelude::*;

#[spmd_jit]
fn later(comm: &Comm) -> impl std::future::Future<Output = f64> + '_ {
    async move { allreduce(&1.0, Sum, comm) }
}

fn main() {}
