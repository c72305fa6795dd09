//! mbi: InputHazard_dest_MPI_Send_nok
//! generator: InputHazardGenerator.py
//! category: InputHazard
//! expected: incorrect
//! ranks: 2
//! args: 0
//! Rank 0 sends to the rank its input names; rank 1 receives from rank 0. Run with input 0:
//! rank 0 sends to itself, nobody receives it, and rank 1 waits forever.

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
    let peer = (input as usize) % nprocs;
    if rank == 0 {
        send(&buf, peer, comm);
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
