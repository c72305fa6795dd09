//! mbi: CallOrdering_MPI_Send_norecv_nok
//! generator: P2PCallMatchingGenerator.py
//! category: CallOrdering
//! expected: incorrect
//! ranks: 2
//! Rank 1 sends to rank 0, which receives nothing: the message is never matched.

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
    if rank == 0 {
    } else if rank == 1 {
        send(&buf, 0, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
