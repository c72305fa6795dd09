//! mbi: CallOrdering_MPI_Isend_MPI_Irecv_ok
//! generator: P2PCallMatchingGenerator.py
//! category: CallOrdering
//! expected: correct
//! ranks: 2
//! Rank 1 sends with MPI_Isend to rank 0, which receives with MPI_Irecv; both wait.

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
