//! Nonblocking ops on buffers lent to a scope (`spmd::scope`): MPI works in the lent buffers
//! themselves (the slices handed back at the wait are the lent ones, same address), values
//! right for `irecv_into` + `isend`, `isendrecv_into` and every `_into` collective, on the
//! default communicator (receives matched by spmd), on an unguarded one and in check mode,
//! explicit and implicit tokens; a request dropped in the scope completes there, a forgotten
//! one completes at the scope's end (its buffer then holds the message); a loop of scopes
//! makes no heap allocation after its first rounds.
//! ranks: 1 2 3 4

use spmd::Settle;
use spmd::prelude::*;
use spmd_tests::counting::Counting;

#[global_allocator]
static ALLOCATOR: Counting = Counting::new();

fn allocations() -> usize {
    ALLOCATOR.allocations()
}

/// One exchange around the ring in a scope, explicit tokens: the slices come back.
fn ring(send: &[f64], recv: &mut [f64], comm: &Comm, token: Token) -> Token {
    let (from, to) = comm.shift(1);
    let (send_at, recv_at) = (send.as_ptr(), recv.as_ptr());
    spmd::scope(|scope| {
        let (received, token) = irecv_into(scope.lend_mut(recv), from, comm, token);
        let (sent, token) = isend(scope.lend(send), to, comm, token);
        let (((recv, status), send), token) = wait_all((received, sent), comm, token);
        assert_eq!(status.count(), recv.len());
        assert_eq!(
            recv.as_ptr(),
            recv_at,
            "received into the lent buffer itself"
        );
        assert_eq!(send.as_ptr(), send_at, "the sent slice is handed back");
        token
    })
}

/// The same with implicit tokens in a `#[spmd_jit]` function.
#[spmd_jit]
fn ring_jit(send: &[f64], recv: &mut [f64], comm: &Comm) {
    let (from, to) = comm.shift(1);
    spmd::scope(|scope| {
        let received = irecv_into(scope.lend_mut(recv), from, comm);
        let sent = isend(scope.lend(send), to, comm);
        let ((recv, status), _) = wait_all((received, sent), comm);
        assert_eq!(status.count(), recv.len());
    });
}

/// `isendrecv_into` and the `_into` collectives on lent buffers.
#[spmd_jit]
fn into_forms(send: &[f64], recv: &mut [f64], gathered: &mut [f64], comm: &Comm) {
    let (from, to) = comm.shift(1);
    let size = comm.size();
    spmd::scope(|scope| {
        let (_, (recv, status)) = wait(isendrecv_into(
            scope.lend(send),
            scope.lend_mut(recv),
            from,
            to,
            comm,
        ));
        assert_eq!(status.count(), recv.len());
        let left = (comm.rank() + size - 1) % size;
        assert!(recv.iter().all(|&x| x == left as f64), "isendrecv_into");
        let (_, gathered) = wait(iallgather_into(
            scope.lend(&send[..1]),
            scope.lend_mut(gathered),
            comm,
        ));
        assert!(
            gathered.iter().enumerate().all(|(r, &x)| x == r as f64),
            "iallgather_into"
        );
        let (_, recv) = wait(iallreduce_into(
            scope.lend(send),
            scope.lend_mut(recv),
            Sum,
            comm,
        ));
        let sum = (size * (size - 1) / 2) as f64;
        assert!(recv.iter().all(|&x| x == sum), "iallreduce_into");
    });
}

/// `ialltoall_into` on lent buffers: block `r` of `send` goes to rank `r`.
#[spmd_jit]
fn all_to_all(send: &[i32], recv: &mut [i32], comm: &Comm) {
    spmd::scope(|scope| {
        wait(ialltoall_into(scope.lend(send), scope.lend_mut(recv), comm));
    });
}

/// The other `_into` collectives on lent buffers, each rank's data its rank (as `i64`), blocks
/// of `n`: reduce-scatter, scatter, the v-collectives (every count `n`).
#[spmd_jit]
fn more_into_forms(n: usize, comm: &Comm) {
    let (rank, size) = (comm.rank(), comm.size());
    let mine = vec![rank as i64; n * size];
    let counts = vec![n; size];
    let mut block = vec![-1i64; n];
    let mut all = vec![-1i64; n * size];
    spmd::scope(|scope| {
        let (_, block) = wait(ireduce_scatter_into(
            scope.lend(&mine),
            scope.lend_mut(&mut block),
            &counts,
            Sum,
            comm,
        ));
        let sum = (size * (size - 1) / 2) as i64;
        assert!(block.iter().all(|&x| x == sum), "ireduce_scatter_into");
        let (_, block) = wait(iscatter_into(
            scope.lend(&mine),
            scope.lend_mut(block),
            0,
            comm,
        ));
        assert!(block.iter().all(|&x| x == 0), "iscatter_into");
        let (_, all) = wait(iallgatherv_into(
            scope.lend(&mine[..n]),
            scope.lend_mut(&mut all),
            &counts,
            comm,
        ));
        assert!(
            all.iter().enumerate().all(|(i, &x)| x == (i / n) as i64),
            "iallgatherv_into"
        );
        let (_, all) = wait(igatherv_into(
            scope.lend(&mine[..n]),
            scope.lend_mut(all),
            &counts,
            0,
            comm,
        ));
        if rank == 0 {
            assert!(
                all.iter().enumerate().all(|(i, &x)| x == (i / n) as i64),
                "igatherv_into"
            );
        }
        let (_, block) = wait(iscatterv_into(
            scope.lend(&mine),
            &counts,
            scope.lend_mut(block),
            0,
            comm,
        ));
        assert!(block.iter().all(|&x| x == 0), "iscatterv_into");
        let (_, all) = wait(ialltoallv_into(
            scope.lend(&mine),
            &counts,
            scope.lend_mut(all),
            &counts,
            comm,
        ));
        assert!(
            all.iter().enumerate().all(|(i, &x)| x == (i / n) as i64),
            "ialltoallv_into"
        );
    });
}

/// A receive whose request is forgotten: the scope's end completes it, and the buffer holds
/// the message after the scope. A request dropped without a wait completes at the drop.
fn forgotten(recv: &mut [f64], comm: &Comm, token: Token) -> Token {
    let (from, to) = comm.shift(1);
    let send = vec![comm.rank() as f64 + 0.5; recv.len()];
    let token = spmd::scope(|scope| {
        let (received, token) = irecv_into(scope.lend_mut(&mut *recv), from, comm, token);
        let (sent, token) = isend(scope.lend(&send), to, comm, token);
        std::mem::forget(received);
        drop(sent);
        token
    });
    let left = (comm.rank() + comm.size() - 1) % comm.size();
    assert!(
        recv.iter().all(|&x| x == left as f64 + 0.5),
        "the forgotten receive completed at the scope's end"
    );
    token
}

fn main() {
    let universe = spmd::init();
    let world = universe.world();
    // SAFETY: every rank sends exactly as many elements as its neighbour receives.
    let unguarded = unsafe { world.unguarded() };
    let checked = world.with_check(true);
    let (rank, size) = (world.rank(), world.size());
    let left = (rank + size - 1) % size;
    let mut token = spmd::token();

    for comm in [&world, &unguarded, &checked] {
        for len in [0, 1, 1000, 1 << 18] {
            let send: Vec<f64> = (0..len).map(|i| (rank * len + i) as f64).collect();
            let mut recv = vec![-1.0; len];
            token = ring(&send, &mut recv, comm, token);
            assert!(
                recv.iter()
                    .enumerate()
                    .all(|(i, &x)| x == (left * len + i) as f64),
                "ring of {len}"
            );
            recv.fill(-1.0);
            token.settle();
            ring_jit(&send, &mut recv, comm);
            token = spmd::token();
            assert!(
                recv.iter()
                    .enumerate()
                    .all(|(i, &x)| x == (left * len + i) as f64),
                "ring_jit of {len}"
            );
            // In check mode too: a receive completed by a drop or by the scope's end takes its
            // sender's header as a wait would, so the next receive does not meet it.
            token = forgotten(&mut recv, comm, token);
        }
        token.settle();
        let send = vec![rank as f64; 100];
        let (mut recv, mut gathered) = (vec![0.0; 100], vec![-1.0; size]);
        into_forms(&send, &mut recv, &mut gathered, comm);
        for n in [1, 3, 5000] {
            more_into_forms(n, comm);
        }
        let send: Vec<i32> = (0..size * 3).map(|i| (rank * 100 + i / 3) as i32).collect();
        let mut recv = vec![-1; size * 3];
        all_to_all(&send, &mut recv, comm);
        assert!(
            recv.iter()
                .enumerate()
                .all(|(i, &x)| x == ((i / 3) * 100 + rank) as i32),
            "ialltoall_into"
        );
        token = spmd::token();
    }

    // Steady state: a loop of scopes allocates nothing after its first rounds.
    let len = 1 << 16;
    let send = vec![rank as f64; len];
    let mut recv = vec![0.0; len];
    for round in 0..20 {
        let before = allocations();
        token = ring(&send, &mut recv, &world, token);
        let made = allocations() - before;
        if round >= 4 {
            assert_eq!(made, 0, "round {round}: {made} heap allocations");
        }
    }
    assert!(recv.iter().all(|&x| x == left as f64));
    token.settle();
    if rank == 0 {
        println!("ok");
    }
}
