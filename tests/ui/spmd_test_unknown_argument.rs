// An argument the attribute does not know: the error lists the ones it does.
use spmd::prelude::*;

#[spmd::test(ranks = 2, sizes = 4)]
fn sums(_comm: &Comm) {}

fn main() {}
