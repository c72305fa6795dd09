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



/// A helper given a communicator that `split` made: followed in place, with its members (and
/// checked alone, as any function on one communicator).
#[spmd_jit]
fn row_sum(row: &Comm, x: u64) -> u64 {
    allreduce(&x, Sum, row)
}

#[spmd_jit]
fn rows_through_a_helper(world: &Comm) -> u64 {
    let row = split(world.rank() / 2, world);
    let sum = row_sum(&row, world.rank() as u64);
    allreduce(&sum, Sum, world)
}
/// A helper on the row and the world: alone it does not know the row's members, so it is
/// judged with its caller, which follows it in place.
#[spmd_jit]
fn row_then_world(row: &Comm, world: &Comm, x: u64) -> u64 {
    let sum = allreduce(&x, Sum, row);
    barrier(world);
    sum
}

#[spmd_jit]
fn rows_then_world(world: &Comm) -> u64 {
    let row = split(world.rank() / 2, world);
    row_then_world(&row, world, world.rank() as u64)
}

fn main() {}
