// Communicators made by `split` are followed by the pattern check: the mistake below is
// reported at compile time, naming the communicator by its members.
use spmd::prelude::*;

// A message sent on the row, received on the world.
#[spmd_jit]
fn received_on_another_communicator(world: &Comm) {
    assert_eq!(world.size(), 2);
    let row = split(0, world);
    if world.rank() == 0 {
        send(&1_u8, 1, &row);
    } else {
        let _ = recv(&0_u8, 0, world);
    }
}

fn main() {}
