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

/// `igather`'s issue does not wait for the other ranks, so rank 0 sends while rank 1 receives
/// before it issues the gather. (`igatherv`'s issue waits: `pattern_igatherv_issue_waits.rs`.)
#[spmd_jit(sizes = [2])]
fn gather_then_send(comm: &Comm, x: &f64) -> Option<Vec<f64>> {
    if comm.rank() == 1 {
        let _ = recv(x, 0, comm);
    }
    let request = igather(x, 0, comm);
    if comm.rank() == 0 {
        send(x, 1, comm);
    }
    wait(request)
}

fn main() {}
