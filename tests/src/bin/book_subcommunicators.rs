//! The book's "Sub-communicators" chapter: the world split into rows of two ranks with
//! `split`, inside a `#[spmd_jit]` function whose check follows the rows; collectives and a ring
//! `sendrecv` on a row, then on the world, in one token chain; and a communicator of the even
//! ranks only, made with rsmpi's `split_by_color` (the odd ranks pass the colour `undefined`)
//! and wrapped with `Comm::from_mpi`.
//! ranks: 1 2 3 4

// ANCHOR: split
use spmd::mpi::topology::{Color, Communicator};
use spmd::prelude::*;

/// Ranks per row.
const COLUMNS: usize = 2;

/// Sums on a row of `COLUMNS` ranks (world ranks 0 and 1 form row 0, 2 and 3 row 1, and so
/// on), then on the world: the row's sum, the left neighbour in the row, the world's total.
#[spmd_jit]
fn rows(world: &Comm) -> (Comm, u64, u64, u64) {
    let me = world.rank() as u64;
    // Collective over the world: every rank calls it, with its row as colour.
    let row = split(world.rank() / COLUMNS, world);
    // On the row: its ranks only, numbered from 0 within the row.
    let row_sum = allreduce(&me, Sum, &row);
    let (from, to) = row.shift(1);
    let left = sendrecv(&me, &0_u64, from, to, &row);
    // On the world: every rank, in the same token chain.
    let total = allreduce(&row_sum, Sum, world);
    (row, row_sum, left, total)
}
// ANCHOR_END: split

// ANCHOR: rsmpi
/// The even ranks of the world; the odd ones pass the undefined colour and get `None`.
fn evens_of(world: &Comm) -> Option<Comm> {
    let color = if world.rank().is_multiple_of(2) {
        Color::with_value(0)
    } else {
        Color::undefined()
    };
    world.as_mpi().split_by_color(color).map(Comm::from_mpi)
}
// ANCHOR_END: rsmpi

// ANCHOR: use
#[spmd_jit]
fn evens_sum(world: &Comm, evens: Option<&Comm>) -> u64 {
    let me = world.rank() as u64;
    // Only the members call collectives on `evens`.
    match evens {
        Some(evens) => allreduce(&me, Sum, evens),
        None => 0,
    }
}
// ANCHOR_END: use

fn main() {
    let universe = spmd::init();
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());

    let (row, row_sum, left, total) = rows(&world);
    let evens = evens_of(&world);
    let first = rank / COLUMNS * COLUMNS;
    let members: Vec<u64> = (first..size.min(first + COLUMNS))
        .map(|r| r as u64)
        .collect();
    assert_eq!(row.size(), members.len(), "rank {rank}");
    assert_eq!(
        row.rank(),
        rank - first,
        "rank {rank}: ranks keep their order"
    );
    assert_eq!(evens.is_some(), rank.is_multiple_of(2), "rank {rank}");

    let evens_sum = evens_sum(&world, evens.as_ref());
    println!(
        "world rank {rank}: row {}, row rank {}, row sum {row_sum}, left neighbour {left}, total {total}, evens {evens_sum}",
        rank / COLUMNS,
        row.rank()
    );
    assert_eq!(row_sum, members.iter().sum::<u64>(), "rank {rank}");
    let left_in_row = (row.rank() + row.size() - 1) % row.size();
    assert_eq!(left, members[left_in_row], "rank {rank}");
    // Each rank adds its row's sum: every rank counted once per member of its row.
    let expected_total: u64 = (0..size as u64)
        .map(|r| {
            let first = r as usize / COLUMNS * COLUMNS;
            (first..size.min(first + COLUMNS))
                .map(|m| m as u64)
                .sum::<u64>()
        })
        .sum();
    assert_eq!(total, expected_total, "rank {rank}");
    let expected_evens = if rank.is_multiple_of(2) {
        (0..size as u64).step_by(2).sum()
    } else {
        0
    };
    assert_eq!(evens_sum, expected_evens, "rank {rank}");
}
