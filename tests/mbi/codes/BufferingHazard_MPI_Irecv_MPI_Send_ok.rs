//! mbi: BufferingHazard_MPI_Irecv_MPI_Send_ok
//! generator: P2PBufferingGenerator.py
//! category: BufferingHazard
//! expected: correct
//! ranks: 2
//! Both ranks post an MPI_Irecv, send, then wait for the receive.

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
        send(&buf, 1, comm);
        let _r = wait(r);
    } else if rank == 1 {
        let r = irecv(&buf, 0, comm);
        send(&buf, 0, comm);
        let _r = wait(r);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
