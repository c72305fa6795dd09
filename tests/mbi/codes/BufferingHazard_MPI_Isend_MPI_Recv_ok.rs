//! mbi: BufferingHazard_MPI_Isend_MPI_Recv_ok
//! generator: P2PBufferingGenerator.py
//! category: BufferingHazard
//! expected: correct
//! ranks: 2
//! Both ranks MPI_Isend, receive, then wait for the send.

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
        let r = isend(&buf, 1, comm);
        let _r = recv(&buf, 1, comm);
        wait(r);
    } else if rank == 1 {
        let r = isend(&buf, 0, comm);
        let _r = recv(&buf, 0, comm);
        wait(r);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
