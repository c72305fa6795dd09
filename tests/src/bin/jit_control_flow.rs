//! One chain through `if`/`else`, `match`, blocks used as values, nested op calls, `?` and early
//! `return`: every rank issues the same ops in the same order, and the sequence number counts them.
//! ranks: 1 2 3 4

use spmd::prelude::*;

#[spmd_jit]
fn branches(comm: &Comm, mode: u8) -> i64 {
    let size = comm.size() as i64;
    // The condition is the same on every rank: each rank takes the same branch.
    let x = if mode == 0 {
        allreduce(&1_i64, Sum, comm)
    } else {
        let doubled = allreduce(&2_i64, Sum, comm);
        doubled / 2 + bcast(&size, 0, comm)
    };
    let y = match mode {
        0 => allreduce(&x, Max, comm),
        1 => {
            barrier(comm);
            x + 1
        }
        _ => 0,
    };
    // A block used as a value, and a call nested in another's arguments.
    let z = {
        let inner = allreduce(&allreduce(&1_i64, Sum, comm), Min, comm);
        inner * 10
    };
    x + y + z
}

#[spmd_jit]
fn checked_sum(comm: &Comm, value: i64, limit: i64) -> Result<i64, String> {
    let sum = allreduce(&value, Sum, comm);
    if sum > limit {
        return Err(format!("{sum} is over {limit}"));
    }
    let half = halve(allreduce(&sum, Max, comm))?;
    Ok(half)
}

fn halve(x: i64) -> Result<i64, String> {
    if x % 2 == 0 {
        Ok(x / 2)
    } else {
        Err(format!("{x} is odd"))
    }
}

/// A ring: each rank sends to the next and receives from the previous, under conditions on the
/// rank (point-to-point ops may differ between ranks).
#[spmd_jit]
fn ring(comm: &Comm) -> usize {
    let rank = comm.rank();
    let size = comm.size();
    let next = (rank + 1) % size;
    let previous = (rank + size - 1) % size;
    sendrecv(&rank, &rank, Source::rank(previous), Dest::rank(next), comm)
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let size = comm.size() as i64;
    let seq = || {
        let token = spmd::token();
        token.seq()
    };

    // mode 0: x = size, y = size, z = 10 * size; 1 + 1 + 2 ops
    assert_eq!(branches(&comm, 0), size + size + 10 * size);
    assert_eq!(seq(), 4);
    // mode 1: x = size + size, y = x + 1; 2 + 1 + 2 ops
    assert_eq!(branches(&comm, 1), 2 * size + 2 * size + 1 + 10 * size);
    assert_eq!(seq(), 9);

    // 2 * size is even: both ops run and the result is `size`.
    assert_eq!(checked_sum(&comm, 2, 1000), Ok(size));
    assert_eq!(seq(), 11);
    // Early return after the first op.
    assert!(checked_sum(&comm, 2, 0).is_err());
    assert_eq!(seq(), 12);
    // `?` returns after both ops when the maximum is odd (odd sizes).
    let odd = checked_sum(&comm, 1, 1000);
    assert_eq!(odd.is_err(), size % 2 == 1);
    assert_eq!(seq(), 14);

    let rank = comm.rank();
    let size = comm.size();
    assert_eq!(ring(&comm), (rank + size - 1) % size);
    assert_eq!(seq(), 15);
}
