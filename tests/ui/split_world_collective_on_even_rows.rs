// Communicators made by `split` are followed by the pattern check: the mistake below is
// reported at compile time, naming the communicator by its members.
use spmd::prelude::*;

// A world collective that only the even rows call.
// ANCHOR: rows
#[spmd_jit]
fn world_barrier_on_even_rows(world: &Comm) {
    let row = split(world.rank() % 2, world);
    let me = world.rank() as u64;
    let sum = allreduce(&me, Sum, &row);
    if world.rank() % 2 == 0 {
        let _ = allreduce(&sum, Max, &row);
        barrier(world);
    }
}
// ANCHOR_END: rows

fn main() {}
