//! mbi: BufferingHazard_MPI_Isend_MPI_Wait_MPI_Recv_nok
//! generator: P2PBufferingGenerator.py
//! category: BufferingHazard
//! expected: incorrect
//! ranks: 2
//! Both ranks MPI_Isend and wait for it before receiving: a deadlock without buffering.

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
        wait(r);
        let _r = recv(&buf, 1, comm);
    } else if rank == 1 {
        let r = isend(&buf, 0, comm);
        wait(r);
        let _r = recv(&buf, 0, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
