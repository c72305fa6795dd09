//! mbi: CallOrdering_MPI_Send_MPI_Bcast_ok
//! generator: CollP2PMatchingGenerator.py
//! category: CallOrdering
//! expected: correct
//! ranks: 2
//! Rank 1 sends to rank 0, which receives; then every rank calls MPI_Bcast.

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
    let root = 0;
    let buf = vec![rank as i32; nprocs];
    if rank == 0 {
        let _r = recv(&buf, 1, comm);
        let _1 = bcast(&buf, root, comm);
    } else if rank == 1 {
        send(&buf, 0, comm);
        let _1 = bcast(&buf, root, comm);
    } else {
        let _1 = bcast(&buf, root, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
