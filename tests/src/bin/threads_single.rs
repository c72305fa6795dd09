//! `SPMD_THREADS=single` initialises MPI with `MPI_THREAD_SINGLE`, as C's `MPI_Init`: the ops
//! work, and spmd still keeps MPI on the thread that called `spmd::init` (a communicator made on
//! another thread stops the job with the error that says how to opt in to several threads).
//! ranks: 1 2 3
//! env: SPMD_THREADS=single
//! timeout: 20
//! expect-failure: on another thread than the one that called `spmd::init`
//! expect-failure: spmd::Options::from_env().threads(spmd::Threads::Multiple)

use spmd::mpi::Threading;
use spmd::mpi::topology::SimpleCommunicator;
use spmd::prelude::*;

#[spmd_jit]
fn exchange(comm: &Comm) -> (u64, u64) {
    let rank = comm.rank() as u64;
    let total = allreduce(&rank, Sum, comm);
    let (from, to) = comm.shift(1);
    let left = sendrecv(&rank, &0_u64, from, to, comm);
    (total, left)
}

fn main() {
    let universe = spmd::init();
    assert_eq!(
        spmd::mpi::environment::threading_support(),
        Threading::Single
    );
    let comm = universe.world();
    let (rank, size) = (comm.rank() as u64, comm.size() as u64);
    let (total, left) = exchange(&comm);
    assert_eq!(total, size * (size - 1) / 2);
    assert_eq!(left, (rank + size - 1) % size);
    std::thread::spawn(|| {
        let _comm = spmd::Comm::from_mpi(SimpleCommunicator::world());
    })
    .join()
    .ok();
    unreachable!("the communicator was made on another thread");
}
