//! Rank 0 sends with tag 1, rank 1 waits for tag 2.
use spmd::prelude::*;

const HALO: i32 = 1;

// ANCHOR: example
#[spmd_jit(sizes = 2)]
fn tagged(comm: &Comm, x: &[f64]) {
    if comm.rank() == 0 {
        send(x, Dest::rank(1).tag(HALO), comm);
    } else {
        recv(x, Source::rank(0).tag(HALO + 1), comm);
    }
}
// ANCHOR_END: example

fn main() {}
