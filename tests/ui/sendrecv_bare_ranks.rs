// `sendrecv` takes typed peers: two bare ranks could be swapped silently (mpi4jax passes the
// source first, rsmpi's `send_receive` the destination first), so they do not compile.
use spmd::prelude::*;

#[spmd_jit]
fn ring(comm: &Comm) -> f64 {
    let left = (comm.rank() + comm.size() - 1) % comm.size();
    let right = (comm.rank() + 1) % comm.size();
    sendrecv(&1.0f64, &0.0f64, left, right, comm)
}

fn main() {
    let universe = spmd::init();
    ring(&universe.world());
}
