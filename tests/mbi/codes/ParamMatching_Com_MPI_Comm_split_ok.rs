//! mbi: ParamMatching_Com_MPI_Comm_split_ok
//! generator: CollArgGenerator.py
//! category: ParamMatching
//! expected: correct
//! ranks: 2
//! MPI_COMM_WORLD is split by parity; every rank calls MPI_Allreduce on its half, then on
//! the world.

#![allow(unused_variables, unused_mut, unused_assignments, clippy::all)]

use spmd::mpi::topology::{Color, Communicator};
use spmd::prelude::*;

#[spmd_jit]
fn mbi(comm: &Comm, half: &Comm) {
    let (rank, nprocs) = (comm.rank(), comm.size());
    assert!(
        nprocs >= 2,
        "MBI ERROR: This test needs at least 2 processes to produce a bug"
    );
    let buf = vec![rank as i32; nprocs];
    let _r = allreduce(&buf, Sum, half);
    let _s = allreduce(&buf, Sum, comm);
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let half = Comm::from_mpi(
        comm.as_mpi()
            .split_by_color(Color::with_value((comm.rank() % 2) as i32))
            .expect("every rank has a colour"),
    );
    mbi(&comm, &half);
    println!("Rank {} finished normally", comm.rank());
}
