//! `barrier`: no rank leaves it before the last one has entered. The last rank sleeps before
//! the second barrier and records (on the shared clock of the local machine) when it entered;
//! every rank's exit time must come after that entry, whatever the machine's speed. Each token
//! records one more op.
//! ranks: 1 2 3 4

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use spmd::prelude::*;

const NAP: Duration = Duration::from_millis(300);

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let last = comm.size() - 1;
    let token = spmd::token();

    let token = barrier(&comm, token);
    assert_eq!(token.seq(), 1, "rank {rank}: one op done");
    let now_ns = || {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("the clock is after 1970")
            .as_nanos() as u64
    };
    let mut entered = 0u64;
    if rank == last {
        std::thread::sleep(NAP);
        entered = now_ns();
    }
    let token = barrier(&comm, token);
    let left = now_ns();
    let (entered, token) = bcast(&entered, last, &comm, token);
    assert!(
        left >= entered,
        "rank {rank}: left the barrier at {left} ns, before rank {last} entered it at {entered} ns"
    );
    // Many barriers in a row, with a reduction checking that all ranks took part.
    let mut token = token;
    for _ in 0..20 {
        token = barrier(&comm, token);
    }
    let (count, token) = allreduce(&1usize, Sum, &comm, token);
    assert_eq!(count, last + 1, "rank {rank}");
    assert_eq!(
        token.seq(),
        24,
        "rank {rank}: 22 barriers, a bcast and an allreduce"
    );
    drop(token);
}
