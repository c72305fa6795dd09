//! mbi: ReqLifecycle_MPI_Isend_MPI_Irecv_ok
//! generator: MissingWaitandStartGenerator.py
//! category: ReqLifecycle
//! expected: correct
//! ranks: 2
//! Every rank posts an MPI_Isend to the next rank of a ring and an MPI_Irecv from the
//! previous one, then waits for both.

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
    let dest = if rank == nprocs - 1 { 0 } else { rank + 1 };
    let src = if rank == 0 { nprocs - 1 } else { rank - 1 };
    let s = isend(&buf, dest, comm);
    let r = irecv(&buf, src, comm);
    wait(s);
    let _r = wait(r);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
