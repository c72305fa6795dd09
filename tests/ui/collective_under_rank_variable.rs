use spmd::prelude::*;

#[spmd_jit]
fn root_only(comm: &Comm, x: f64) -> f64 {
    let r = comm.rank();
    let is_root = r == 0;
    let mut total = x;
    if is_root {
        barrier(comm);
        total = allreduce(&x, Sum, comm);
    } else {
        barrier(comm);
    }
    total
}

fn main() {}
