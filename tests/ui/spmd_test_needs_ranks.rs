// `#[spmd::test]` without world sizes: the error says how to give them.
use spmd::prelude::*;

#[spmd::test(timeout = 10)]
fn sums(_comm: &Comm) {}

fn main() {}
