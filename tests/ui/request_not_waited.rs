// A request that is never waited for: its send would complete only where it is dropped.
use spmd::prelude::*;

#[spmd_jit]
fn post(comm: &Comm, x: f64) {
    let (_, to) = comm.shift(1);
    let outgoing = isend(&x, to, comm);
    barrier(comm);
}

// The same in explicit mode, the request first in the returned pair.
#[spmd_jit]
fn post_explicit(comm: &Comm, x: f64, token: Token) -> Token {
    let (_, to) = comm.shift(1);
    let (outgoing, token) = isend(&x, to, comm, token);
    barrier(comm, token)
}

fn main() {}
