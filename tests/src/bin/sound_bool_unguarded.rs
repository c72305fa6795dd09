//! On a communicator made by `Comm::unguarded`, a receive lets MPI write straight into the
//! buffer (`MPI_Recv`, no matched probe first), and still validates what arrived: rank 0 sends
//! the bytes `[2, 255, 0, 1]` as `u8` (they fit: the contract of `unguarded` holds), rank 1
//! receives them into `bool`s, and the error names `MPI_Recv`, the unguarded path's call.
//! ranks: 2
//! timeout: 20
//! expect-failure: `recv` failed on rank 1 of 2 (op #0) at tests/src/bin/sound_bool_unguarded.rs
//! expect-failure: received byte 2 for the `bool` at element 0 (MPI_Recv)

use spmd::prelude::*;

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
        let (flags, token) = recv(&[false; 4], 0, &comm, token);
        drop(token);
        panic!("rank 1 went on with {flags:?}");
    }
    // Rank 0 waits for rank 1's error to end the job.
    let (_, token) = recv(&0u8, 1, &comm, spmd::token());
    drop(token);
}
