//! The book's "Debugging" chapter: a panic ends the whole job even inside `catch_unwind`,
//! because `spmd::init`'s panic hook runs (and calls `MPI_Abort`) before any unwinding. First,
//! a panic that every rank makes alike is caught with the hook swapped out, and the program
//! goes on; then rank 1 panics under `catch_unwind` with the hook in place, and the job ends.
//! ranks: 2 3
//! timeout: 20
//! expect-failure: recovered from the expected panic
//! expect-failure: [spmd] rank 1 of
//! expect-failure: panicked at
//! expect-failure: book_panic_under_catch_unwind.rs:
//! expect-failure: rank 1 gives up
//! expect-failure: aborting the whole job (MPI_Abort)

use std::panic::{self, AssertUnwindSafe};

use spmd::prelude::*;

#[spmd_jit]
fn count(comm: &Comm) -> usize {
    allreduce(&1_usize, Sum, comm)
}

/// The sum of every rank's input; a rank whose input is not finite panics, after one op and
/// before the next.
#[spmd_jit]
fn checked_sum(comm: &Comm, input: f64) -> f64 {
    let ranks = count(comm);
    assert!(
        input.is_finite(),
        "rank {} gives up: input {input} (of {ranks} ranks)",
        comm.rank()
    );
    allreduce(&input, Sum, comm)
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();

    // ANCHOR: swap_hook
    // Every rank fails alike, so no rank is left waiting: catching is safe. Swap spmd's hook
    // (which would end the job) for a quiet one while the panic is expected.
    let abort_on_panic = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let caught = panic::catch_unwind(AssertUnwindSafe(|| checked_sum(&comm, f64::NAN)));
    panic::set_hook(abort_on_panic);
    assert!(caught.is_err());
    // The token chain goes on: the next op is the next in every rank's chain.
    assert_eq!(count(&comm), comm.size());
    // ANCHOR_END: swap_hook
    println!("rank {}: recovered from the expected panic", comm.rank());

    // ANCHOR: catch_unwind
    // Only rank 1 fails. The hook installed by `spmd::init` prints the panic and calls
    // `MPI_Abort` before unwinding starts, so `catch_unwind` never returns on rank 1, and
    // the other ranks, which wait for rank 1 in the `allreduce`, are ended too.
    let input = if comm.rank() == 1 { f64::NAN } else { 1.0 };
    let caught = panic::catch_unwind(AssertUnwindSafe(|| checked_sum(&comm, input)));
    // ANCHOR_END: catch_unwind
    unreachable!(
        "rank {}: the job went on after a panic on rank 1 ({})",
        comm.rank(),
        if caught.is_ok() {
            "no panic here"
        } else {
            "caught"
        }
    );
}
