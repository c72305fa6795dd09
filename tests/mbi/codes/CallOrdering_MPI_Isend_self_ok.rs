//! mbi: CallOrdering_MPI_Isend_self_ok
//! generator: P2PMatchingGenerator.py
//! category: CallOrdering
//! expected: correct
//! ranks: 2
//! Every rank sends a message to itself with MPI_Isend, receives it, then waits.

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());

    let buf = [rank as i32];
    let s = isend(&buf, rank, comm);
    let _r = recv(&buf, rank, comm);
    wait(s);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
