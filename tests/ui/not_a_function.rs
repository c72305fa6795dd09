use spmd::prelude::*;

#[spmd_jit]
struct Solver {
    comm: Comm,
}

fn main() {}
