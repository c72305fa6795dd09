// A nonblocking receive borrows its buffer until its request completes: writing the buffer
// between the issue and the wait does not compile.
use spmd::prelude::*;

// ANCHOR: body
#[spmd_jit]
fn halo(comm: &Comm, edge: &mut [f64], mine: &[f64]) -> Status {
    let (from, to) = comm.shift(1);
    let request = irecv_into(&mut *edge, from, comm);
    edge[0] = 1.0;
    send(mine, to, comm);
    wait(request)
}
// ANCHOR_END: body

fn main() {}
