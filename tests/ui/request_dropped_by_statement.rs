// A nonblocking op whose request is dropped at once: it blocks right there, which the
// blocking op says more plainly.
use spmd::prelude::*;

#[spmd_jit]
fn post(comm: &Comm, x: f64) {
    let (_, to) = comm.shift(1);
    isend(&x, to, comm);
    let _ = ibarrier(comm);
}

fn main() {}
