//! mbi: ParamMatching_Tag_MPI_Send_MPI_Recv_nok
//! generator: P2PArgGenerator.py
//! category: ParamMatching
//! expected: incorrect
//! ranks: 2
//! Rank 1 sends with tag 1; rank 0 receives from rank 1 with tag 2.

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
        let _r = recv(&buf, Source::rank(1).tag(2), comm);
    } else if rank == 1 {
        send(&buf, Dest::rank(0).tag(1), comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
