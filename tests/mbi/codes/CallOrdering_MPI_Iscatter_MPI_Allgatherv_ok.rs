//! mbi: CallOrdering_MPI_Iscatter_MPI_Allgatherv_ok
//! generator: CollMatchingGenerator.py
//! category: CallOrdering
//! expected: correct
//! ranks: 2
//! All ranks call MPI_Iscatter and then MPI_Allgatherv.

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert!(
        nprocs >= 2,
        "MBI ERROR: This test needs at least 2 processes to produce a bug"
    );
    let root = 0;
    let buf = vec![rank as i32; nprocs];
    if rank < nprocs {
        let req1 = iscatter(&buf, root, comm);
        let _1 = wait(req1);
        let _2 = allgatherv(&buf, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
