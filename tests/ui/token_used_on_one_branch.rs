use spmd::prelude::*;

#[spmd_jit]
fn maybe_barrier(comm: &Comm, token: Token, go: bool) -> Option<Token> {
    let next = if go { Some(barrier(comm, token)) } else { None };
    next
}

fn main() {}
