//! mbi: ParamMatching_Com_MPI_Allreduce_nok
//! generator: CollArgGenerator.py
//! category: ParamMatching
//! expected: incorrect
//! ranks: 2
//! Rank 0 calls MPI_Allreduce on MPI_COMM_WORLD, the other ranks on a duplicate of it.

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::mpi::topology::Communicator;
use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm, other: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert!(
        nprocs >= 2,
        "MBI ERROR: This test needs at least 2 processes to produce a bug"
    );
    let buf = vec![rank as i32; nprocs];
    if rank == 0 {
        let _r = allreduce(&buf, Sum, comm);
    } else {
        let _r = allreduce(&buf, Sum, other);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let other = Comm::duplicate_of(comm.as_mpi());
    mbi(&comm, &other);
    println!("Rank {} finished normally", comm.rank());
}
