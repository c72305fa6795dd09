//! mbi: ParamMatching_Tag_MPI_Isend_MPI_Irecv_nok
//! generator: P2PArgGenerator.py
//! category: ParamMatching
//! expected: incorrect
//! ranks: 2
//! Rank 1 sends with MPI_Isend and tag 3; rank 0's MPI_Irecv waits for tag 4.

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
        let r = irecv(&buf, Source::rank(1).tag(4), comm);
        let _r = wait(r);
    } else if rank == 1 {
        let r = isend(&buf, Dest::rank(0).tag(3), comm);
        wait(r);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
