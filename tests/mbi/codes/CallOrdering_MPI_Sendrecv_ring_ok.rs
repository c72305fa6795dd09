//! mbi: CallOrdering_MPI_Sendrecv_ring_ok
//! generator: P2PMatchingGenerator.py
//! category: CallOrdering
//! expected: correct
//! ranks: 3
//! Every rank sends to the next rank around a ring with MPI_Sendrecv and receives from the
//! previous one.

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert!(
        nprocs >= 2,
        "MBI ERROR: This test needs at least 2 processes to produce a bug"
    );
    let buf = [rank as i32];
    let next = (rank + 1) % nprocs;
    let prev = (rank + nprocs - 1) % nprocs;
    let _r = sendrecv(&buf, &buf, Source::rank(prev), Dest::rank(next), comm);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
