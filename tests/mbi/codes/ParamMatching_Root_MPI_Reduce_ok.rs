//! mbi: ParamMatching_Root_MPI_Reduce_ok
//! generator: CollArgGenerator.py
//! category: ParamMatching
//! expected: correct
//! ranks: 2
//! Every rank passes the same root to MPI_Reduce (the last rank, computed on each).

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert!(
        nprocs >= 2,
        "MBI ERROR: This test needs at least 2 processes to produce a bug"
    );
    let buf = vec![rank as i32; nprocs];
    let root = nprocs - 1;
    let _1 = reduce(&buf, Sum, root, comm);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
