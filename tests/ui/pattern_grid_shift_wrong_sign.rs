//! A halo exchange on an open grid whose receive goes the wrong way: each rank sends its last
//! row down and receives its top ghost row from below, so the bottom rank's receive waits for
//! a message that nobody sends (the twin of `pass/absent_peers_grid.rs`).

use spmd::prelude::*;

#[spmd_jit]
fn ghost_row(bottom: &[f64], top: &mut [f64], comm: &Comm) {
    let grid = comm.cartesian([0, 0], [false, false]);
    let (_, below) = grid.shift(0, 1);
    let (from_below, _) = grid.shift(0, -1);
    sendrecv_into(bottom, top, from_below, below, comm);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    ghost_row(&[1.0; 3], &mut [0.0; 3], &comm);
}
