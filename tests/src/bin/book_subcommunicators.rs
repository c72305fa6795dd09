//! The book's "Sub-communicators" chapter: the world split into rows of two ranks with rsmpi's
//! `split_by_color`, wrapped with `Comm::from_mpi`; collectives and a ring `sendrecv` on a row,
//! then on the world, in one token chain; and a communicator of the even ranks only, which the
//! odd ranks (colour `undefined`) do not join.
//! ranks: 1 2 3 4

// ANCHOR: split
use spmd::mpi::topology::{Color, Communicator};
use spmd::prelude::*;

/// Ranks per row.
const COLUMNS: usize = 2;

/// The world split into rows of `COLUMNS` ranks: world ranks 0 and 1 form row 0, 2 and 3 row
/// 1, and so on. Collective over the world: every rank calls it.
fn row_of(world: &Comm) -> Comm {
    let row = world.rank() / COLUMNS;
    let mpi = world
        .as_mpi()
        .split_by_color(Color::with_value(row as i32))
        .expect("every rank has a colour, so every rank gets a communicator");
    Comm::from_mpi(mpi)
}

/// The even ranks of the world; the odd ones pass the undefined colour and get `None`.
fn evens_of(world: &Comm) -> Option<Comm> {
    let color = if world.rank().is_multiple_of(2) {
        Color::with_value(0)
    } else {
        Color::undefined()
    };
    world.as_mpi().split_by_color(color).map(Comm::from_mpi)
}
// ANCHOR_END: split

// ANCHOR: use
#[spmd_jit]
fn row_then_world(world: &Comm, row: &Comm, evens: Option<&Comm>) -> (u64, u64, u64, u64) {
    let me = world.rank() as u64;
    // On the row: its ranks only, numbered from 0 within the row.
    let row_sum = allreduce(&me, Sum, row);
    let (from, to) = row.shift(1);
    let left = sendrecv(&me, &0_u64, from, to, row);
    // On the world: every rank, in the same token chain.
    let total = allreduce(&row_sum, Sum, world);
    // Only the members call collectives on `evens`.
    let evens_sum = match evens {
        Some(evens) => allreduce(&me, Sum, evens),
        None => 0,
    };
    (row_sum, left, total, evens_sum)
}
// ANCHOR_END: use

fn main() {
    let universe = spmd::init();
    let world = universe.world();
    let (rank, size) = (world.rank(), world.size());

    let row = row_of(&world);
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

    let (row_sum, left, total, evens_sum) = row_then_world(&world, &row, evens.as_ref());
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
