//! mbi: InvalidParam_Rank_MPI_Recv_nok
//! generator: P2PArgGenerator.py
//! category: InvalidParam
//! expected: incorrect
//! ranks: 2
//! Rank 0 receives from rank nprocs, which does not exist.

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
        let _r = recv(&buf, nprocs, comm);
    } else if rank == 1 {
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
