use spmd::prelude::*;

#[spmd_jit]
fn repeat(comm: &Comm, token: Token) {
    for _ in 0..3 {
        let next = barrier(comm, token);
        drop(next);
    }
}

fn main() {}
