//! A parallel sample sort of random `u64` keys: each rank sorts its keys, the ranks agree on
//! splitters from a regular sample, and `alltoallv` sends every key to the rank whose range
//! holds it, buckets of any size. Checks that the result is globally sorted and that every key
//! was kept (count and checksum), then prints the time.
//! ranks: 1 2 3 4

use std::time::Instant;

use spmd::prelude::*;

/// A fast, reproducible stream of pseudo-random numbers (SplitMix64).
fn keys(seed: u64, count: usize) -> Vec<u64> {
    let mut state = seed;
    (0..count)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        })
        .collect()
}

// ANCHOR: sort
/// Sorts the keys of every rank together: afterwards rank `r` holds, sorted, the keys between
/// the splitters `r - 1` and `r`.
#[spmd_jit]
fn sample_sort(mut local: Vec<u64>, comm: &Comm) -> Vec<u64> {
    let size = comm.size();
    local.sort_unstable();
    // A regular sample of `size` keys per rank, gathered everywhere.
    let sample: Vec<u64> = (0..size)
        .map(|k| {
            local
                .get(k * local.len() / size)
                .copied()
                .unwrap_or(u64::MAX)
        })
        .collect();
    let mut samples = allgather(&sample, comm);
    samples.sort_unstable();
    // Every rank picks the same splitters: each `size`-th key of the sorted samples.
    let splitters: Vec<u64> = (1..size).map(|k| samples[k * size]).collect();
    // The bucket of rank `p` holds the keys from splitter `p - 1` up to splitter `p`.
    let mut counts = Vec::with_capacity(size);
    let mut start = 0;
    for &splitter in &splitters {
        let end = start + local[start..].partition_point(|&key| key < splitter);
        counts.push(end - start);
        start = end;
    }
    counts.push(local.len() - start);
    // One bucket to every rank, one bucket from every rank, of any size.
    let buckets = alltoallv(&local, &counts, comm);
    let mut mine = buckets.into_flat();
    mine.sort_unstable();
    mine
}
// ANCHOR_END: sort

/// Fails unless `sorted` (this rank's part after the sort) is sorted, follows the previous
/// rank's keys, and holds with the other ranks' parts exactly the keys of `before`.
#[spmd_jit]
fn check(before: &[u64], sorted: &[u64], comm: &Comm) {
    let rank = comm.rank();
    assert!(
        sorted.windows(2).all(|pair| pair[0] <= pair[1]),
        "rank {rank}: not sorted"
    );
    // The ends of every rank's part, in rank order, must not overlap.
    let ends = [
        sorted.first().copied().unwrap_or(u64::MAX),
        sorted.last().copied().unwrap_or(0),
        sorted.len() as u64,
    ];
    let all = allgather(&ends[..], comm);
    let mut highest = 0;
    for part in all.chunks(3) {
        if part[2] > 0 {
            assert!(
                part[0] >= highest,
                "rank {rank}: the parts overlap: {all:?}"
            );
            highest = part[1];
        }
    }
    // Every key kept: the same number of keys, and the same checksum.
    let xor = |keys: &[u64]| keys.iter().fold(0, |acc, &key| acc ^ key.rotate_left(7));
    let totals = allreduce(&[before.len() as u64, sorted.len() as u64], Sum, comm);
    let checksums = allreduce(&[xor(before), xor(sorted)], BXor, comm);
    assert_eq!(totals[0], totals[1], "rank {rank}: keys were lost or added");
    assert_eq!(checksums[0], checksums[1], "rank {rank}: keys changed");
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let per_rank: usize = std::env::args().nth(1).map_or(100_000, |arg| {
        arg.parse().expect("the number of keys per rank")
    });
    let before = keys(comm.rank() as u64 + 1, per_rank);
    let started = Instant::now();
    let sorted = sample_sort(before.clone(), &comm);
    let elapsed = started.elapsed();
    check(&before, &sorted, &comm);
    let (fewest, token) = allreduce(&sorted.len(), Min, &comm, spmd::token());
    let (most, token) = allreduce(&sorted.len(), Max, &comm, token);
    drop(token);
    if comm.rank() == 0 {
        println!(
            "sorted {} keys on {} ranks in {:.1} ms ({fewest} to {most} keys per rank)",
            per_rank * comm.size(),
            comm.size(),
            elapsed.as_secs_f64() * 1e3
        );
    }
}
