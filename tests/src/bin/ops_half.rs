//! The half-precision floats `f16` and `bf16` (the `half` crate): every kind of op moves them
//! (`sendrecv` ring, `bcast`, `gather`, `allgather`, `scatter`, `alltoall`, a column view), and
//! `Sum`, `Prod`, `Min`, `Max` reduce them (`allreduce`, `reduce`, `scan`, `exscan`, in place
//! and `_into`) to what the same computation in `f32`, rounded once, gives. MPI has no
//! half-precision datatype: the data travels as two-byte units and the reductions are
//! user-defined MPI operations.
//! ranks: 1 2 3 4

use spmd::half::{bf16, f16};
use spmd::prelude::*;
use spmd::{Element, Reduces, Token};

/// Both half types, converted from and to `f32` (what the test computes in).
trait Half: Element + std::fmt::Display {
    /// Stored bits of the significand.
    const FRACTION_BITS: i32;
    fn from(x: f32) -> Self;
    fn to(self) -> f32;
}

impl Half for f16 {
    const FRACTION_BITS: i32 = 10;
    fn from(x: f32) -> f16 {
        f16::from_f32(x)
    }
    fn to(self) -> f32 {
        self.to_f32()
    }
}

impl Half for bf16 {
    const FRACTION_BITS: i32 = 7;
    fn from(x: f32) -> bf16 {
        bf16::from_f32(x)
    }
    fn to(self) -> f32 {
        self.to_f32()
    }
}

/// Rank `r`'s `k`-th value: quarters, exact in both types, with sums that stay exact.
fn value(r: usize, k: usize) -> f32 {
    (r as f32 + 1.0) * 0.25 + k as f32 * 0.5 - 1.0
}

fn moves<T: Half>(comm: &Comm, token: Token) -> Token {
    let (rank, size) = (comm.rank(), comm.size());
    let name = T::NAME;
    let mine: Vec<T> = (0..4).map(|k| T::from(value(rank, k))).collect();
    let of = |r: usize| -> Vec<T> { (0..4).map(|k| T::from(value(r, k))).collect() };

    let (from, to) = comm.shift(1);
    let left = (rank + size - 1) % size;
    let (got, token) = sendrecv(&mine, &mine, from, to, comm, token);
    assert_eq!(got, of(left), "rank {rank}: sendrecv of {name}");

    let (got, token) = bcast(&mine, size - 1, comm, token);
    assert_eq!(got, of(size - 1), "rank {rank}: bcast of {name}");

    let (got, token) = gather(&mine, 0, comm, token);
    let all: Vec<T> = (0..size).flat_map(of).collect();
    assert_eq!(
        got,
        (rank == 0).then(|| all.clone()),
        "rank {rank}: gather of {name}"
    );
    let (got, token) = allgather(&mine, comm, token);
    assert_eq!(got, all, "rank {rank}: allgather of {name}");

    // Root 0 splits the gathered values: rank r gets its own back.
    let (got, token) = scatter(&all, 0, comm, token);
    assert_eq!(got, mine, "rank {rank}: scatter of {name}");
    // Block j of rank r is r * size + j; after alltoall, block j of rank r is j * size + r.
    let blocks: Vec<T> = (0..size)
        .map(|j| T::from((rank * size + j) as f32))
        .collect();
    let (got, token) = alltoall(&blocks, comm, token);
    let expected: Vec<T> = (0..size)
        .map(|j| T::from((j * size + rank) as f32))
        .collect();
    assert_eq!(got, expected, "rank {rank}: alltoall of {name}");

    // A column of a 4 x 2 array: not contiguous, staged.
    let grid = Array2::from_shape_fn((4, 2), |(i, j)| T::from(value(rank, i) + j as f32));
    let (got, token) = bcast(&grid.column(1), 0, comm, token);
    let expected: Vec<T> = (0..4).map(|i| T::from(value(0, i) + 1.0)).collect();
    assert_eq!(
        got.to_vec(),
        expected,
        "rank {rank}: bcast of a column of {name}"
    );
    token
}

fn reductions<T: Half>(comm: &Comm, token: Token) -> Token
where
    Sum: Reduces<T>,
    Prod: Reduces<T>,
    Min: Reduces<T>,
    Max: Reduces<T>,
{
    let (rank, size) = (comm.rank(), comm.size());
    let name = T::NAME;
    let k_values = 4;
    let mine: Vec<T> = (0..k_values).map(|k| T::from(value(rank, k))).collect();
    // The f32 computation over ranks `0..=upto`, rounded once to `T`.
    let expected = |upto: usize, fold: fn(f32, f32) -> f32| -> Vec<T> {
        (0..k_values)
            .map(|k| {
                let folded = (1..=upto).fold(value(0, k), |acc, r| fold(acc, value(r, k)));
                T::from(folded)
            })
            .collect()
    };
    let last = size - 1;

    let (got, token) = allreduce(&mine, Sum, comm, token);
    assert_eq!(
        got,
        expected(last, |a, b| a + b),
        "rank {rank}: Sum of {name}"
    );
    let (got, token) = allreduce(&mine, Prod, comm, token);
    assert_eq!(
        got,
        expected(last, |a, b| a * b),
        "rank {rank}: Prod of {name}"
    );
    let (got, token) = allreduce(&mine, Min, comm, token);
    assert_eq!(got, expected(last, f32::min), "rank {rank}: Min of {name}");
    let mut inout = mine.clone();
    let token = allreduce_in_place(&mut inout, Max, comm, token);
    assert_eq!(
        inout,
        expected(last, f32::max),
        "rank {rank}: Max of {name} in place"
    );
    let mut into = vec![T::from(-7.0); k_values];
    let token = allreduce_into(&mine, &mut into, Sum, comm, token);
    assert_eq!(
        into,
        expected(last, |a, b| a + b),
        "rank {rank}: Sum of {name} into"
    );

    let (got, token) = reduce(&mine, Sum, last, comm, token);
    let root_gets = (rank == last).then(|| expected(last, |a, b| a + b));
    assert_eq!(got, root_gets, "rank {rank}: reduce Sum of {name}");
    let (got, token) = scan(&mine, Sum, comm, token);
    assert_eq!(
        got,
        expected(rank, |a, b| a + b),
        "rank {rank}: scan Sum of {name}"
    );
    let (got, token) = exscan(&mine, Max, comm, token);
    let before = if rank == 0 {
        vec![T::from(f32::NEG_INFINITY); k_values]
    } else {
        expected(rank - 1, f32::max)
    };
    assert_eq!(got, before, "rank {rank}: exscan Max of {name}");

    // A sum that must round: 1 on rank 0 and one and a half units of the last place of 1 on
    // rank 1 (zeros elsewhere) is a tie between two neighbours, which goes to the even one;
    // every other partial sum is exact, so any order MPI picks gives that.
    let small = 3.0 * 2f32.powi(-(T::FRACTION_BITS + 1));
    let part = match rank {
        0 => 1.0,
        1 => small,
        _ => 0.0,
    };
    let (got, token) = allreduce(&[T::from(part)], Sum, comm, token);
    let total = if size == 1 { 1.0 } else { 1.0 + small };
    assert_eq!(got[0], T::from(total), "rank {rank}: rounded Sum of {name}");
    if size > 1 {
        assert_eq!(
            got[0].to(),
            1.0 + 2f32.powi(-(T::FRACTION_BITS - 1)),
            "rank {rank}: the tie of {name} goes to even"
        );
    }
    token
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let token = moves::<f16>(&comm, token);
    let token = moves::<bf16>(&comm, token);
    let token = reductions::<f16>(&comm, token);
    let token = reductions::<bf16>(&comm, token);
    drop(token);
}
