//! Explicit mode is analysed too: a ring of blocking sends, with tokens.
use spmd::prelude::*;

// ANCHOR: example
#[spmd_jit]
fn ring(comm: &Comm, x: &[f64], token: Token) -> (Vec<f64>, Token) {
    assert!(comm.size() >= 3);
    let right = (comm.rank() + 1) % comm.size();
    let left = (comm.rank() + comm.size() - 1) % comm.size();
    let token = send(x, right, comm, token);
    recv(x, left, comm, token)
}
// ANCHOR_END: example

fn main() {}
