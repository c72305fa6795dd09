use spmd::prelude::*;

#[spmd_jit]
fn discards(comm: &Comm, token: Token) {
    barrier(comm, token);
}

fn main() {}
