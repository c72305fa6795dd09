//! mbi: ParamMatching_Root_MPI_Reduce_nok
//! generator: CollArgGenerator.py
//! category: ParamMatching
//! expected: incorrect
//! ranks: 2
//! The root of MPI_Reduce depends on the rank: each rank names itself.

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
    let root = rank;
    let _1 = reduce(&buf, Sum, root, comm);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
