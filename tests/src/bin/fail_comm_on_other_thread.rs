//! MPI is initialised for the thread that called `spmd::init` (`MPI_THREAD_FUNNELED`): making a
//! communicator on another thread stops the job with an error that says how to opt in to
//! `MPI_THREAD_MULTIPLE`, instead of calling MPI from a thread it was not initialised for.
//! ranks: 1
//! timeout: 20
//! expect-failure: on another thread than the one that called `spmd::init`
//! expect-failure: fail_comm_on_other_thread.rs:
//! expect-failure: spmd::Options::from_env().threads(spmd::Threads::Multiple)

use spmd::mpi::topology::SimpleCommunicator;

fn main() {
    let _universe = spmd::init();
    std::thread::spawn(|| {
        // rsmpi's communicators are not `Send` either: a thread takes its own.
        let _comm = spmd::Comm::from_mpi(SimpleCommunicator::world());
    })
    .join()
    .ok();
    unreachable!("the communicator was made on another thread");
}
