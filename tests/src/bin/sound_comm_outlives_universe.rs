//! A communicator keeps MPI alive: `spmd::init().world()` drops the universe at the end of the
//! statement, yet ops on the communicator work and the program ends cleanly (exit 0), MPI being
//! finalised after the last communicator is dropped. Before, MPI was finalised with the
//! universe, the first op died inside the MPI library, and even a program without ops exited 1
//! (`MPI_Comm_free` after `MPI_Finalize`).
//! ranks: 1 2

use spmd::prelude::*;

fn main() {
    let comm = spmd::init().world();
    let clone = comm.clone();
    let (sum, token) = allreduce(&(comm.rank() as u64), Sum, &comm, spmd::token());
    let n = comm.size() as u64;
    assert_eq!(sum, n * (n - 1) / 2);
    drop(comm);
    // The clone still holds MPI.
    let token = barrier(&clone, token);
    drop(token);
}
