//! mbi: CallOrdering_MPI_Isend_norecv_nok
//! generator: P2PCallMatchingGenerator.py
//! category: CallOrdering
//! expected: incorrect
//! ranks: 2
//! Rank 1 sends with MPI_Isend (and waits) to rank 0, which receives nothing.

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
    } else if rank == 1 {
        let r = isend(&buf, 0, comm);
        wait(r);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
