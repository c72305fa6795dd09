// A helper given a communicator that `split` made is followed in place with its members: here
// only the first rank of each row calls a world collective, which the check reports at the
// helper's call (the helper alone is judged with its callers: alone, it does not know `row`).
use spmd::prelude::*;

#[spmd_jit]
fn leaders_only(row: &Comm, world: &Comm, x: u64) -> u64 {
    let sum = allreduce(&x, Sum, row);
    if row.rank() == 0 {
        barrier(world);
    }
    sum
}

#[spmd_jit]
fn rows(world: &Comm) -> u64 {
    let row = split(world.rank() / 2, world);
    leaders_only(&row, world, world.rank() as u64)
}

fn main() {}
