//! mbi: ParamMatching_Data_MPI_Send_MPI_Recv_ok
//! generator: P2PArgGenerator.py
//! category: ParamMatching
//! expected: correct
//! ranks: 2
//! Rank 1 sends one MPI_INT; rank 0 receives one MPI_INT.

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
        let _r = recv(&0_i32, 1, comm);
    } else if rank == 1 {
        send(&1_i32, 0, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
