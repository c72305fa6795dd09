//! mbi: MessageRace_loop_any_then_last_nok
//! generator: P2PMessageRaceGenerator.py
//! category: MessageRace
//! expected: incorrect
//! ranks: 4
//! Every other rank sends to rank 0, which receives nprocs - 2 messages from any source,
//! then one from the last rank: it waits forever if the loop took the last rank's.

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert!(
        nprocs >= 2,
        "MBI ERROR: This test needs at least 2 processes to produce a bug"
    );
    let one = rank as i32;
    if rank == 0 {
        for _ in 1..nprocs - 1 {
            let _a = recv(&one, ANY_SOURCE, comm);
        }
        let _last = recv(&one, nprocs - 1, comm);
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
