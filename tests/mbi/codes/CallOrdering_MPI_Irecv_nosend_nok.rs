//! mbi: CallOrdering_MPI_Irecv_nosend_nok
//! generator: P2PCallMatchingGenerator.py
//! category: CallOrdering
//! expected: incorrect
//! ranks: 2
//! Rank 0 posts an MPI_Irecv from rank 1 and waits; rank 1 sends nothing.

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert!(
        nprocs >= 2,
        "MBI ERROR: This test needs at least 2 processes to produce a bug"
    );
    let buf = [rank as i32];
    if rank == 0 {
        let r = irecv(&buf, 1, comm);
        let _r = wait(r);
    } else if rank == 1 {
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
