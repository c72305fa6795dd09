//! `ireduce_scatter` needs the same counts on every rank; rank 1 passes other counts with the
//! same total: the ranks' nonblocking agreement refuses the collective before any data moves,
//! naming the block sizes.
//! ranks: 2
//! timeout: 30
//! expect-failure: no data moved: the ranks disagree on this collective: this rank issued `ireduce_scatter(Sum)` of f64 x8
//! expect-failure: another rank's block sizes (counts per rank) differ

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let counts = if comm.rank() == 0 { [2, 6] } else { [6, 2] };
    let (request, token) = ireduce_scatter(&[1.0f64; 8], &counts, Sum, &comm, token);
    let (_, _token) = wait(request, token);
    unreachable!("the counts differ: the collective must be refused");
}
