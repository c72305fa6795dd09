//! mbi: ParamMatching_Com_MPI_Allreduce_ok
//! generator: CollArgGenerator.py
//! category: ParamMatching
//! expected: correct
//! ranks: 2
//! Every rank calls MPI_Allreduce on a duplicate of MPI_COMM_WORLD, then on the world.

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
    let _r = allreduce(&buf, Sum, other);
    let _s = allreduce(&buf, Sum, comm);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let other = Comm::duplicate_of(comm.as_mpi());
    mbi(&comm, &other);
    println!("Rank {} finished normally", comm.rank());
}
