//! mbi: BufferingHazard_ring_MPI_Send_MPI_Recv_nok
//! generator: P2PBufferingGenerator.py
//! category: BufferingHazard
//! expected: incorrect
//! ranks: 3
//! Every rank sends to the next around a ring, then receives from the previous one:
//! a cycle of sends, a deadlock without buffering.

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
    send(&buf, next, comm);
    let _r = recv(&buf, prev, comm);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
