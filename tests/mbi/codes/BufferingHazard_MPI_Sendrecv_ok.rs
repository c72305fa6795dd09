//! mbi: BufferingHazard_MPI_Sendrecv_ok
//! generator: P2PBufferingGenerator.py
//! category: BufferingHazard
//! expected: correct
//! ranks: 2
//! Both ranks exchange with MPI_Sendrecv.

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
        let _r = sendrecv(&buf, &buf, Source::rank(1), Dest::rank(1), comm);
    } else if rank == 1 {
        let _r = sendrecv(&buf, &buf, Source::rank(0), Dest::rank(0), comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
