//! A message race (the MPI Bugs Initiative's category): the root receives from any rank, then
//! from rank 1. When the first receive takes rank 1's message, which timing decides, the second
//! waits forever; the check plays both orders and names the one that fails.

use spmd::prelude::*;

#[spmd_jit]
fn race(x: &[f64], comm: &Comm) {
    assert_eq!(comm.size(), 3);
    if comm.rank() == 0 {
        let first = recv(x, ANY_SOURCE, comm);
        let from_one = recv(x, 1, comm);
        drop((first, from_one));
    } else {
        send(x, 0, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    race(&[1.0; 2], &comm);
}
