//! The watchdog ends its rank itself when the launcher does not end the job: every rank waits
//! for its right neighbour before sending, a deadlock, and `MPI_Abort` is made to return never
//! and end nothing (`SPMD_TEST_ABORT_HANGS`, as Open MPI 4.1's `mpirun` sometimes behaves after
//! an abort). Each rank's watchdog reports, asks MPI to abort, and a few seconds later ends its
//! own process with a non-zero status, so the job ends within the time bound.
//! ranks: 2 4
//! env: SPMD_TIMEOUT=2
//! env: SPMD_TEST_ABORT_HANGS=1
//! timeout: 40
//! expect-failure: [spmd] watchdog:
//! expect-failure: in `recv` source=
//! expect-failure: still running 5s after asking MPI to abort the job (the launcher did not end it): this rank ends itself with exit status 3

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let right = (comm.rank() + 1) % comm.size();
    let left = (comm.rank() + comm.size() - 1) % comm.size();
    let token = barrier(&comm, spmd::token());
    let (got, token) = recv(&[0u64; 2], right, &comm, token);
    let token = send(&got, left, &comm, token);
    drop(token);
    unreachable!("every rank waits for its right neighbour forever");
}
