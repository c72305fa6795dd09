// Nonblocking ops in implicit mode: requests pass through variables, tuples, `Vec`s, loops and
// `test`, and the pattern check leaves the function alone (it does not simulate requests).
use spmd::prelude::*;

#[spmd_jit]
fn overlap(comm: &Comm, interior: &mut [f64], edge: &mut [f64]) -> f64 {
    let (from, to) = comm.shift(1);
    let mine = edge.to_vec();
    let incoming = irecv_into(edge, from, comm);
    let outgoing = isend(&mine, to, comm);
    for x in interior.iter_mut() {
        *x *= 0.5;
    }
    let (_, ()) = wait_all((incoming, outgoing), comm);
    let local: f64 = interior.iter().sum();
    let mut total = iallreduce(&local, Sum, comm);
    loop {
        match test(total) {
            Ok(sum) => break sum,
            Err(request) => total = request,
        }
    }
}

fn main() {}
