//! A panicking rank ends itself when the launcher does not end the job: rank 0 panics while the
//! other ranks wait in a barrier, and `MPI_Abort` is made to return never and end nothing
//! (`SPMD_TEST_ABORT_HANGS`, as Open MPI 4.1's `mpirun` sometimes behaves after an abort). The
//! panic hook reports, asks MPI to abort, and a few seconds later ends rank 0 with status 1;
//! the launcher then ends the ranks left waiting.
//! ranks: 2 4
//! env: SPMD_TEST_ABORT_HANGS=1
//! timeout: 40
//! expect-failure: [spmd] rank 0 of
//! expect-failure: panicked at tests/src/bin/watchdog_panic_abort_ignored.rs
//! expect-failure: the input file is empty
//! expect-failure: [spmd] rank 0: still running 5s after asking MPI to abort the job (the launcher did not end it): this rank ends itself with exit status 1

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    if comm.rank() == 0 {
        panic!("the input file is empty");
    }
    let token = barrier(&comm, spmd::token());
    drop(token);
    unreachable!("rank 0 never reaches the barrier");
}
