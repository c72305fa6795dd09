//! The `_into` forms of the nonblocking reduce, gather and scans (`ireduce_into`,
//! `igather_into`, `iscan_into`, `iexscan_into`) at sizes the agreement carries and sizes it
//! does not, from every root: with lent buffers, `Vec`s handed over (handed back), buffers lent
//! to a scope (written where they are), a strided array view as the result (staged), on the
//! world, on a communicator without agreement (started at the issue) and in check mode; off the
//! root the result buffer comes back as it was. Each result is compared with the blocking op's.
//! In steady state a loop of them with lent buffers allocates nothing (counted by this
//! program's allocator).
//! ranks: 1 2 3 4
//! transports: shm tcp

use spmd::ndarray::{Array2, s};
use spmd::prelude::*;
use spmd_tests::counting::Counting;

#[global_allocator]
static ALLOCATOR: Counting = Counting::new();

fn data(rank: usize, len: usize) -> Vec<i64> {
    (0..len).map(|i| (rank * 1000 + i) as i64).collect()
}

fn check(comm: &Comm, len: usize) {
    let (rank, size) = (comm.rank(), comm.size());
    let mine = data(rank, len);
    let mut token = spmd::token();
    for root in 0..size {
        let at_root = rank == root;
        let (reduced, next) = reduce(&mine[..], Sum, root, comm, token);
        let (gathered, next) = gather(&mine[..], root, comm, next);
        // Lent buffers.
        let mut into = vec![-7i64; len];
        let (request, next) = ireduce_into(&mine[..], &mut into[..], Sum, root, comm, next);
        let (((), ()), next) = wait(request, next);
        let mut all = vec![-7i64; len * size];
        let (request, next) = igather_into(&mine[..], &mut all[..], root, comm, next);
        let (((), ()), next) = wait(request, next);
        // `Vec`s handed over, the result buffer empty off the root.
        let room = vec![-7i64; if at_root { len } else { 0 }];
        let (request, next) = ireduce_into(mine.clone(), room, Sum, root, comm, next);
        let ((sent, handed), next) = wait(request, next);
        assert_eq!(sent, mine, "ireduce_into hands the send Vec back");
        let room = vec![-7i64; if at_root { len * size } else { 3 }];
        let (request, next) = igather_into(mine.clone(), room, root, comm, next);
        let ((_, handed_all), next) = wait(request, next);
        token = next;
        if at_root {
            let reduced = reduced.expect("the root's reduction");
            let gathered: Vec<i64> = gathered.expect("the root's gather");
            assert_eq!(into, reduced, "ireduce_into x{len} at root {root}");
            assert_eq!(handed, reduced, "ireduce_into of Vecs x{len}");
            assert_eq!(all, gathered, "igather_into x{len} at root {root}");
            assert_eq!(handed_all, gathered, "igather_into of Vecs x{len}");
        } else {
            assert!(
                into.iter().all(|&x| x == -7),
                "off the root, left as it was"
            );
            assert!(all.iter().all(|&x| x == -7), "off the root, left as it was");
            assert!(handed.is_empty(), "off the root, the empty Vec comes back");
            assert_eq!(
                handed_all,
                vec![-7; 3],
                "off the root, the Vec comes back as it was"
            );
        }
    }
    let (scanned, next) = scan(&mine[..], Sum, comm, token);
    let (exscanned, next) = exscan(&mine[..], Sum, comm, next);
    let mut into = vec![-7i64; len];
    let (request, next) = iscan_into(&mine[..], &mut into[..], Sum, comm, next);
    let (((), ()), next) = wait(request, next);
    assert_eq!(into, scanned, "iscan_into x{len}");
    let (request, next) = iexscan_into(mine.clone(), vec![-7i64; len], Sum, comm, next);
    let ((_, exclusive), next) = wait(request, next);
    assert_eq!(exclusive, exscanned, "iexscan_into x{len}");
    // Lent to a scope: written where they are.
    let mut scoped = vec![-7i64; len];
    let mut scoped_exclusive = vec![-7i64; len];
    let next = spmd::scope(|scope| {
        let (a, next) = iscan_into(
            scope.lend(&mine),
            scope.lend_mut(&mut scoped),
            Sum,
            comm,
            next,
        );
        let (b, next) = iexscan_into(
            scope.lend(&mine),
            scope.lend_mut(&mut scoped_exclusive),
            Sum,
            comm,
            next,
        );
        let (_, next) = wait_all((a, b), comm, next);
        next
    });
    assert_eq!(scoped, scanned, "iscan_into lent to a scope x{len}");
    assert_eq!(
        scoped_exclusive, exscanned,
        "iexscan_into lent to a scope x{len}"
    );
    // A strided column of a matrix as the result: staged, written back at completion.
    let mut matrix = Array2::<i64>::from_elem((len, 2), -7);
    let mut column = matrix.slice_mut(s![.., 1]);
    let (request, next) = iscan_into(&mine[..], &mut column, Sum, comm, next);
    let (((), ()), next) = wait(request, next);
    assert!(
        matrix.column(1).iter().eq(scanned.iter()),
        "iscan_into a strided column x{len}"
    );
    assert!(
        matrix.column(0).iter().all(|&x| x == -7),
        "the other column untouched"
    );
    drop(next);
}

/// Lent buffers in a loop: no heap allocation after the first rounds.
fn steady(comm: &Comm) {
    let mine = data(comm.rank(), 1000);
    let (mut out, mut all) = (vec![0i64; 1000], vec![0i64; 1000 * comm.size()]);
    let mut token = spmd::token();
    let mut counted = 0;
    for round in 0..40 {
        if round == 20 {
            counted = ALLOCATOR.allocations();
        }
        let (request, next) = ireduce_into(&mine[..], &mut out[..], Sum, 0, comm, token);
        let (((), ()), next) = wait(request, next);
        let (request, next) = igather_into(&mine[..], &mut all[..], 0, comm, next);
        let (((), ()), next) = wait(request, next);
        let (request, next) = iscan_into(&mine[..], &mut out[..], Sum, comm, next);
        let (((), ()), next) = wait(request, next);
        token = next;
    }
    assert_eq!(
        ALLOCATOR.allocations(),
        counted,
        "rank {}: the loop allocated in steady state",
        comm.rank()
    );
    drop(token);
}

fn main() {
    let universe = spmd::init();
    let world = universe.world();
    // SAFETY: every rank calls the same collectives in the same order with the same counts,
    // roots and operators.
    let unagreed = unsafe { world.without_agreement() };
    let checked = world.with_check(true);
    for comm in [&world, &unagreed, &checked] {
        for len in [1, 3, 1000, 1 << 16] {
            check(comm, len);
        }
    }
    steady(&world);
}
