// `#[should_panic]` cannot see a panic on another rank: the error points to `expect = panic`.
use spmd::prelude::*;

#[spmd::test(ranks = 2)]
#[should_panic]
fn refuses(_comm: &Comm) {}

fn main() {}
