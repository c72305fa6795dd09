//! Rank 0 sends to every other rank, but only ranks 1 and 2 receive.
use spmd::prelude::*;

// ANCHOR: example
#[spmd_jit(sizes = [3, 4])]
fn scatter_by_hand(comm: &Comm, x: f64) -> f64 {
    if comm.rank() == 0 {
        for peer in 1..comm.size() {
            send(&x, peer, comm);
        }
        x
    } else if comm.rank() <= 2 {
        recv(&x, 0, comm)
    } else {
        x
    }
}
// ANCHOR_END: example

fn main() {}
