//! Rank 0 sends rank 1 a block of 32,768 `f64`s through `ialltoallv_into`; rank 1's
//! `recvcounts` leave room for 16,384, in a lent buffer in a file-backed mapping with a canary
//! after it: the job stops with spmd's error when the counts come (after the issue), naming
//! the count, before any data moves, and nothing past rank 1's buffer changed.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `ialltoallv_into` failed on rank 1 of 2
//! expect-failure: no data moved: the counts this rank receives differ from what the ranks send it
//! expect-failure: rank 0 sends 32768 elements; `recvcounts[0]` here is 16384
//! expect-failure: or call `ialltoallv`, which exchanges the counts itself

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let send = vec![1.0f64; 2 * ROOM + 1];
        let (request, token) =
            ialltoallv_into(send, &[1, 2 * ROOM], vec![0.0f64; 2], &[1, 1], &comm, token);
        let (_, _token) = wait(request, token);
    } else {
        let send = vec![2.0f64; 2];
        let buffer = spmd_tests::canary::buffer::<f64>(1, ROOM + 1, 4 * ROOM * 8);
        let (request, token) = ialltoallv_into(&send, &[1, 1], buffer, &[ROOM, 1], &comm, token);
        let (_, _token) = wait(request, token);
    }
    unreachable!("the counts differ: the collective must be refused");
}
