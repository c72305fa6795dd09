// A buffer lent to a scope stays lent until the scope ends: touching it in the scope, even
// after the wait, does not compile (the wait hands the slice back: use that one).
use spmd::prelude::*;

// ANCHOR: body
#[spmd_jit]
fn halo(comm: &Comm, edge: &mut [f64], mine: &[f64]) {
    let (from, to) = comm.shift(1);
    spmd::scope(|scope| {
        let request = irecv_into(scope.lend_mut(edge), from, comm);
        send(mine, to, comm);
        let (_received, _status) = wait(request);
        edge[0] = 1.0;
    });
}
// ANCHOR_END: body

fn main() {}
