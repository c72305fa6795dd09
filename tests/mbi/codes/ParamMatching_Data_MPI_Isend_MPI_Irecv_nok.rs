//! mbi: ParamMatching_Data_MPI_Isend_MPI_Irecv_nok
//! generator: P2PArgGenerator.py
//! category: ParamMatching
//! expected: incorrect
//! ranks: 2
//! Rank 1 sends one MPI_DOUBLE with MPI_Isend; rank 0's MPI_Irecv expects one MPI_INT64.

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
        let r = irecv(&0_i64, 1, comm);
        let _r = wait(r);
    } else if rank == 1 {
        let r = isend(&1.0_f64, 0, comm);
        wait(r);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
