// Communicators made by `split`, checked for every size: rows and their ring exchange, rows
// that call different collectives of their own, and a split of a split.
use spmd::prelude::*;

#[spmd_jit]
fn rows(world: &Comm) -> u64 {
    let row = split(world.rank() / 2, world);
    let me = world.rank() as u64;
    let sum = allreduce(&me, Sum, &row);
    let (from, to) = row.shift(1);
    let left = sendrecv(&me, &0_u64, from, to, &row);
    allreduce(&(sum + left), Sum, world)
}

#[spmd_jit]
fn rows_of_their_own(world: &Comm) {
    let parity = world.rank() % 2;
    let row = split(parity, world);
    let sum = allreduce(&(world.rank() as u64), Sum, &row);
    if parity == 0 {
        let _ = allreduce(&sum, Max, &row);
    }
    barrier(world);
}

#[spmd_jit]
fn quarters(world: &Comm) -> u64 {
    let half = split(world.rank() * 2 / world.size(), world);
    let quarter = split(half.rank() % 2, &half);
    let q = allreduce(&(world.rank() as u64), Sum, &quarter);
    let h = allreduce(&q, Sum, &half);
    allreduce(&h, Sum, world)
}

fn main() {}
