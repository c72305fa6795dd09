//! mbi: ParamMatching_Op_MPI_Reduce_ok
//! generator: CollArgGenerator.py
//! category: ParamMatching
//! expected: correct
//! ranks: 2
//! Every rank reduces with MPI_MAX in MPI_Reduce (chosen on either branch).

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert!(
        nprocs >= 2,
        "MBI ERROR: This test needs at least 2 processes to produce a bug"
    );
    let buf = vec![rank as i32; nprocs];
    if rank % 2 == 0 {
        let _r = reduce(&buf, Max, 0, comm);
    } else {
        let _r = reduce(&buf, Max, 0, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
