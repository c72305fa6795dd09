//! mbi: MessageRace_MPI_Gather_MPI_Send_MPI_Irecv_nok
//! generator: CollP2PMessageRaceGenerator.py
//! category: MessageRace
//! expected: incorrect
//! ranks: 4
//! Ranks 0 and 2 call MPI_Gather then send to rank 1 (MPI_Send); rank 1 posts an MPI_Irecv from
//! any source, calls MPI_Gather, then an MPI_Irecv from rank 0: if the first took rank 0's
//! message, the second waits forever.

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
        let _1 = gather(&buf, root, comm);
        send(&one, 1, comm);
    } else if rank == 1 {
        let a = irecv(&one, ANY_SOURCE, comm);
        let _1 = gather(&buf, root, comm);
        let b = irecv(&one, 0, comm);
        let _a = wait(a);
        let _b = wait(b);
    } else {
        let _1 = gather(&buf, root, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
