//! mbi: CallOrdering_MPI_Sendrecv_wrong_source_nok
//! generator: P2PMatchingGenerator.py
//! category: CallOrdering
//! expected: incorrect
//! ranks: 3
//! Every rank sends to the next rank around a ring with MPI_Sendrecv, and receives from the
//! next rank too (instead of the previous one), which sends elsewhere.

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert_eq!(
        nprocs, 3,
        "MBI ERROR: This test needs 3 processes to produce a bug"
    );
    let buf = [rank as i32];
    let next = (rank + 1) % nprocs;
    let _r = sendrecv(&buf, &buf, Source::rank(next), Dest::rank(next), comm);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
