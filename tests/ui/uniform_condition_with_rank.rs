use spmd::prelude::*;

/// The condition on the allreduce goes the same way on every rank, but rank 0 skips the
/// `barrier` the others call.
#[spmd_jit]
fn refine(comm: &Comm, local_err: f64) -> f64 {
    let err = allreduce(&local_err, Max, comm);
    if err > 1.0 && comm.rank() != 0 {
        barrier(comm);
    }
    err
}

fn main() {}
