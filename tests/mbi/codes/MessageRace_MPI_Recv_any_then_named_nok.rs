//! mbi: MessageRace_MPI_Recv_any_then_named_nok
//! generator: P2PMessageRaceGenerator.py
//! category: MessageRace
//! expected: incorrect
//! ranks: 3
//! Ranks 1 and 2 send to rank 0, which receives from any source, then from rank 1:
//! if the first receive took rank 1's message, the second waits forever.

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
        let _a = recv(&one, ANY_SOURCE, comm);
        let _b = recv(&one, 1, comm);
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
