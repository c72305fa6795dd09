//! mbi: ParamMatching_Data_MPI_Bcast_nok
//! generator: CollArgGenerator.py
//! category: ParamMatching
//! expected: incorrect
//! ranks: 2
//! Rank 0 passes MPI_INT to MPI_Bcast, the other ranks MPI_FLOAT (same count).

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert!(
        nprocs >= 2,
        "MBI ERROR: This test needs at least 2 processes to produce a bug"
    );
    if rank == 0 {
        let buf = vec![0_i32; nprocs];
        let _r = bcast(&buf, 0, comm);
    } else {
        let buf = vec![0.0_f32; nprocs];
        let _r = bcast(&buf, 0, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
