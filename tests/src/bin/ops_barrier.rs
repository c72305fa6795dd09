//! `barrier`: no rank leaves it before the last one has entered. After a first barrier lines
//! the ranks up, the last rank sleeps before the second one, so every other rank must wait in
//! it; each token records one more op.
//! ranks: 1 2 3 4

use std::time::{Duration, Instant};

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
    if rank == last {
        std::thread::sleep(NAP);
    }
    let started = Instant::now();
    let token = barrier(&comm, token);
    let waited = started.elapsed();
    if rank != last {
        // Generous margin: the ranks leave the first barrier at slightly different times.
        assert!(
            waited >= NAP / 3,
            "rank {rank}: left the barrier after {waited:?}, before rank {last} entered it"
        );
    }
    // Many barriers in a row, with a reduction checking that all ranks took part.
    let mut token = token;
    for _ in 0..20 {
        token = barrier(&comm, token);
    }
    let (count, token) = allreduce(&1usize, Sum, &comm, token);
    assert_eq!(count, last + 1, "rank {rank}");
    assert_eq!(
        token.seq(),
        23,
        "rank {rank}: 22 barriers and one allreduce"
    );
    drop(token);
}
