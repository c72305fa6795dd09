//! mbi: InputHazard_MPI_Allreduce_ok
//! generator: InputHazardGenerator.py
//! category: InputHazard
//! expected: correct
//! ranks: 2
//! args: 3
//! Every rank calls MPI_Allreduce as many times as its input says (the same on every rank).
//! Run with input 3.

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
    for _ in 0..input {
        let _r = allreduce(&buf, Sum, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
