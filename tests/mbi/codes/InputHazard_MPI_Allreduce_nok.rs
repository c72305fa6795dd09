//! mbi: InputHazard_MPI_Allreduce_nok
//! generator: InputHazardGenerator.py
//! category: InputHazard
//! expected: incorrect
//! ranks: 2
//! args: 0
//! Rank 0 skips MPI_Allreduce when its input is 0; the other ranks call it.
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
    let buf = vec![rank as i32; nprocs];
    if rank == 0 && input == 0 {
        // rank 0 skips the collective on this input
    } else {
        let _r = allreduce(&buf, Sum, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
