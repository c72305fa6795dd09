//! A `bool` never holds a byte other than 0 or 1, whatever a peer sends: rank 0 sends the bytes
//! `[2, 255, 0, 1]` as `u8`, rank 1 receives them into `bool`s. The receive repairs the bytes
//! (2 and 255 become `true`) and stops the job with an error that names the op, the element and
//! the byte; no `bool` with another byte is ever read.
//! ranks: 2
//! timeout: 20
//! expect-failure: `recv` failed on rank 1 of 2 (op #0) at tests/src/bin/sound_bool_from_bytes.rs
//! expect-failure: received byte 2 for the `bool` at element 0 (MPI_Mrecv)
//! expect-failure: send and receive the same element type on both sides

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let token = send(&[2u8, 255, 0, 1], 1, &comm, token);
        drop(token);
    } else {
        let (flags, token) = recv(&[false; 4], 0, &comm, token);
        drop(token);
        // Before validation existed, `flags[0]` held byte 2, and `flags` printed as garbage.
        panic!("rank 1 went on with {flags:?}");
    }
    // Rank 0 waits for rank 1's error to end the job.
    let (_, token) = recv(&0u8, 1, &comm, spmd::token());
    drop(token);
}
