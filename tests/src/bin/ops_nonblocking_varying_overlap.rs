//! The nonblocking v-collectives do not block at their issue. For each of `igatherv`,
//! `iallgatherv`, `iscatterv`, `ialltoallv` and their `_into` forms: rank 0 issues it, then
//! receives 1 MiB (past every eager limit) that rank 1 sends before issuing it. An op that
//! agreed or exchanged its counts at its issue would wait there for rank 1, which waits in its
//! send for rank 0's receive: a deadlock, which the timeout reports. Results are checked.
//! Then a v-collective completed by polling `test` through its stages, and one dropped
//! unwaited (its drop completes it) before a blocking collective.
//! ranks: 2 3 4
//! timeout: 60

use spmd::Request;
use spmd::prelude::*;

/// `f64`s in the message rank 1 sends rank 0 before each op: 1 MiB.
const BIG: usize = 1 << 17;

fn main() {
    let universe = spmd::init();
    let world = universe.world();
    let token = exercise(&world, spmd::token());
    drop(token);
}

/// Issues an op with `issue`, moving the big message around its issue as the module docs say,
/// then waits for it and checks its result with `check`.
fn around<'a, T>(
    comm: &'a Comm,
    round: usize,
    token: Token,
    issue: impl FnOnce(Token) -> (Request<'a, T>, Token),
    check: impl FnOnce(T),
) -> Token {
    let big = vec![round as f64; BIG];
    let token = if comm.rank() == 1 {
        send(&big, 0, comm, token)
    } else {
        token
    };
    let (request, token) = issue(token);
    let token = if comm.rank() == 0 {
        let mut got = vec![0.0; BIG];
        let (_, token) = recv_into(&mut got, 1, comm, token);
        assert!(got == big, "round {round}: the big message arrived wrong");
        token
    } else {
        token
    };
    let (result, token) = wait(request, token);
    check(result);
    token
}

fn exercise(comm: &Comm, token: Token) -> Token {
    let (rank, size) = (comm.rank(), comm.size());
    let r = rank as i64;
    // Rank r contributes r + 1 elements; rank r sends rank p (p + 1) elements of 100 r + p.
    let mine = vec![r; rank + 1];
    let counts: Vec<usize> = (1..=size).collect();
    let total: usize = counts.iter().sum();
    let blocks: Vec<i64> = (0..size as i64)
        .flat_map(|p| vec![p; p as usize + 1])
        .collect();
    let to_each: Vec<i64> = (0..size as i64)
        .flat_map(|p| vec![100 * r + p; p as usize + 1])
        .collect();
    let from_each: Vec<usize> = vec![rank + 1; size];
    let expect_from = |p: usize| vec![100 * p as i64 + r; rank + 1];
    let at_root = rank == 0;

    let token = around(
        comm,
        0,
        token,
        |token| igatherv(&mine, 0, comm, token),
        |parts| {
            if let Some(parts) = parts {
                for p in 0..size {
                    assert_eq!(parts[p], vec![p as i64; p + 1], "igatherv block {p}");
                }
            } else {
                assert!(!at_root, "igatherv: the root got nothing");
            }
        },
    );
    let token = around(
        comm,
        1,
        token,
        |token| iallgatherv(&mine, comm, token),
        |parts| {
            for p in 0..size {
                assert_eq!(parts[p], vec![p as i64; p + 1], "iallgatherv block {p}");
            }
        },
    );
    let (root_blocks, root_counts): (&[i64], &[usize]) = if at_root {
        (&blocks, &counts)
    } else {
        (&[], &[])
    };
    let token = around(
        comm,
        2,
        token,
        |token| iscatterv(root_blocks, root_counts, 0, comm, token),
        |block| assert_eq!(block, vec![r; rank + 1], "iscatterv"),
    );
    let token = around(
        comm,
        3,
        token,
        |token| ialltoallv(&to_each, &counts, comm, token),
        |parts| {
            for p in 0..size {
                assert_eq!(parts[p], expect_from(p), "ialltoallv block {p}");
            }
        },
    );

    let token = around(
        comm,
        4,
        token,
        |token| {
            let room = if at_root { total } else { 0 };
            igatherv_into(mine.clone(), vec![0i64; room], root_counts, 0, comm, token)
        },
        |(_, gathered)| {
            if at_root {
                assert_eq!(gathered, blocks, "igatherv_into");
            }
        },
    );
    let token = around(
        comm,
        5,
        token,
        |token| iallgatherv_into(mine.clone(), vec![0i64; total], &counts, comm, token),
        |(_, gathered)| assert_eq!(gathered, blocks, "iallgatherv_into"),
    );
    let token = around(
        comm,
        6,
        token,
        |token| {
            let send = root_blocks.to_vec();
            iscatterv_into(send, root_counts, vec![0i64; rank + 1], 0, comm, token)
        },
        |(_, block)| assert_eq!(block, vec![r; rank + 1], "iscatterv_into"),
    );
    let token = around(
        comm,
        7,
        token,
        |token| {
            let room = vec![0i64; size * (rank + 1)];
            ialltoallv_into(to_each.clone(), &counts, room, &from_each, comm, token)
        },
        |(_, received)| {
            let expected: Vec<i64> = (0..size).flat_map(expect_from).collect();
            assert_eq!(received, expected, "ialltoallv_into");
        },
    );

    // Polled through its agreement, its exchange of counts and its data.
    let (mut request, mut token) = iallgatherv(&mine, comm, token);
    let parts = loop {
        let (outcome, next) = test(request, token);
        token = next;
        match outcome {
            Ok(parts) => break parts,
            Err(pending) => request = pending,
        }
    };
    for p in 0..size {
        assert_eq!(
            parts[p],
            vec![p as i64; p + 1],
            "iallgatherv polled, block {p}"
        );
    }

    // Dropped unwaited: its drop waits for it, then a blocking collective follows it.
    let (dropped, token) = ialltoallv_into(
        to_each.clone(),
        &counts,
        vec![0i64; size * (rank + 1)],
        &from_each,
        comm,
        token,
    );
    drop(dropped);
    let (sum, token) = allreduce(&1i64, Sum, comm, token);
    assert_eq!(sum, size as i64, "the allreduce after the dropped request");
    token
}
