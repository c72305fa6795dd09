// A request waited for on one branch only.
use spmd::prelude::*;

#[spmd_jit]
fn exchange(comm: &Comm, x: f64, urgent: bool) -> f64 {
    let (from, to) = comm.shift(1);
    let template = 0.0;
    let incoming = irecv(&template, from, comm);
    let outgoing = isend(&x, to, comm);
    wait(outgoing);
    if urgent {
        return wait(incoming);
    }
    x
}

fn main() {}
