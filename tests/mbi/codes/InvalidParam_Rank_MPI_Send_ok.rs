//! mbi: InvalidParam_Rank_MPI_Send_ok
//! generator: P2PArgGenerator.py
//! category: InvalidParam
//! expected: correct
//! ranks: 2
//! Rank 0 sends to rank nprocs - 1, which receives.

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
    if rank == nprocs - 1 {
        let _r = recv(&buf, 0, comm);
    }
    if rank == 0 {
        send(&buf, nprocs - 1, comm);
    } else if rank == 1 {
    } else {
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
