//! mbi: BufferingHazard_MPI_Irecv_MPI_Isend_MPI_Waitall_ok
//! generator: P2PBufferingGenerator.py
//! category: BufferingHazard
//! expected: correct
//! ranks: 4
//! Every rank posts MPI_Irecvs from both neighbours of a ring and MPI_Isends to both, then
//! completes the four with MPI_Waitall.

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
    let next = (rank + 1) % nprocs;
    let prev = (rank + nprocs - 1) % nprocs;
    let a = irecv(&buf, prev, comm);
    let b = irecv(&buf, next, comm);
    let c = isend(&buf, next, comm);
    let d = isend(&buf, prev, comm);
    let _all = wait_all((a, b, c, d), comm);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
