// An `#[spmd::test]` function takes the world's communicator and nothing else.
use spmd::prelude::*;

#[spmd::test(ranks = 2)]
fn two_arguments(_comm: &Comm, _n: usize) {}

fn main() {}
