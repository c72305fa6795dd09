use spmd::prelude::*;

#[spmd_jit]
fn two_chains(comm: &Comm) {
    let first = spmd::token();
    let second = spmd::token();
    drop(barrier(comm, first));
    drop(barrier(comm, second));
}

fn main() {}
