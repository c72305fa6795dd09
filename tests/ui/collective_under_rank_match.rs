use spmd::prelude::*;

#[spmd_jit]
fn by_rank(comm: &Comm, x: f64) -> f64 {
    match comm.rank() {
        0 => bcast(&x, 0, comm),
        _ => allreduce(&x, Sum, comm),
    }
}

fn main() {}
