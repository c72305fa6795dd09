//! mbi: BufferingHazard_MPI_Isend_MPI_Irecv_ok
//! generator: P2PBufferingGenerator.py
//! category: BufferingHazard
//! expected: correct
//! ranks: 2
//! Both ranks MPI_Isend and MPI_Irecv, then wait for both.

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
        let s = isend(&buf, 1, comm);
        let r = irecv(&buf, 1, comm);
        wait(s);
        let _r = wait(r);
    } else if rank == 1 {
        let s = isend(&buf, 0, comm);
        let r = irecv(&buf, 0, comm);
        wait(s);
        let _r = wait(r);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
