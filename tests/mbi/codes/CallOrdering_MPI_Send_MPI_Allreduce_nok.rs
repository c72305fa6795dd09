//! mbi: CallOrdering_MPI_Send_MPI_Allreduce_nok
//! generator: CollP2PMatchingGenerator.py
//! category: CallOrdering
//! expected: incorrect
//! ranks: 2
//! Rank 0 calls MPI_Allreduce and then receives from rank 1; rank 1 sends to rank 0 and then
//! calls MPI_Allreduce (the other ranks call MPI_Allreduce): a deadlock once the send does not complete
//! before its receive.

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
    let root = 0;
    let buf = vec![rank as i32; nprocs];
    if rank == 0 {
        let _1 = allreduce(&buf, Sum, comm);
        let _r = recv(&buf, 1, comm);
    } else if rank == 1 {
        send(&buf, 0, comm);
        let _1 = allreduce(&buf, Sum, comm);
    } else {
        let _1 = allreduce(&buf, Sum, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
