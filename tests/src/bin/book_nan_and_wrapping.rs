//! The book's "Reductions: NaN and overflow" chapter: what `Max` and `Min` make of a NaN on one
//! rank (whatever MPI's comparison happens to keep: some NaNs survive, some vanish), how to find
//! a NaN on any rank reliably (`LOr` of `is_nan`), and integer `Sum` and `Prod` wrapping past
//! the type's range instead of panicking as Rust's debug arithmetic would.
//! ranks: 1 2 3 4

use spmd::prelude::*;

// ANCHOR: nan
/// Element `k` is NaN on rank `k` and the rank's number on every other rank.
fn one_nan_per_rank(comm: &Comm) -> Vec<f64> {
    let rank = comm.rank();
    (0..comm.size())
        .map(|k| if k == rank { f64::NAN } else { rank as f64 })
        .collect()
}

#[spmd_jit]
fn max_and_min(comm: &Comm) -> (Vec<f64>, Vec<f64>) {
    let mine = one_nan_per_rank(comm);
    let max = allreduce(&mine, Max, comm);
    let min = allreduce(&mine, Min, comm);
    (max, min)
}
// ANCHOR_END: nan

// ANCHOR: nan_check
/// The largest value over all ranks, or NaN when any rank holds a NaN: the same answer on
/// every rank, whatever order MPI combines the ranks' values in.
#[spmd_jit]
fn max_or_nan(comm: &Comm, local: &[f64]) -> f64 {
    let local_max = local.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let max = allreduce(&local_max, Max, comm);
    let any_nan = allreduce(&local.iter().any(|x| x.is_nan()), LOr, comm);
    if any_nan { f64::NAN } else { max }
}
// ANCHOR_END: nan_check

// ANCHOR: wrapping
#[spmd_jit]
fn past_the_range(comm: &Comm) -> (i32, u8) {
    let sum = allreduce(&i32::MAX, Sum, comm);
    let product = allreduce(&200_u8, Prod, comm);
    (sum, product)
}
// ANCHOR_END: wrapping

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());

    let (max, min) = max_and_min(&comm);
    if rank == 0 {
        println!("Max: {max:?}\nMin: {min:?}");
    }
    // Each element is NaN or one of the other ranks' values: MPI compares, it never makes up a
    // number. Not always their extreme, though: a NaN met halfway through the combination can
    // drop the values combined before it (on 3 ranks, Open MPI's `Min` of [0, NaN, 2] is 2).
    for k in 0..size {
        let others: Vec<f64> = (0..size).filter(|&r| r != k).map(|r| r as f64).collect();
        for (got, op) in [(max[k], "Max"), (min[k], "Min")] {
            assert!(
                got.is_nan() || others.contains(&got),
                "rank {rank}: {op} of element {k} is {got}, neither NaN nor one of {others:?}"
            );
        }
    }
    if size == 1 {
        assert!(
            max[0].is_nan() && min[0].is_nan(),
            "alone, a NaN is the result"
        );
    } else {
        // Not NaN-propagating: with a NaN on every rank (in different places), at least one of
        // them is lost, in any order of combination, for both operators.
        assert!(
            max.iter().any(|x| !x.is_nan()),
            "rank {rank}: Max kept every NaN: {max:?}"
        );
        assert!(
            min.iter().any(|x| !x.is_nan()),
            "rank {rank}: Min kept every NaN: {min:?}"
        );
    }

    // The reliable way: a NaN on the last rank only is seen by every rank.
    let local: Vec<f64> = if rank == size - 1 {
        vec![1.0, f64::NAN]
    } else {
        vec![rank as f64, -1.0]
    };
    let got = max_or_nan(&comm, &local);
    assert!(
        got.is_nan(),
        "rank {rank}: the NaN on the last rank was lost: {got}"
    );
    let finite = max_or_nan(&comm, &[rank as f64, -1.0]);
    assert_eq!(finite, (size - 1) as f64, "rank {rank}");

    let (sum, product) = past_the_range(&comm);
    if rank == 0 {
        println!(
            "i32::MAX summed over {size} ranks: {sum}\n200_u8 multiplied over {size} ranks: {product}"
        );
    }
    assert_eq!(sum, i32::MAX.wrapping_mul(size as i32), "rank {rank}");
    assert_eq!(product, 200_u8.wrapping_pow(size as u32), "rank {rank}");
    if size == 2 {
        assert_eq!((sum, product), (-2, 64), "rank {rank}");
    }
}
