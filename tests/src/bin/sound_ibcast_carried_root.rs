//! Every rank issues a nonblocking broadcast of one `f64` from itself (each names its own rank
//! as the root), few enough to travel inside the agreement, where each rank puts its own data
//! as a root does: the job stops with spmd's error naming the range of the roots, and no rank
//! takes the mixed bytes.
//! ranks: 2
//! timeout: 30
//! expect-failure: no data moved: the ranks disagree on this collective: this rank issued `ibcast(root=
//! expect-failure: at tests/src/bin/sound_ibcast_carried_root.rs
//! expect-failure: the ranks' roots range from 0 to 1

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let (request, token) = ibcast(vec![comm.rank() as f64 + 0.5], comm.rank(), &comm, token);
    let (got, _token) = wait(request, token);
    unreachable!("the ranks disagree: the collective must be refused, not give {got:?}");
}
