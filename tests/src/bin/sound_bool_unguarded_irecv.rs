//! As `sound_bool_unguarded.rs`, through a nonblocking receive: on a communicator made by
//! `Comm::unguarded`, `irecv` posts `MPI_Irecv` into the request's memory (no spmd matching),
//! and its completion validates what arrived, naming `MPI_Irecv`.
//! ranks: 2
//! timeout: 20
//! expect-failure: failed on rank 1 of 2
//! expect-failure: sound_bool_unguarded_irecv.rs
//! expect-failure: received byte 2 for the `bool` at element 0 (MPI_Irecv)

use spmd::prelude::*;
use spmd::{irecv, wait};

fn main() {
    let universe = spmd::init();
    let world = universe.world();
    // SAFETY: every message fits its receive (4 bytes into 4 `bool`s); no collective.
    let comm = unsafe { world.unguarded() };
    let token = spmd::token();
    if comm.rank() == 0 {
        let token = send(&[2u8, 255, 0, 1], 1, &comm, token);
        drop(token);
    } else {
        let (request, token) = irecv(&[false; 4], 0, &comm, token);
        let (flags, token) = wait(request, token);
        drop(token);
        panic!("rank 1 went on with {flags:?}");
    }
    // Rank 0 waits for rank 1's error to end the job.
    let (_, token) = recv(&0u8, 1, &comm, spmd::token());
    drop(token);
}
