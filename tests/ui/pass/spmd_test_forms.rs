// Every argument of `#[spmd::test]`, and the forms of the function it takes. (Outside
// `cfg(test)` the tests themselves are not compiled; tests/tests/spmd_test.rs runs them.)
use spmd::prelude::*;

#[spmd::test(ranks = [1, 2, 4], timeout = 2.5, transport = tcp)]
#[spmd_jit]
fn everything(comm: &Comm) {
    let _ = allreduce(&1u8, Sum, comm);
}

#[spmd::test(ranks = 1..3, expect = panic("no"), crate = ::spmd)]
#[ignore = "slow"]
fn returns(_comm: &Comm) -> Result<(), String> {
    Err("no".into())
}

#[spmd::test(ranks = 4, expect = panic, transport = shm, timeout = 20)]
fn plain(_comm: &Comm) {}

fn main() {}
