//! mbi: InputHazard_MPI_Send_MPI_Recv_nok
//! generator: InputHazardGenerator.py
//! category: InputHazard
//! expected: incorrect
//! ranks: 2
//! args: 0
//! Rank 0 sends to rank 1 only if its input is positive; rank 1 always receives.
//! Run with input 0.

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert!(
        nprocs >= 2,
        "MBI ERROR: This test needs at least 2 processes to produce a bug"
    );
    let input: i32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1);
    let buf = [rank as i32];
    if rank == 0 {
        if input > 0 {
            send(&buf, 1, comm);
        }
    } else if rank == 1 {
        let _r = recv(&buf, 0, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
