// Communicators made by `split` are followed by the pattern check: the mistake below is
// reported at compile time, naming the communicator by its members.
use spmd::prelude::*;

// A peer numbered as in the world, on a row of two.
#[spmd_jit]
fn world_numbering_on_a_row(world: &Comm) {
    let row = split(world.rank() / 2, world);
    if row.rank() == 0 {
        send(&1_u8, world.rank() + 1, &row);
    } else {
        let _ = recv(&0_u8, world.rank() - 1, &row);
    }
}

fn main() {}
