//! mbi: CallOrdering_MPI_Exscan_none_nok
//! generator: CollMatchingGenerator.py
//! category: CallOrdering
//! expected: incorrect
//! ranks: 2
//! Odd ranks call MPI_Exscan while even ranks do not call any collective.

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert!(
        nprocs >= 2,
        "MBI ERROR: This test needs at least 2 processes to produce a bug"
    );
    let root = 0;
    let buf = vec![rank as i32; nprocs];
    if rank % 2 == 1 {
        let _1 = exscan(&buf, Sum, comm);
    } else {
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
