//! mbi: ParamMatching_Com_MPI_Comm_split_nok
//! generator: CollArgGenerator.py
//! category: ParamMatching
//! expected: incorrect
//! ranks: 2
//! MPI_COMM_WORLD is split by parity; even ranks call MPI_Allreduce on their half, odd ranks
//! on MPI_COMM_WORLD.

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
    if rank % 2 == 0 {
        let _r = allreduce(&buf, Sum, &half);
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
