//! Particle migration: particles (position, velocity, mass, id) move through a periodic box
//! split into one slab of `x` per rank; after every step each rank sends the particles that
//! left its slab to the rank that owns them, all at once with `alltoallv` of a derived struct.
//! Checks after every step that each rank holds only its own particles, and at the end that no
//! particle was lost, duplicated or changed (count, sum of ids, sum of masses), then prints how
//! many particles migrated.
//! ranks: 1 2 3 4

use spmd::prelude::*;

// ANCHOR: particle
/// One particle: 48 bytes that travel as one element.
#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Particle {
    position: [f64; 2],
    velocity: [f64; 2],
    mass: f64,
    id: u64,
}
// ANCHOR_END: particle

/// The box is `[0, 1)` in both directions, periodic; rank `r` owns `x` in `[r, r + 1) / size`.
fn owner(x: f64, size: usize) -> usize {
    ((x * size as f64) as usize).min(size - 1)
}

/// A reproducible pseudo-random number in `[0, 1)` from `seed` (SplitMix64).
fn uniform(seed: u64) -> f64 {
    let mut z = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    (z ^ (z >> 31)) as f64 / 2f64.powi(64)
}

/// `count` particles in the slab of `rank`, with ids `rank * count ..`.
fn particles(rank: usize, size: usize, count: usize) -> Vec<Particle> {
    (0..count)
        .map(|k| {
            let id = (rank * count + k) as u64;
            let r = |salt: u64| uniform(4 * id + salt);
            Particle {
                position: [(rank as f64 + r(0)) / size as f64, r(1)],
                velocity: [0.2 * (r(2) - 0.5), 0.2 * (r(3) - 0.5)],
                mass: 1.0 + (id % 5) as f64,
                id,
            }
        })
        .collect()
}

// ANCHOR: migrate
/// Moves every particle by `dt`, then sends the ones that left this rank's slab to their new
/// owners: one bucket per rank, of any size, and one bucket back from every rank. Returns the
/// particles this rank owns now and how many it sent away.
#[spmd_jit]
fn step(mut local: Vec<Particle>, dt: f64, comm: &Comm) -> (Vec<Particle>, usize) {
    let size = comm.size();
    for p in &mut local {
        for axis in 0..2 {
            p.position[axis] = (p.position[axis] + dt * p.velocity[axis]).rem_euclid(1.0);
        }
    }
    // Bucket by owner: a stable sort keeps each bucket in its old order.
    local.sort_by_key(|p| owner(p.position[0], size));
    let mut counts = vec![0; size];
    for p in &local {
        counts[owner(p.position[0], size)] += 1;
    }
    let leaving = local.len() - counts[comm.rank()];
    let arrived = alltoallv(&local, &counts, comm);
    (arrived.into_flat(), leaving)
}
// ANCHOR_END: migrate

/// Count, sum of ids and sum of masses over every rank.
#[spmd_jit]
fn totals(local: &[Particle], comm: &Comm) -> (u64, u64, f64) {
    let ids: u64 = local.iter().map(|p| p.id).sum();
    let counts = allreduce(&[local.len() as u64, ids], Sum, comm);
    let mass = allreduce(&local.iter().map(|p| p.mass).sum::<f64>(), Sum, comm);
    (counts[0], counts[1], mass)
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());
    let per_rank = 2000;
    let steps = 50;
    let mut local = particles(rank, size, per_rank);
    let before = totals(&local, &comm);
    let mut migrated = 0;
    for _ in 0..steps {
        let (now, leaving) = step(local, 0.05, &comm);
        local = now;
        migrated += leaving;
        assert!(
            local.iter().all(|p| owner(p.position[0], size) == rank),
            "rank {rank}: holds a particle of another rank"
        );
    }
    let after = totals(&local, &comm);
    let n = (per_rank * size) as u64;
    assert_eq!(before.0, n);
    assert_eq!(after.0, before.0, "particles were lost or duplicated");
    assert_eq!(after.1, n * (n - 1) / 2, "ids changed");
    assert!(
        (after.2 - before.2).abs() <= 1e-9 * before.2,
        "masses changed: {} before, {} after",
        before.2,
        after.2
    );
    let (migrated, token) = allreduce(&(migrated as u64), Sum, &comm, spmd::token());
    drop(token);
    if rank == 0 {
        println!("{n} particles on {size} ranks, {steps} steps: {migrated} migrations, none lost");
    }
}
