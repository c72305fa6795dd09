//! Communication in loops: `for`, `while`, and `loop` with `break` of a value.
//! ranks: 1 2 3 4

use spmd::prelude::*;

/// Six allreduces of ones: `size^6`.
#[spmd_jit]
fn sixth_power(comm: &Comm) -> u64 {
    let mut x = 1_u64;
    for _ in 0..6 {
        x = allreduce(&x, Sum, comm);
    }
    x
}

/// `x -> size * x + 1` until five steps are done, then `break` with the value.
#[spmd_jit]
fn five_steps(comm: &Comm) -> (u32, u64) {
    let mut x = 0_u64;
    let mut steps = 0;
    loop {
        if steps == 5 {
            break (steps, x);
        }
        x = allreduce(&x, Sum, comm) + 1;
        steps += 1;
    }
}

/// A `while` whose condition communicates: `barrier` then `allreduce` in the condition.
#[spmd_jit]
fn count_up(comm: &Comm, limit: u64) -> u64 {
    let mut rounds = 0;
    while allreduce(&rounds, Max, comm) < limit {
        barrier(comm);
        rounds += 1;
    }
    rounds
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let size = comm.size() as u64;
    assert_eq!(sixth_power(&comm), size.pow(6));
    let expected = (0..5).fold(0, |x, _| size * x + 1);
    assert_eq!(five_steps(&comm), (5, expected));
    assert_eq!(count_up(&comm, 3), 3);
    let token = spmd::token();
    // 6 + 5 + (4 conditions + 3 barriers)
    assert_eq!(token.seq(), 6 + 5 + 4 + 3);
}
