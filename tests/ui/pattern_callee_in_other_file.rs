//! `pass/callee_in_other_file.rs` calling the other file's collective on rank 0 only: the
//! check reads that file, follows the call, and finds the collective that the other ranks
//! never reach.

use spmd::prelude::*;

#[path = "files/totals.rs"]
mod totals;

#[spmd_jit]
fn step(comm: &Comm, x: f64) -> f64 {
    if comm.rank() == 0 {
        totals::total(comm, x)
    } else {
        x
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    step(&comm, 1.0);
}
