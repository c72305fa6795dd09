//! mbi: ParamMatching_Size_MPI_Send_MPI_Recv_ok
//! generator: P2PArgGenerator.py
//! category: ParamMatching
//! expected: correct
//! ranks: 2
//! Rank 1 sends 2 MPI_INTs; rank 0 receives with a count of 4 (MPI allows a shorter message).

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
        let mut got = [0_i32; 4];
        let status = recv_into(&mut got, 1, comm);
    } else if rank == 1 {
        send(&[1_i32; 2], 0, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
