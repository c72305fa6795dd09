//! mbi: BufferingHazard_ring_odd_even_ok
//! generator: P2PBufferingGenerator.py
//! category: BufferingHazard
//! expected: correct
//! ranks: 4
//! Around a ring of 4, even ranks send then receive, odd ranks receive then send.

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
    let next = (rank + 1) % nprocs;
    let prev = (rank + nprocs - 1) % nprocs;
    if rank % 2 == 0 {
        send(&buf, next, comm);
        let _r = recv(&buf, prev, comm);
    } else {
        let _r = recv(&buf, prev, comm);
        send(&buf, next, comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    mbi(&comm);
    println!("Rank {} finished normally", comm.rank());
}
