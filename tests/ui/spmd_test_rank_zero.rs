// A world size is at least 1.
use spmd::prelude::*;

#[spmd::test(ranks = [2, 0])]
fn zero(_comm: &Comm) {}

fn main() {}
