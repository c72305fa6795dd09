//! mbi: CallOrdering_MPI_Recv_MPI_Recv_nok
//! generator: P2PMatchingGenerator.py
//! category: CallOrdering
//! expected: incorrect
//! ranks: 2
//! Both ranks receive from each other first, then send: neither receive is ever matched.

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
        let _r = recv(&buf, 1, comm);
        send(&buf, 1, comm);
    } else if rank == 1 {
        let _r = recv(&buf, 0, comm);
        send(&buf, 0, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
