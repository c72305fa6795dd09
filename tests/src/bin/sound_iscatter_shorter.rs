//! The root of an `iscatter` sends blocks of 16,384 `f64`s, rank 1 expects blocks of 8,192 (its
//! template is half as long): the job stops with spmd's error once the ranks' nonblocking
//! agreement completes, before any data moves.
//! ranks: 2
//! timeout: 30
//! expect-failure: no data moved: the ranks disagree on this collective: this rank issued `iscatter(root=0)` of f64
//! expect-failure: and the ranks' counts range from 8192 to 16384

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let len = if comm.rank() == 0 { 2 * ROOM } else { ROOM };
    let (request, token) = iscatter(&vec![1.0f64; len], 0, &comm, token);
    let (_, _token) = wait(request, token);
    unreachable!("the ranks disagree: the collective must be refused");
}
