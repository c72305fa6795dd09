use spmd::prelude::*;

#[spmd_jit]
fn fork(comm: &Comm, token: Token) -> Token {
    let first = send(&1.0, 1, comm, token);
    let second = barrier(comm, token);
    drop(first);
    second
}

fn main() {}
