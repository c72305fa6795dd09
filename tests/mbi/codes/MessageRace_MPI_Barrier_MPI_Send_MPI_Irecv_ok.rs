//! mbi: MessageRace_MPI_Barrier_MPI_Send_MPI_Irecv_ok
//! generator: CollP2PMessageRaceGenerator.py
//! category: MessageRace
//! expected: correct
//! ranks: 4
//! Ranks 0 and 2 call MPI_Barrier then send to rank 1 (MPI_Send); rank 1 posts an MPI_Irecv from
//! any source, calls MPI_Barrier, then an MPI_Irecv from any source: either order of the two messages is fine.

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert_eq!(
        nprocs, 4,
        "MBI ERROR: This test needs 4 processes to produce a bug"
    );
    let root = 0;
    let buf = vec![rank as i32; nprocs];
    let one = rank as i32;
    if rank == 0 || rank == 2 {
        barrier(comm);
        send(&one, 1, comm);
    } else if rank == 1 {
        let a = irecv(&one, ANY_SOURCE, comm);
        barrier(comm);
        let b = irecv(&one, ANY_SOURCE, comm);
        let _a = wait(a);
        let _b = wait(b);
    } else {
        barrier(comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
