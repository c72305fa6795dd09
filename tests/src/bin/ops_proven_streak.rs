//! Agreements skipped by proven runs of equal collectives: in a `#[spmd_jit]` function the
//! pattern check proved for the world's size, a loop of allreduces, allgathers or alltoalls of
//! a length fixed by type (an element, `[T; N]`) or of barriers agrees once, at its first op, and its other ops move
//! their data with no agreement; the results are the same as agreed ones. Every other case
//! agrees at every op: a buffer whose length is not in its type, a size the proof does not
//! name, a function the check does not prove, ops of another signature in between (the
//! streak ends and opens again), an agreed collective in between (the streak ends, though
//! its signature comes back), a nonblocking collective in between, check mode, and calls
//! with explicit tokens. Counted with the thread's count of agreements.
//! ranks: 1 2 3 4
//! transports: shm tcp

use spmd::prelude::*;

const ROUNDS: usize = 40;

/// The agreements the closure made.
fn agreements(run: impl FnOnce()) -> u64 {
    let before = spmd::__private::agreements();
    run();
    spmd::__private::agreements() - before
}

#[spmd_jit]
fn scalar_sums(comm: &Comm) -> f64 {
    let mut total = 0.0;
    for round in 0..40 {
        let mine = (comm.rank() + round) as f64;
        total += allreduce(&mine, Sum, comm);
    }
    total
}

#[spmd_jit]
fn array_sums_into(comm: &Comm) -> [i64; 3] {
    let mut acc = [0i64; 3];
    for round in 0..40 {
        let mine = [comm.rank() as i64, round as i64, 1];
        let mut out = [0i64; 3];
        allreduce_into(&mine, &mut out, Sum, comm);
        for (a, o) in acc.iter_mut().zip(out) {
            *a += o;
        }
    }
    acc
}

#[spmd_jit]
fn in_place_maxima(comm: &Comm) -> [f32; 2] {
    let mut value = [0.0f32; 2];
    for round in 0..40 {
        let mut mine = [(comm.rank() * round) as f32, -(round as f32)];
        allreduce_in_place(&mut mine, Max, comm);
        value = mine;
    }
    value
}

#[spmd_jit]
fn barriers(comm: &Comm) {
    for _ in 0..40 {
        barrier(comm);
    }
}

#[spmd_jit]
fn gathers(comm: &Comm) -> Vec<[u32; 2]> {
    let mut last = Vec::new();
    for round in 0..40 {
        last = allgather(&[comm.rank() as u32, round], comm);
    }
    last
}

#[spmd_jit]
fn exchanges(comm: &Comm) -> [i32; 12] {
    let mut out = [0i32; 12];
    for round in 0..40 {
        let mine: [i32; 12] = std::array::from_fn(|i| (comm.rank() * 100 + i) as i32 + round);
        alltoall_into(&mine, &mut out, comm);
    }
    out
}

#[spmd_jit]
fn vec_sums(comm: &Comm) -> f64 {
    let mut total = 0.0;
    let mine: Vec<f64> = std::iter::repeat_n(1.0, 2).collect();
    for _ in 0..40 {
        total += allreduce(&mine[..], Sum, comm)[0];
    }
    total
}

#[spmd_jit(sizes = [2])]
fn only_two(comm: &Comm) -> f64 {
    let mut total = 0.0;
    for _ in 0..40 {
        total += allreduce(&1.0f64, Sum, comm);
    }
    total
}

#[spmd_jit]
fn alternating(comm: &Comm) -> (f64, f64) {
    let (mut sums, mut maxima) = (0.0, 0.0);
    for _ in 0..20 {
        sums += allreduce(&1.0f64, Sum, comm);
        maxima += allreduce(&(comm.rank() as f64), Max, comm);
    }
    (sums, maxima)
}

#[spmd_jit]
fn interrupted(comm: &Comm) -> f64 {
    let mut total = 0.0;
    let slice: Vec<f64> = std::iter::repeat_n(1.0, 1).collect();
    for _ in 0..20 {
        total += allreduce(&1.0f64, Sum, comm);
        total += allreduce(&slice[..], Sum, comm)[0];
    }
    total
}

#[spmd_jit]
fn with_nonblocking(comm: &Comm) -> f64 {
    let mut total = 0.0;
    for _ in 0..20 {
        total += allreduce(&1.0f64, Sum, comm);
        let request = iallreduce(&[2.0f64], Sum, comm);
        total += wait(request)[0];
    }
    total
}

#[spmd_jit(unchecked)]
fn unproven(comm: &Comm) -> f64 {
    let mut total = 0.0;
    for _ in 0..40 {
        total += allreduce(&1.0f64, Sum, comm);
    }
    total
}

fn explicit(comm: &Comm) -> f64 {
    let mut token = spmd::token();
    let mut total = 0.0;
    for _ in 0..40 {
        let (sum, next) = allreduce(&1.0f64, Sum, comm, token);
        total += sum;
        token = next;
    }
    drop(token);
    total
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());
    let n = size as f64;
    // One rank agrees with itself: no agreement at all.
    let once = u64::from(size > 1);
    let every = |ops: u64| if size > 1 { ops } else { 0 };

    let mut total = 0.0;
    let made = agreements(|| total = scalar_sums(&comm));
    let expected: f64 = (0..ROUNDS)
        .map(|round| (0..size).map(|r| (r + round) as f64).sum::<f64>())
        .sum();
    assert_eq!(total, expected, "rank {rank}: scalar sums");
    assert_eq!(
        made, once,
        "rank {rank}: a proven loop of scalar allreduces agrees once"
    );

    // Again: the streak of the last call ended with it (its first op agrees again).
    let made = agreements(|| total = scalar_sums(&comm));
    assert_eq!(total, expected, "rank {rank}: scalar sums again");
    assert_eq!(made, once, "rank {rank}: the second call agrees once too");

    let mut acc = [0i64; 3];
    let made = agreements(|| acc = array_sums_into(&comm));
    let rounds = ROUNDS as i64;
    let ranks: i64 = (0..size as i64).sum();
    let expected = [
        ranks * rounds,
        (0..rounds).sum::<i64>() * size as i64,
        rounds * size as i64,
    ];
    assert_eq!(acc, expected, "rank {rank}: array sums");
    assert_eq!(made, once, "rank {rank}: arrays are fixed by type");

    let mut maxima = [0.0f32; 2];
    let made = agreements(|| maxima = in_place_maxima(&comm));
    let last = (ROUNDS - 1) as f32;
    assert_eq!(
        maxima,
        [((size - 1) * (ROUNDS - 1)) as f32, -last],
        "rank {rank}: in-place maxima"
    );
    assert_eq!(made, once, "rank {rank}: in place");

    let made = agreements(|| barriers(&comm));
    assert_eq!(
        made, once,
        "rank {rank}: a proven loop of barriers agrees once"
    );

    let mut gathered = Vec::new();
    let made = agreements(|| gathered = gathers(&comm));
    let expected: Vec<[u32; 2]> = (0..size).map(|r| [r as u32, 39]).collect();
    assert_eq!(gathered, expected, "rank {rank}: allgather of arrays");
    assert_eq!(
        made, once,
        "rank {rank}: a proven loop of allgathers agrees once"
    );

    let mut exchanged = [0i32; 12];
    let made = agreements(|| exchanged = exchanges(&comm));
    let block = 12 / size;
    let expected: [i32; 12] = std::array::from_fn(|i| {
        let (from, at) = (i / block, i % block);
        (from * 100 + rank * block + at) as i32 + 39
    });
    assert_eq!(exchanged, expected, "rank {rank}: alltoall_into of arrays");
    assert_eq!(
        made, once,
        "rank {rank}: a proven loop of alltoalls agrees once"
    );

    let made = agreements(|| total = vec_sums(&comm));
    assert_eq!(total, ROUNDS as f64 * n, "rank {rank}: vec sums");
    assert_eq!(
        made,
        every(ROUNDS as u64),
        "rank {rank}: a slice's length is not in its type: every op agrees"
    );

    let made = agreements(|| total = only_two(&comm));
    assert_eq!(total, ROUNDS as f64 * n, "rank {rank}: only two");
    let expected = if size == 2 { 1 } else { every(ROUNDS as u64) };
    assert_eq!(made, expected, "rank {rank}: a proof for 2 ranks only");

    let mut pair = (0.0, 0.0);
    let made = agreements(|| pair = alternating(&comm));
    assert_eq!(
        pair,
        (20.0 * n, 20.0 * (n - 1.0)),
        "rank {rank}: alternating"
    );
    assert_eq!(
        made,
        every(ROUNDS as u64),
        "rank {rank}: ops of two signatures in turn: every op agrees"
    );

    let made = agreements(|| total = interrupted(&comm));
    assert_eq!(total, 40.0 * n, "rank {rank}: interrupted");
    assert_eq!(
        made,
        every(ROUNDS as u64),
        "rank {rank}: an agreed collective in between ends the streak, though the same \
         signature comes back after it"
    );

    let made = agreements(|| total = with_nonblocking(&comm));
    assert_eq!(total, 20.0 * 3.0 * n, "rank {rank}: with nonblocking");
    assert_eq!(
        made,
        every(ROUNDS as u64),
        "rank {rank}: a nonblocking collective ends the streak"
    );

    let made = agreements(|| total = unproven(&comm));
    assert_eq!(total, ROUNDS as f64 * n, "rank {rank}: unproven");
    assert_eq!(
        made,
        every(ROUNDS as u64),
        "rank {rank}: `unchecked` proves nothing"
    );

    let made = agreements(|| total = explicit(&comm));
    assert_eq!(total, ROUNDS as f64 * n, "rank {rank}: explicit");
    assert_eq!(
        made,
        every(ROUNDS as u64),
        "rank {rank}: plain code proves nothing"
    );

    // Check mode has its own agreement, at every op, which this count does not see; the
    // results are the same.
    let checked = comm.with_check(true);
    let made = agreements(|| total = scalar_sums(&checked));
    assert_eq!(made, 0, "rank {rank}: check mode agrees its own way");
    let expected: f64 = (0..ROUNDS)
        .map(|round| (0..size).map(|r| (r + round) as f64).sum::<f64>())
        .sum();
    assert_eq!(total, expected, "rank {rank}: scalar sums in check mode");
    drop(checked);

    // After all this, an ordinary collective still agrees and matches.
    let count = spmd::allreduce(&1usize, Sum, &comm, spmd::token()).0;
    assert_eq!(count, size, "rank {rank}");
}
