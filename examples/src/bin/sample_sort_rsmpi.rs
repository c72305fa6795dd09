//! The sample sort of `sample_sort.rs` written against rsmpi directly, as a program without
//! spmd writes it: the count exchange and the displacements by hand before
//! `all_to_all_varcount_into`. For comparison (lines, time); checks its result the same way.
//! ranks: 1 2 3 4

use std::time::Instant;

use spmd::mpi::collective::SystemOperation;
use spmd::mpi::datatype::{Partition, PartitionMut};
use spmd::mpi::topology::SimpleCommunicator;
use spmd::mpi::traits::*;

/// The keys of `sample_sort.rs`: SplitMix64 from `seed`.
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
fn sample_sort(mut local: Vec<u64>, world: &SimpleCommunicator) -> Vec<u64> {
    let size = world.size() as usize;
    local.sort_unstable();
    let sample: Vec<u64> = (0..size)
        .map(|k| {
            local
                .get(k * local.len() / size)
                .copied()
                .unwrap_or(u64::MAX)
        })
        .collect();
    let mut samples = vec![0u64; size * size];
    world.all_gather_into(&sample[..], &mut samples[..]);
    samples.sort_unstable();
    let splitters: Vec<u64> = (1..size).map(|k| samples[k * size]).collect();
    let mut send_counts: Vec<i32> = Vec::with_capacity(size);
    let mut start = 0;
    for &splitter in &splitters {
        let end = start + local[start..].partition_point(|&key| key < splitter);
        send_counts.push((end - start) as i32);
        start = end;
    }
    send_counts.push((local.len() - start) as i32);
    // The count exchange and the displacements, by hand.
    let mut recv_counts = vec![0i32; size];
    world.all_to_all_into(&send_counts[..], &mut recv_counts[..]);
    let displacements = |counts: &[i32]| -> Vec<i32> {
        counts
            .iter()
            .scan(0, |at, &count| {
                let start = *at;
                *at += count;
                Some(start)
            })
            .collect()
    };
    let send_displs = displacements(&send_counts);
    let recv_displs = displacements(&recv_counts);
    let total: i32 = recv_counts.iter().sum();
    let mut mine = vec![0u64; total as usize];
    let send = Partition::new(&local[..], &send_counts[..], &send_displs[..]);
    let mut recv = PartitionMut::new(&mut mine[..], &recv_counts[..], &recv_displs[..]);
    world.all_to_all_varcount_into(&send, &mut recv);
    mine.sort_unstable();
    mine
}
// ANCHOR_END: sort

fn main() {
    let universe = spmd::mpi::initialize().expect("MPI initialises once");
    let world = universe.world();
    let rank = world.rank() as usize;
    let per_rank: usize = std::env::args().nth(1).map_or(100_000, |arg| {
        arg.parse().expect("the number of keys per rank")
    });
    let before = keys(rank as u64 + 1, per_rank);
    let started = Instant::now();
    let sorted = sample_sort(before.clone(), &world);
    let elapsed = started.elapsed();
    assert!(sorted.windows(2).all(|pair| pair[0] <= pair[1]));
    let xor = |keys: &[u64]| keys.iter().fold(0, |acc, &key| acc ^ key.rotate_left(7));
    let mine = [xor(&before), xor(&sorted)];
    let mut both = [0u64; 2];
    world.all_reduce_into(&mine[..], &mut both[..], SystemOperation::bitwise_xor());
    assert_eq!(both[0], both[1], "rank {rank}: keys changed");
    let counts = [before.len() as u64, sorted.len() as u64];
    let mut totals = [0u64; 2];
    world.all_reduce_into(&counts[..], &mut totals[..], SystemOperation::sum());
    assert_eq!(totals[0], totals[1], "rank {rank}: keys were lost or added");
    if rank == 0 {
        println!(
            "sorted {} keys on {} ranks in {:.1} ms (rsmpi)",
            per_rank * world.size() as usize,
            world.size(),
            elapsed.as_secs_f64() * 1e3
        );
    }
}
