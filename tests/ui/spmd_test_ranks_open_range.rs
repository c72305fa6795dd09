// A range of world sizes has both ends.
use spmd::prelude::*;

#[spmd::test(ranks = 2..)]
fn open(_comm: &Comm) {}

fn main() {}
