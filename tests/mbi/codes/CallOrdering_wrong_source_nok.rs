//! mbi: CallOrdering_wrong_source_nok
//! generator: P2PCallMatchingGenerator.py
//! category: CallOrdering
//! expected: incorrect
//! ranks: 3
//! Rank 2 sends to rank 1, which receives from rank 0.

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert_eq!(
        nprocs, 3,
        "MBI ERROR: This test needs 3 processes to produce a bug"
    );
    let buf = [rank as i32];
    if rank == 0 {
    } else if rank == 1 {
        let _r = recv(&buf, 0, comm);
    } else {
        if rank == 2 {
            send(&buf, 1, comm);
        }
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
