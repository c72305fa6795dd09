//! mbi: CallOrdering_MPI_Recv_MPI_Send_ok
//! generator: P2PMatchingGenerator.py
//! category: CallOrdering
//! expected: correct
//! ranks: 2
//! Rank 0 receives then sends, rank 1 sends then receives.

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
        let _r = recv(&buf, 1, comm);
        send(&buf, 1, comm);
    } else if rank == 1 {
        send(&buf, 0, comm);
        let _r = recv(&buf, 0, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
