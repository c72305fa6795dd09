//! Rank 0 sends 32,768 `f64`s to an `igatherv_into` at root 1, whose `recvcounts` leave room
//! for 16,384 from it, in a lent buffer in a file-backed mapping with a canary after it: the
//! root stops the job with spmd's error when the counts come, before any data moves, and
//! nothing past its buffer changed.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `igatherv_into` failed on rank 1 of 2
//! expect-failure: rank 0 sends 32768 elements; `recvcounts[0]` here is 16384

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let send = vec![1.0f64; 2 * ROOM];
        let (request, token) = igatherv_into(send, Vec::new(), &[], 1, &comm, token);
        let (_, _token) = wait(request, token);
    } else {
        let send = vec![2.0f64; 3];
        let buffer = spmd_tests::canary::buffer::<f64>(1, ROOM + 3, 4 * ROOM * 8);
        let (request, token) = igatherv_into(&send, buffer, &[ROOM, 3], 1, &comm, token);
        let (_, _token) = wait(request, token);
    }
    unreachable!("the counts differ: the collective must be refused");
}
