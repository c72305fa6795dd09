//! mbi: InvalidParam_RootTooLarge_MPI_Reduce_nok
//! generator: CollArgGenerator.py
//! category: InvalidParam
//! expected: incorrect
//! ranks: 2
//! MPI_Reduce is given root nprocs, which is not a rank.

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
    let _r = reduce(&buf, Sum, nprocs, comm);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
