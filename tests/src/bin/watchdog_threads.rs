//! The watchdog tracks every thread's blocked op: the main thread deadlocks (both ranks receive
//! first) while a second thread keeps doing ops on its own communicator. The report names the
//! main thread's op; before, the second thread's ops overwrote the one per-process record and
//! the deadlock went unreported.
//! ranks: 2
//! env: SPMD_TIMEOUT=2
//! env: SPMD_THREADS=multiple
//! timeout: 30
//! expect-failure: [spmd] watchdog: rank 0 of 2 blocked for
//! expect-failure: in `recv` source=1 at tests/src/bin/watchdog_threads.rs
//! expect-failure: on thread main

use std::time::{Duration, Instant};

use spmd::mpi::topology::{Communicator, SimpleCommunicator};
use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let other = 1 - comm.rank();
    let busy = std::thread::Builder::new()
        .name("busy".into())
        .spawn(|| {
            let comm = Comm::from_mpi(SimpleCommunicator::world().duplicate());
            let start = Instant::now();
            let mut token = spmd::token();
            // Far longer than the timeout: each barrier enters and leaves the watchdog.
            while start.elapsed() < Duration::from_secs(20) {
                token = barrier(&comm, token);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
        .expect("a thread");
    let (got, token) = recv(&[0.0f64; 4], other, &comm, spmd::token());
    let token = send(&got, other, &comm, token);
    drop(token);
    busy.join().ok();
    unreachable!("both ranks wait for each other forever");
}
