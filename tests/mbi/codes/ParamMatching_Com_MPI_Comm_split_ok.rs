//! mbi: ParamMatching_Com_MPI_Comm_split_ok
//! generator: CollArgGenerator.py
//! category: ParamMatching
//! expected: correct
//! ranks: 2
//! MPI_COMM_WORLD is split by parity; every rank calls MPI_Allreduce on its half, then on
//! the world.

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert!(
        nprocs >= 2,
        "MBI ERROR: This test needs at least 2 processes to produce a bug"
    );
    let half = split(rank % 2, comm);
    let buf = vec![rank as i32; nprocs];
    let _r = allreduce(&buf, Sum, &half);
    let _s = allreduce(&buf, Sum, comm);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
