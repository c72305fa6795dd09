//! Rank 0 reduces 32,768 `f64`s with `iallreduce_into`, rank 1 16,384 into a result buffer lent
//! to a scope (no copy: the collective would write the buffer itself) in a file-backed mapping
//! with a canary after it: the job stops with spmd's error before any data moves, and nothing
//! past rank 1's buffer changed.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `iallreduce_into` failed on rank 1 of 2
//! expect-failure: no data moved: the ranks disagree on this collective
//! expect-failure: and the ranks' counts range from 16384 to 32768

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let (send, mut recv) = (vec![1.0f64; 2 * ROOM], vec![0.0f64; 2 * ROOM]);
        spmd::scope(|scope| {
            let (request, token) = iallreduce_into(
                scope.lend(&send),
                scope.lend_mut(&mut recv),
                Sum,
                &comm,
                token,
            );
            let _ = wait(request, token);
        });
    } else {
        let send = vec![1.0f64; ROOM];
        let buffer = spmd_tests::canary::buffer::<f64>(1, ROOM, 4 * ROOM * 8);
        spmd::scope(|scope| {
            let (request, token) =
                iallreduce_into(scope.lend(&send), scope.lend_mut(buffer), Sum, &comm, token);
            let _ = wait(request, token);
        });
    }
    unreachable!("the ranks disagree: the collective must be refused");
}
