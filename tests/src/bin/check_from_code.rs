//! Check mode switched on in code, per communicator (`Comm::with_check`) and per process
//! (`Options::check`): a mismatch on the checked communicator is caught.
//! ranks: 2
//! timeout: 20
//! expect-failure: check mode: the ranks disagree on this collective
//! expect-failure: rank 1: `reduce(Max, root=1)` of i64 x1

use spmd::prelude::*;

fn main() {
    let universe = spmd::init_with(spmd::Options::from_env().check(false));
    let world = universe.world();
    assert!(!world.is_checked());
    let checked = world.with_check(true);
    assert!(checked.is_checked());
    let token = spmd::token();
    // Correct use on the checked communicator passes.
    let (sum, token) = allreduce(&1i64, Sum, &checked, token);
    assert_eq!(sum, world.size() as i64);
    let root = world.rank();
    let (_, token) = reduce(&1i64, Max, root, &checked, token);
    drop(token);
    unreachable!("check mode lets no rank past a mismatched root");
}
