//! A panic inside an implicit-mode function hands the token back: after the panic is caught, the
//! next op continues the same chain.
//! ranks: 1 2 3

use std::panic::{self, AssertUnwindSafe};

use spmd::prelude::*;

#[spmd_jit(unchecked)]
fn sum_then_fail(comm: &Comm) -> i32 {
    let sum = allreduce(&1_i32, Sum, comm);
    // Fails on every rank alike, inside the op, while the op holds the token.
    send(&sum, comm.size(), comm);
    sum
}

#[spmd_jit]
fn sum(comm: &Comm) -> i32 {
    allreduce(&1_i32, Sum, comm)
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    // This test catches the panic: a quiet hook replaces the one that aborts the job while it
    // is expected, and the default one is back for the checks.
    let abort_on_panic = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let caught = panic::catch_unwind(AssertUnwindSafe(|| sum_then_fail(&comm)));
    panic::set_hook(abort_on_panic);
    assert!(caught.is_err(), "the send to a rank past the end must fail");
    assert_eq!(sum(&comm), comm.size() as i32);
    let token = spmd::token();
    // allreduce, the failed send (its token was used), allreduce
    assert_eq!(token.seq(), 2);
}
