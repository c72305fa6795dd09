//! mbi: CallOrdering_loop_count_nok
//! generator: P2PCallMatchingGenerator.py
//! category: CallOrdering
//! expected: incorrect
//! ranks: 2
//! Rank 0 sends 3 messages to rank 1, which receives 2 in its loop.

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
        for _ in 0..3 {
            send(&buf, 1, comm);
        }
    } else if rank == 1 {
        for _ in 0..2 {
            let _r = recv(&buf, 0, comm);
        }
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
