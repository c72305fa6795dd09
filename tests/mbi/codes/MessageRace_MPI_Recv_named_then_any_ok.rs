//! mbi: MessageRace_MPI_Recv_named_then_any_ok
//! generator: P2PMessageRaceGenerator.py
//! category: MessageRace
//! expected: correct
//! ranks: 3
//! Ranks 1 and 2 send to rank 0, which receives from rank 2, then from any source.

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert_eq!(
        nprocs, 3,
        "MBI ERROR: This test needs 3 processes to produce a bug"
    );
    let one = rank as i32;
    if rank == 0 {
        let _a = recv(&one, 2, comm);
        let _b = recv(&one, ANY_SOURCE, comm);
    } else {
        send(&one, 0, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
