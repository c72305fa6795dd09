//! mbi: MessageRace_tag_any_source_nok
//! generator: P2PMessageRaceGenerator.py
//! category: MessageRace
//! expected: incorrect
//! ranks: 3
//! Rank 1 sends with tag 1, rank 2 with tag 2; rank 0 receives from any source and any tag,
//! then from any source with tag 2: it waits forever if the first took rank 2's message.

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
        let _b = recv(&one, Source::any().tag(2), comm);
    } else {
        send(&one, Dest::rank(0).tag(rank as i32), comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
