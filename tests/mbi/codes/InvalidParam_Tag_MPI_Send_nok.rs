//! mbi: InvalidParam_Tag_MPI_Send_nok
//! generator: P2PArgGenerator.py
//! category: InvalidParam
//! expected: incorrect
//! ranks: 2
//! Rank 1 sends with a negative tag (-1); rank 0 receives from it.

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
    } else if rank == 1 {
        send(&buf, Dest::rank(0).tag(-1), comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
