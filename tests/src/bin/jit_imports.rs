//! Ops imported one by one, renamed with `as`, through a renamed crate, and a function of the
//! program's own named like an op, called through a path: in `#[spmd_jit]` bodies every import
//! is used (the file denies unused imports), renamed ops are ops, and `self::gather` is the
//! program's own function.
//! ranks: 1 2 3

#![deny(unused_imports)]

use spmd as sp;
use spmd::{Comm, Sum, allreduce, bcast as broadcast, spmd_jit};

/// Not spmd's `gather`: a local sum of squares.
fn gather(values: &[i64]) -> i64 {
    values.iter().map(|v| v * v).sum()
}

#[spmd_jit]
fn renamed(comm: &Comm) -> (i64, i64, i64, i64) {
    let rank = comm.rank() as i64;
    // An op imported by name.
    let total = allreduce(&rank, Sum, comm);
    // An op imported under another name.
    let from_root = broadcast(&(rank + 100), 0, comm);
    // An op through a renamed crate.
    sp::barrier(comm);
    let highest = sp::allreduce(&rank, sp::Max, comm);
    // The program's own function named like an op, through a path.
    let squares = self::gather(&[total, from_root]);
    (total, from_root, highest, squares)
}

/// The same in explicit mode, with the renamed op and crate.
#[spmd_jit]
fn renamed_explicit(comm: &Comm, token: sp::Token) -> (i64, sp::Token) {
    let (value, token) = broadcast(&7i64, 0, comm, token);
    let (sum, token) = sp::allreduce(&value, Sum, comm, token);
    (sum, token)
}

fn main() {
    let universe = sp::init();
    let comm = universe.world();
    let size = comm.size() as i64;
    let total = size * (size - 1) / 2;
    let (got_total, from_root, highest, squares) = renamed(&comm);
    assert_eq!(got_total, total);
    assert_eq!(from_root, 100);
    assert_eq!(highest, size - 1);
    assert_eq!(squares, total * total + 100 * 100);
    let (sum, token) = renamed_explicit(&comm, sp::token());
    assert_eq!(sum, 7 * size);
    drop(token);
}
