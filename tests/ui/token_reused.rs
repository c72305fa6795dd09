use spmd::prelude::*;

#[spmd_jit]
fn after_drop(comm: &Comm) -> Token {
    let token = spmd::token();
    drop(token);
    barrier(comm, token)
}

fn main() {}
