//! `split`: the world divided by colour into communicators whose ranks keep their order;
//! collectives, a rooted broadcast and a ring exchange on them; a split of a split; one rank per
//! communicator; explicit tokens; the settings of the parent kept (check mode, agreement).
//! Every function is checked by `#[spmd_jit]` (the pattern check follows `split`).
//! ranks: 1 2 3 4

use spmd::prelude::*;

/// Rows of two: their sum, a broadcast from the row's last rank, the left neighbour in the row,
/// and the world's total of the row sums.
#[spmd_jit]
fn rows(world: &Comm) -> (usize, usize, u64, u64, u64, u64) {
    let me = world.rank() as u64;
    let row = split(world.rank() / 2, world);
    let sum = allreduce(&me, Sum, &row);
    let last = row.size() - 1;
    let from_last = bcast(&me, last, &row);
    let (from, to) = row.shift(1);
    let left = sendrecv(&me, &0_u64, from, to, &row);
    let total = allreduce(&sum, Sum, world);
    (row.rank(), row.size(), sum, from_last, left, total)
}

/// The world in halves (by rank), each half in its even and odd ranks: the sum over the
/// quarter, then over the half.
#[spmd_jit]
fn quarters(world: &Comm) -> (u64, u64) {
    let me = world.rank() as u64;
    let half = split(world.rank() * 2 / world.size(), world);
    let quarter = split(half.rank() % 2, &half);
    let q = allreduce(&me, Sum, &quarter);
    let h = allreduce(&me, Sum, &half);
    (q, h)
}

/// Every rank its own communicator: a barrier and a reduction of one rank.
#[spmd_jit]
fn alone(world: &Comm) -> (usize, u64) {
    let mine = split(world.rank(), world);
    barrier(&mine);
    (mine.size(), allreduce(&7_u64, Sum, &mine))
}

/// The same rows with explicit tokens.
#[spmd_jit]
fn rows_explicit(world: &Comm, token: Token) -> (u64, Token) {
    let (row, token) = split(world.rank() / 2, world, token);
    let (sum, token) = allreduce(&(world.rank() as u64), Sum, &row, token);
    let token = barrier(world, token);
    (sum, token)
}

fn main() {
    let universe = spmd::init();
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());

    // The members of a row of two: the world ranks it holds, in order.
    let first = rank / 2 * 2;
    let members: Vec<u64> = (first..size.min(first + 2)).map(|r| r as u64).collect();
    let (row_rank, row_size, sum, from_last, left, total) = rows(&world);
    assert_eq!(
        (row_rank, row_size),
        (rank - first, members.len()),
        "rank {rank}"
    );
    assert_eq!(sum, members.iter().sum::<u64>(), "rank {rank}");
    assert_eq!(from_last, *members.last().unwrap(), "rank {rank}");
    let left_in_row = (row_rank + row_size - 1) % row_size;
    assert_eq!(left, members[left_in_row], "rank {rank}");
    let expected_total: u64 = (0..size)
        .map(|r| {
            let first = r / 2 * 2;
            (first..size.min(first + 2)).map(|m| m as u64).sum::<u64>()
        })
        .sum();
    assert_eq!(total, expected_total, "rank {rank}");

    let (q, h) = quarters(&world);
    let half_of = |r: usize| r * 2 / size;
    let half: Vec<usize> = (0..size).filter(|&r| half_of(r) == half_of(rank)).collect();
    let position = half.iter().position(|&r| r == rank).unwrap();
    let quarter: u64 = half
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == position % 2)
        .map(|(_, &r)| r as u64)
        .sum();
    assert_eq!(q, quarter, "rank {rank}");
    assert_eq!(
        h,
        half.iter().map(|&r| r as u64).sum::<u64>(),
        "rank {rank}"
    );

    assert_eq!(alone(&world), (1, 7), "rank {rank}");

    let (sum_explicit, token) = rows_explicit(&world, spmd::token());
    drop(token);
    assert_eq!(sum_explicit, sum, "rank {rank}");

    // The parent's settings are kept: a communicator in check mode splits into ones in check
    // mode, one without agreement into ones without.
    let checked = world.with_check(true);
    let token = spmd::token();
    let (row, token) = split(rank / 2, &checked, token);
    assert!(row.is_checked(), "rank {rank}");
    // SAFETY: every rank calls the same collectives on it, in the same order.
    let free = unsafe { world.without_agreement() };
    let (row, token) = split(rank / 2, &free, token);
    assert!(!row.agrees() && !row.is_checked(), "rank {rank}");
    let (sum_free, token) = allreduce(&(rank as u64), Sum, &row, token);
    drop(token);
    assert_eq!(sum_free, sum, "rank {rank}");
    println!("rank {rank}: split ok");
}
