//! Integration tests of the crate, on 1 to 4 ranks, one of them over TCP.

use spmd::prelude::*;

// ANCHOR: integration_tests
/// Each rank passes its number around the ring; after `size - 1` steps every rank has seen all.
#[spmd_jit]
fn ring_sum(comm: &Comm) -> usize {
    let (from, to) = comm.shift(1);
    let mut passing = comm.rank();
    let mut sum = passing;
    for _ in 1..comm.size() {
        passing = sendrecv(&passing, &0usize, from, to, comm);
        sum += passing;
    }
    sum
}

#[spmd::test(ranks = 1..=4)]
fn ring_reaches_every_rank(comm: &Comm) {
    let n = comm.size();
    assert_eq!(ring_sum(comm), n * (n - 1) / 2);
}

#[spmd::test(ranks = 2, transport = tcp, timeout = 30)]
fn ring_over_tcp(comm: &Comm) -> Result<(), String> {
    match ring_sum(comm) {
        1 => Ok(()),
        other => Err(format!("rank {} summed {other}, not 1", comm.rank())),
    }
}
// ANCHOR_END: integration_tests
