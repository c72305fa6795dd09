//! Patterns the check cannot follow: it gives up on them without a word (`explain` would say
//! why), and they compile.

use spmd::prelude::*;

/// Peers read from data.
#[spmd_jit]
fn to_listed_peers(comm: &Comm, peers: &[usize], x: f64) {
    for &peer in peers {
        send(&x, peer, comm);
    }
}

/// A loop bound that is not known.
#[spmd_jit]
fn rounds(comm: &Comm, n: usize, mut x: f64) -> f64 {
    for _ in 0..n {
        x = allreduce(&x, Sum, comm);
    }
    x
}

/// A function handed in as a value, given the communicator: what it does is not seen (only
/// functions of the crate named by their path are followed).
#[spmd_jit]
fn through_a_helper(comm: &Comm, helper: fn(&Comm, f64) -> f64, x: f64) -> f64 {
    if comm.rank() == 0 {
        return helper(comm, x);
    }
    helper(comm, x)
}

/// Neighbours in a struct whose constructor reads them from data: not computed from the rank
/// and size, so not known in the methods.
struct Grid {
    east: Option<usize>,
    west: Option<usize>,
}

impl Grid {
    fn from_table(table: &[(Option<usize>, Option<usize>)], rank: usize) -> Grid {
        let (east, west) = table[rank];
        Grid { east, west }
    }
}

struct Model {
    comm: Comm,
    grid: Grid,
    edge: Vec<f64>,
}

// ANCHOR: model
impl Model {
    fn new(comm: Comm, table: &[(Option<usize>, Option<usize>)]) -> Model {
        let grid = Grid::from_table(table, comm.rank());
        Model {
            comm,
            grid,
            edge: Vec::new(),
        }
    }

    #[spmd_jit]
    fn exchange(&self) -> Vec<f64> {
        let mut out = self.edge.clone();
        if let Some(east) = self.grid.east {
            send(&self.edge[..], east, &self.comm);
        }
        if let Some(west) = self.grid.west {
            out = recv(&self.edge[..], west, &self.comm);
        }
        out
    }

    #[spmd_jit]
    fn step(&mut self) -> f64 {
        self.edge = self.exchange();
        let local: f64 = self.edge.iter().sum();
        allreduce(&local, Sum, &self.comm)
    }
}
// ANCHOR_END: model

/// Data-dependent branches around communication.
#[spmd_jit]
fn converge(comm: &Comm, mut x: f64) -> f64 {
    while allreduce(&x, Max, comm) > 1e-6 {
        x /= 2.0;
    }
    if x > 0.5 { bcast(&x, 0, comm) } else { x }
}

fn main() {
    let _ = (to_listed_peers, rounds, through_a_helper, converge);
    let _ = (Model::new, Model::exchange, Model::step, Grid::from_table);
}
