//! How the forms are timed: the plan of a run, the timed loop, and the medians and ratios.

use std::time::Instant;

use spmd::mpi::collective::SystemOperation;
use spmd::mpi::topology::SimpleCommunicator;
use spmd::mpi::traits::*;
use spmd::{Comm, Sum, Token, allreduce_into};
use spmd_examples::stats::median;

use crate::alloc::allocations;
use crate::ops::{Benchmarked, Bufs, Ctx, Op, Variant, jit_allreduce, verify};

/// How long to spend timing one (op, size, form), and the bounds on the repetitions.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub quick: bool,
    /// Seconds of timed calls per (op, size, form).
    pub target: f64,
    /// Seconds of timed calls per (op, size, form) from `LARGE` bytes on, where a call takes
    /// milliseconds and its time varies most.
    pub large_target: f64,
    min_reps: usize,
    max_reps: usize,
    /// The timed calls are split into this many blocks (at most), alternating the forms; from
    /// `LARGE` bytes on, every sample is a block of its own.
    blocks: usize,
}

/// Message size from which the forms alternate sample by sample.
const LARGE: usize = 1 << 20;

impl Plan {
    pub fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                quick,
                target: 0.0,
                large_target: 0.0,
                min_reps: 40,
                max_reps: 40,
                blocks: 4,
            }
        } else {
            Plan {
                quick,
                target: 0.5,
                large_target: 1.5,
                min_reps: 20,
                max_reps: 200_000,
                blocks: 10,
            }
        }
    }

    /// Message sizes in bytes: 8 B to 32 MiB in powers of 4, then 64 MiB.
    pub fn sizes(&self) -> Vec<usize> {
        if self.quick {
            vec![8, 512, 32 << 10]
        } else {
            let mut sizes: Vec<usize> = (0..12).map(|k| 8 << (2 * k)).collect();
            sizes.push(64 << 20);
            sizes
        }
    }
}
// ANCHOR: timed_block
/// Times `iters` samples of `batch` calls each after a barrier, recording seconds per call;
/// rank 0's times are what counts. Small messages are timed in batches, so that the clock's
/// own cost and granularity (tens of nanoseconds) do not swamp calls of a few hundred.
/// Returns the token and the number of heap allocations the calls made.
#[inline(never)]
fn timed_block<B: Benchmarked>(
    ctx: &Ctx,
    variant: Variant,
    bufs: &mut Bufs,
    token: Token,
    (iters, batch): (usize, usize),
    samples: &mut Vec<f64>,
) -> (Token, usize) {
    // Room for every sample, so that recording one never allocates inside the loop.
    samples.reserve(iters);
    // The `#[spmd_jit]` forms run as in a program: the thread's token is not held around them.
    let mut held = if variant.is_implicit() {
        drop(token);
        None
    } else {
        Some(token)
    };
    ctx.barrier();
    let before = allocations();
    for _ in 0..iters {
        let start = Instant::now();
        for _ in 0..batch {
            held = match held.take() {
                Some(token) => Some(B::call(ctx, variant, bufs, token)),
                None => {
                    B::call_jit(ctx, variant, bufs);
                    None
                }
            };
        }
        samples.push(start.elapsed().as_secs_f64() / batch as f64);
    }
    let made = allocations() - before;
    (held.unwrap_or_else(spmd::token), made)
}
// ANCHOR_END: timed_block

/// A small deterministic generator of permutations (xorshift64), seeded alike on every rank.
struct Shuffle(u64);

impl Shuffle {
    fn new(seed: u64) -> Shuffle {
        Shuffle(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Fisher-Yates.
    fn permute(&mut self, items: &mut [usize]) {
        for i in (1..items.len()).rev() {
            let j = (self.next() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}
/// How long `form` takes relative to `base`: the median over the blocks of the ratio of the
/// two forms' medians within each block. Interleaving makes drift hit both forms alike;
/// pairing them block by block also keeps a slow spell of the machine (other tenants, memory
/// traffic) from shifting one form's median more than the other's.
pub fn ratio(form: &Cell, base: &Cell) -> f64 {
    let ratios: Vec<f64> = form
        .blocks
        .iter()
        .zip(&base.blocks)
        .map(|(f, b)| f / b)
        .collect();
    median(&ratios).expect("every form has a block")
}

/// The result of one (op, size, form).
#[derive(Clone, Debug)]
pub struct Cell {
    pub op: Op,
    pub bytes: usize,
    pub variant: Variant,
    /// Median seconds per call (ping-pong: per one-way message, half the round trip).
    pub median: f64,
    /// The median of each block's samples, in block order: the forms of one block ran within
    /// the same fraction of a second, so their ratios block by block cancel the machine's slow
    /// spells (see [`ratio`]).
    pub blocks: Vec<f64>,
    pub reps: usize,
    /// Heap allocations per call, the larger of the two ranks.
    pub allocs_per_call: f64,
}

/// Checks every form of op `B` at `bytes`, warms up, picks the repetition count (rank 0
/// decides, every rank follows), then times every form, interleaved block by block.
pub fn measure<B: Benchmarked>(
    ctx: &Ctx,
    plan: &Plan,
    bytes: usize,
    mut token: Token,
) -> (Vec<Cell>, Token) {
    let variants = B::VARIANTS;
    let mut bufs = Bufs::new::<B>(bytes / 8, ctx.size);
    for &variant in variants {
        token = verify::<B>(ctx, variant, &mut bufs, token);
    }
    B::before_timing(&mut bufs);

    // Warm-up, which also estimates the time of one call.
    let warm = if bytes <= 64 << 10 { 50 } else { 3 };
    let mut scratch = Vec::new();
    let mut estimate: f64 = 0.0;
    for &variant in variants {
        scratch.clear();
        (token, _) = timed_block::<B>(ctx, variant, &mut bufs, token, (warm, 1), &mut scratch);
        estimate = estimate.max(median(&scratch).expect("warm-up samples"));
    }
    // Calls shorter than BATCH_TIME are timed in batches that last about that long.
    const BATCH_TIME: f64 = 5e-6;
    let batch = (BATCH_TIME / estimate.max(1e-9)).ceil().clamp(1.0, 64.0) as u64;
    let mut plan_of_rank0 = [
        if plan.quick {
            plan.min_reps as u64
        } else {
            let target = if bytes >= LARGE {
                plan.large_target
            } else {
                plan.target
            };
            ((target / (estimate.max(1e-9) * batch as f64)).ceil() as u64)
                .clamp(plan.min_reps as u64, plan.max_reps as u64)
        },
        batch,
    ];
    ctx.world()
        .process_at_rank(0)
        .broadcast_into(&mut plan_of_rank0[..]);
    let [reps, batch] = plan_of_rank0.map(|n| n as usize);
    // Large messages: the forms alternate call by call, so that the machine's state (what
    // else runs, where memory sits) changes under each form alike.
    let blocks = if bytes >= LARGE {
        reps
    } else {
        plan.blocks.min(reps)
    };
    let per_block = reps.div_ceil(blocks);

    let mut samples: Vec<Vec<f64>> = variants
        .iter()
        .map(|_| Vec::with_capacity(per_block * blocks))
        .collect();
    let mut allocs = vec![0u64; variants.len()];
    let mut order: Vec<usize> = (0..variants.len()).collect();
    let mut shuffle = Shuffle::new(bytes as u64);
    for _ in 0..blocks {
        // A fresh order every block (the same on every rank), so that neither drift nor what
        // the form before left in the caches favours one form.
        shuffle.permute(&mut order);
        for &v in &order {
            let made;
            (token, made) = timed_block::<B>(
                ctx,
                variants[v],
                &mut bufs,
                token,
                (per_block, batch),
                &mut samples[v],
            );
            allocs[v] += made as u64;
        }
    }
    let mut max_allocs = vec![0u64; variants.len()];
    ctx.world()
        .all_reduce_into(&allocs[..], &mut max_allocs[..], SystemOperation::max());

    let calls = (per_block * blocks * batch) as f64;
    let cells = variants
        .iter()
        .zip(&samples)
        .zip(&max_allocs)
        .map(|((&variant, samples), &allocs)| {
            let scale = B::TIME_SCALE;
            let blocks = samples
                .chunks(per_block)
                .map(|block| median(block).expect("a block has samples") * scale)
                .collect();
            let all = median(samples).expect("the blocks have samples");
            Cell {
                op: Op::of::<B>(),
                bytes,
                variant,
                median: all * scale,
                blocks,
                reps: samples.len(),
                allocs_per_call: allocs as f64 / calls,
            }
        })
        .collect();
    (cells, token)
}

// ANCHOR: overhead
/// The cost of spmd's own work per call, measured where MPI's is smallest: an allreduce of one
/// `f64` on a communicator of one rank (a duplicate of `MPI_COMM_SELF`), so that the rest of
/// the machine and the other rank cannot blur a difference of a few nanoseconds. Returns the
/// median over rounds of nanoseconds per call: rsmpi, spmd explicit, spmd `#[spmd_jit]`.
pub fn self_overhead(calls: usize) -> [f64; 3] {
    let own = Comm::duplicate_of(&SimpleCommunicator::self_comm());
    let a = [1.0f64];
    let mut b = [0.0f64];
    let mut rounds: [Vec<f64>; 3] = Default::default();
    for _ in 0..9 {
        let start = Instant::now();
        for _ in 0..calls {
            own.as_mpi()
                .all_reduce_into(&a[..], &mut b[..], SystemOperation::sum());
        }
        rounds[0].push(start.elapsed().as_secs_f64() * 1e9 / calls as f64);
        let mut token = spmd::token();
        let start = Instant::now();
        for _ in 0..calls {
            token = allreduce_into(&a[..], &mut b[..], Sum, &own, token);
        }
        rounds[1].push(start.elapsed().as_secs_f64() * 1e9 / calls as f64);
        drop(token);
        let start = Instant::now();
        for _ in 0..calls {
            jit_allreduce(&a, &mut b, &own);
        }
        rounds[2].push(start.elapsed().as_secs_f64() * 1e9 / calls as f64);
    }
    assert_eq!(b[0], 1.0, "a one-rank sum is the input");
    rounds.map(|r| median(&r).expect("9 rounds"))
}
// ANCHOR_END: overhead
