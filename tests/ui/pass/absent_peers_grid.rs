//! Peers computed through a process grid (`comm.cartesian`), absent beyond its open edges: in
//! a function and in a struct that keeps its grid, the exchange is checked at every size (its
//! twin, `pattern_grid_shift_wrong_sign.rs`, receives from the wrong side and is rejected).

use spmd::prelude::*;

/// Ghost rows of a block on a grid open along its rows.
#[spmd_jit]
fn ghost_rows(top: &[f64], bottom: &[f64], comm: &Comm) -> (Vec<f64>, Vec<f64>) {
    let grid = comm.cartesian([0, 0], [false, true]);
    let (above, below) = grid.shift(0, 1);
    let from_above = sendrecv(bottom, top, above, below, comm);
    let (below, above) = grid.shift(0, -1);
    let from_below = sendrecv(top, bottom, below, above, comm);
    (from_above, from_below)
}

/// A block that keeps its place on the grid.
struct Block {
    grid: Cartesian<2>,
    west: Vec<f64>,
}

impl Block {
    fn new(comm: &Comm) -> Block {
        Block {
            grid: comm.cartesian([0, 0], [false, false]),
            west: vec![0.0; 3],
        }
    }

    /// The west ghost column from the neighbour on the left (from no one on the left edge).
    #[spmd_jit]
    fn exchange(&mut self, east: &[f64], comm: &Comm) {
        let (west, east_peer) = self.grid.shift(1, 1);
        sendrecv_into(east, &mut self.west, west, east_peer, comm);
    }
}

/// An open line, its peers as optional ranks.
#[spmd_jit]
fn pass_right(x: &[f64], comm: &Comm) -> Vec<f64> {
    let line = comm.cartesian([0], [false]);
    send(x, Dest::rank_or_none(line.neighbour(0, 1)), comm);
    recv(x, Source::rank_or_none(line.neighbour(0, -1)), comm)
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (a, b) = ghost_rows(&[1.0; 3], &[2.0; 3], &comm);
    let mut block = Block::new(&comm);
    block.exchange(&[3.0; 3], &comm);
    let c = pass_right(&[4.0], &comm);
    drop((a, b, c, block.west));
}
