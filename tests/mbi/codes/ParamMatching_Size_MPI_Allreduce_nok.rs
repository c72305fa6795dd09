//! mbi: ParamMatching_Size_MPI_Allreduce_nok
//! generator: CollArgGenerator.py
//! category: ParamMatching
//! expected: incorrect
//! ranks: 2
//! Rank 0 passes a count of nprocs to MPI_Allreduce, the other ranks twice that.

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert!(
        nprocs >= 2,
        "MBI ERROR: This test needs at least 2 processes to produce a bug"
    );
    let count = if rank == 0 { nprocs } else { 2 * nprocs };
    let buf = vec![0_i32; count];
    let _r = allreduce(&buf, Sum, comm);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
