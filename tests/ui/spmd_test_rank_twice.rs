// Each world size is listed once: two tests of one name would not compile.
use spmd::prelude::*;

#[spmd::test(ranks = [2, 4, 2])]
fn twice(_comm: &Comm) {}

fn main() {}
