//! Every element type (i8 i16 i32 i64 isize u8 u16 u32 u64 usize f32 f64 bool Complex32
//! Complex64) through `bcast` (from the last rank), a `sendrecv` ring and `allgather`, and
//! through the reductions that apply to it: all ten operators on every integer type, `Sum`
//! `Prod` `Min` `Max` on floats, `Sum` `Prod` on complex numbers, `LAnd` `LOr` `LXor` on bool.
//! ranks: 1 2 3 4

use spmd::prelude::*;
use spmd::{Element, Token};

/// Moves values made by `value(rank, k)` through bcast, sendrecv and allgather, checking each.
fn move_values<T: Element>(comm: &Comm, value: impl Fn(usize, usize) -> T, token: Token) -> Token {
    let rank = comm.rank();
    let size = comm.size();
    let (last, left, right) = (size - 1, (rank + size - 1) % size, (rank + 1) % size);
    let mine = Array1::from_shape_fn(3, |k| value(rank, k));
    let name = T::NAME;

    let (got, token) = bcast(&mine, last, comm, token);
    assert_eq!(
        got,
        Array1::from_shape_fn(3, |k| value(last, k)),
        "rank {rank}: bcast of {name}"
    );
    let (got, status, token) = sendrecv_with_status(
        &mine,
        &mine,
        Source::rank(left),
        Dest::rank(right),
        comm,
        token,
    );
    assert_eq!(
        got,
        Array1::from_shape_fn(3, |k| value(left, k)),
        "rank {rank}: sendrecv of {name}"
    );
    assert_eq!(
        (status.source, status.count()),
        (left, 3),
        "rank {rank}: sendrecv of {name}"
    );
    let (got, token) = allgather(&[value(rank, 0)][..], comm, token);
    assert_eq!(
        got,
        (0..size).map(|p| value(p, 0)).collect::<Vec<_>>(),
        "rank {rank}: allgather of {name}"
    );
    token
}

/// All ten operators on an integer type, with results that fit in `i8` for up to 6 ranks.
macro_rules! integer_reductions {
    ($comm:expr, $token:expr, $($t:ty),*) => {{
        let comm: &Comm = $comm;
        let mut token: Token = $token;
        let (rank, n) = (comm.rank(), comm.size());
        let factorial: usize = (1..=n).product();
        $(
            let name = stringify!($t);
            let x = (rank + 1) as $t;
            let (got, t) = allreduce(&x, Sum, comm, token);
            assert_eq!(got, (n * (n + 1) / 2) as $t, "rank {rank}: Sum of {name}");
            let (got, t) = allreduce(&x, Prod, comm, t);
            assert_eq!(got, factorial as $t, "rank {rank}: Prod of {name}");
            let (got, t) = allreduce(&[x, x], Min, comm, t);
            assert_eq!(got, [1; 2], "rank {rank}: Min of {name}");
            let (got, t) = allreduce(&vec![x], Max, comm, t);
            assert_eq!(got, vec![n as $t], "rank {rank}: Max of {name}");
            let (got, t) = allreduce(&x, LAnd, comm, t);
            assert_eq!(got, 1, "rank {rank}: LAnd of {name} (all non-zero)");
            let (got, t) = allreduce(&((rank + 1 == n) as $t), LOr, comm, t);
            assert_eq!(got, 1, "rank {rank}: LOr of {name} (only the last rank non-zero)");
            let (got, t) = allreduce(&(1 as $t), LXor, comm, t);
            assert_eq!(got, (n % 2) as $t, "rank {rank}: LXor of {name}");
            let (got, t) = allreduce(&((0x7f ^ (1 << rank)) as $t), BAnd, comm, t);
            assert_eq!(got, (0x7f & !((1 << n) - 1)) as $t, "rank {rank}: BAnd of {name}");
            let (got, t) = allreduce(&((1 << rank) as $t), BOr, comm, t);
            assert_eq!(got, ((1 << n) - 1) as $t, "rank {rank}: BOr of {name}");
            // 3 << r over r in 0..n XORs to 1 + (1 << n).
            let mut bits = Array1::from_elem(2, (3 << rank) as $t);
            let t = allreduce_in_place(&mut bits, BXor, comm, t);
            assert!(bits.iter().all(|&b| b == (1 + (1 << n)) as $t), "rank {rank}: BXor of {name}: {bits}");
            token = move_values(comm, |r, k| (10 * r + k) as $t, t);
        )*
        token
    }};
}

macro_rules! float_reductions {
    ($comm:expr, $token:expr, $($t:ty),*) => {{
        let comm: &Comm = $comm;
        let mut token: Token = $token;
        let (rank, n) = (comm.rank(), comm.size());
        let factorial: usize = (1..=n).product();
        $(
            let name = stringify!($t);
            let x = Array2::from_elem((2, 2), (rank + 1) as $t * 0.5);
            let (got, t) = allreduce(&x, Sum, comm, token);
            assert!(got.iter().all(|&v| v == (n * (n + 1)) as $t / 4.0), "rank {rank}: Sum of {name}: {got}");
            let (got, t) = allreduce(&x, Prod, comm, t);
            let expected = factorial as $t / (1u32 << n) as $t;
            assert!(got.iter().all(|&v| v == expected), "rank {rank}: Prod of {name}: {got}");
            let (got, t) = allreduce(&x, Min, comm, t);
            assert!(got.iter().all(|&v| v == 0.5), "rank {rank}: Min of {name}: {got}");
            let (got, t) = allreduce(&-(rank as $t), Max, comm, t);
            assert_eq!(got, 0.0, "rank {rank}: Max of {name}");
            token = move_values(comm, |r, k| r as $t + k as $t * 0.25, t);
        )*
        token
    }};
}

macro_rules! complex_reductions {
    ($comm:expr, $token:expr, $($t:ty),*) => {{
        let comm: &Comm = $comm;
        let mut token: Token = $token;
        let (rank, n) = (comm.rank(), comm.size());
        $(
            let name = stringify!($t);
            let (got, t) = allreduce(&[<$t>::new(rank as _, 1.0)], Sum, comm, token);
            assert_eq!(got, [<$t>::new((n * (n - 1) / 2) as _, n as _)], "rank {rank}: Sum of {name}");
            // i to the n-th power: 1, i, -1, -i, ...
            let (got, t) = allreduce(&<$t>::new(0.0, 1.0), Prod, comm, t);
            let expected = [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)][n % 4];
            assert_eq!(got, <$t>::new(expected.0, expected.1), "rank {rank}: Prod of {name}");
            token = move_values(comm, |r, k| <$t>::new(r as _, -(k as f32) as _), t);
        )*
        token
    }};
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let n = comm.size();
    let token = spmd::token();

    let token = integer_reductions!(
        &comm, token, i8, i16, i32, i64, isize, u8, u16, u32, u64, usize
    );
    let token = float_reductions!(&comm, token, f32, f64);
    let token = complex_reductions!(&comm, token, Complex32, Complex64);

    // bool: LAnd is true only if every rank says so, LOr if one does, LXor counts parity.
    let (got, token) = allreduce(&(rank != 0), LAnd, &comm, token);
    assert_eq!(got, n == 1 && rank != 0, "rank {rank}: LAnd of bool");
    let (got, token) = allreduce(&[true, rank + 1 == n], LAnd, &comm, token);
    assert_eq!(got, [true, n == 1], "rank {rank}: LAnd of bool array");
    let (got, token) = allreduce(&vec![rank + 1 == n, false], LOr, &comm, token);
    assert_eq!(got, vec![true, false], "rank {rank}: LOr of bool");
    let mut parity = Array1::from_elem(3, true);
    let token = allreduce_in_place(&mut parity, LXor, &comm, token);
    assert!(
        parity.iter().all(|&p| p == (n % 2 == 1)),
        "rank {rank}: LXor of bool: {parity}"
    );
    let token = move_values(&comm, |r, k| (r + k) % 2 == 0, token);
    drop(token);
}
