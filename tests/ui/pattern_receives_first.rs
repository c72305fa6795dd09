//! Both ranks receive before they send: a deadlock whatever the message size.
use spmd::prelude::*;

// ANCHOR: example
#[spmd_jit]
fn swap(comm: &Comm, x: &[f64]) -> Vec<f64> {
    assert_eq!(comm.size(), 2);
    if comm.rank() == 0 {
        let got = recv(x, 1, comm);
        send(x, 1, comm);
        got
    } else {
        let got = recv(x, 0, comm);
        send(x, 0, comm);
        got
    }
}
// ANCHOR_END: example

fn main() {}
