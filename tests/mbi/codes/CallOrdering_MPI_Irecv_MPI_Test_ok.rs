//! mbi: CallOrdering_MPI_Irecv_MPI_Test_ok
//! generator: P2PCallMatchingGenerator.py
//! category: CallOrdering
//! expected: correct
//! ranks: 2
//! Rank 0 posts an MPI_Irecv from rank 1 and polls it with MPI_Test until it completes;
//! rank 1 sends the message.

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
        let mut req = irecv(&buf, 1, comm);
        loop {
            match test(req) {
                Ok(_got) => break,
                Err(pending) => req = pending,
            }
        }
    } else if rank == 1 {
        send(&buf, 0, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
