//! mbi: InputHazard_loop_MPI_Allreduce_nok
//! generator: InputHazardGenerator.py
//! category: InputHazard
//! expected: incorrect
//! ranks: 2
//! args: 1
//! Every rank calls MPI_Allreduce input + rank times: the counts differ between ranks.
//! Run with input 1.

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
    let rounds = input + rank as i32;
    for _ in 0..rounds {
        let _r = allreduce(&buf, Sum, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
