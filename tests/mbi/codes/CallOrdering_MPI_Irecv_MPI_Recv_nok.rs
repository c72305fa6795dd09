//! mbi: CallOrdering_MPI_Irecv_MPI_Recv_nok
//! generator: P2PMatchingGenerator.py
//! category: CallOrdering
//! expected: incorrect
//! ranks: 2
//! Rank 0 posts an MPI_Irecv, then blocks in MPI_Recv for a second message that rank 1 sends
//! only after its own receive, which rank 0 never sends to.

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
        let a = irecv(&buf, 1, comm);
        let _b = recv(&buf, 1, comm);
        let _a = wait(a);
    } else if rank == 1 {
        let _r = recv(&buf, 0, comm);
        send(&buf, 0, comm);
        send(&buf, 0, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
