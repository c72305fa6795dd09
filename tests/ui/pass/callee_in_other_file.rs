//! A function of another file of the crate, called by its module's path: the check reads that
//! file and follows the call (its twin, `pattern_callee_in_other_file.rs`, calls it on rank 0
//! only and is rejected).

use spmd::prelude::*;

#[path = "../files/totals.rs"]
mod totals;

#[spmd_jit]
fn step(comm: &Comm, x: f64) -> f64 {
    let sum = totals::total(comm, x);
    bcast(&sum, 0, comm)
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    step(&comm, 1.0);
}
