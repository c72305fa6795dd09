use spmd::prelude::*;

#[spmd_jit]
fn root_only(comm: &Comm, x: f64) -> f64 {
    if comm.rank() == 0 {
        allreduce(&x, Sum, comm)
    } else {
        x
    }
}

fn main() {}
