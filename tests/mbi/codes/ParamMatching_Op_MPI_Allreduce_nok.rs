//! mbi: ParamMatching_Op_MPI_Allreduce_nok
//! generator: CollArgGenerator.py
//! category: ParamMatching
//! expected: incorrect
//! ranks: 2
//! Even ranks reduce with MPI_SUM, odd ranks with MPI_MAX in MPI_Allreduce.

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
        let _r = allreduce(&buf, Sum, comm);
    } else {
        let _r = allreduce(&buf, Max, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
