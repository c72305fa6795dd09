//! Where the pattern check cannot evaluate a function, the syntactic rule about collectives
//! under a condition on the rank speaks instead, and says that it is conservative.

use spmd::prelude::*;

#[spmd_jit]
fn root_only(comm: &Comm, peers: &[usize], x: f64) -> f64 {
    for &peer in peers {
        send(&x, peer, comm);
    }
    if comm.rank() == 0 {
        allreduce(&x, Sum, comm)
    } else {
        x
    }
}

fn main() {}
