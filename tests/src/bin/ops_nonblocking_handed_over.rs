//! Nonblocking ops with `Vec`s handed over: `isend`, `irecv_into` and the `_into` forms hand
//! their `Vec`s back, `iallreduce` and `ibcast` work in theirs, on a ring of any size, small
//! and large. In steady state neither these nor the lent forms allocate: a loop of exchanges
//! and collectives (`isendrecv_into`, `iallreduce_into`, `iallgather_into`, `ialltoall_into`,
//! lent and handed over) makes no heap allocation after its first rounds (counted by this
//! program's allocator; MPI's own memory is not Rust's and is not counted).
//! ranks: 1 2 3 4

use spmd::prelude::*;
use spmd_tests::counting::Counting;

#[global_allocator]
static ALLOCATOR: Counting = Counting::new();

fn allocations() -> usize {
    ALLOCATOR.allocations()
}

/// One exchange around the ring with the `Vec`s handed over; returns them.
#[spmd_jit]
fn ring_handed_over(send: Vec<f64>, recv: Vec<f64>, comm: &Comm) -> (Vec<f64>, Vec<f64>) {
    let (from, to) = comm.shift(1);
    let received = irecv_into(recv, from, comm);
    let sent = isend(send, to, comm);
    let ((recv, status), send) = wait_all((received, sent), comm);
    assert_eq!(status.count(), recv.len());
    (send, recv)
}

/// One exchange around the ring with lent buffers.
#[spmd_jit]
fn ring_lent(send: &[f64], recv: &mut [f64], comm: &Comm) {
    let (from, to) = comm.shift(1);
    let received = irecv_into(&mut *recv, from, comm);
    let sent = isend(send, to, comm);
    wait_all((received, sent), comm);
}

/// A nonblocking allreduce in place and a barrier, in flight together.
#[spmd_jit]
fn reduce_in_place(data: Vec<f64>, comm: &Comm) -> Vec<f64> {
    let barrier = ibarrier(comm);
    let sum = iallreduce(data, Max, comm);
    let (sum, ()) = wait_all((sum, barrier), comm);
    sum
}

/// The collectives in place: the results come back in the `Vec`s handed over.
#[spmd_jit]
fn collectives_in_place(len: usize, comm: &Comm) {
    let (rank, size) = (comm.rank(), comm.size());
    let data = vec![rank as i64 + 1; len];
    let address = data.as_ptr();
    let sum = wait(iallreduce(data, Sum, comm));
    assert_eq!(sum.as_ptr(), address, "reduced in the Vec handed over");
    assert!(sum.iter().all(|&x| x == (size * (size + 1) / 2) as i64));
    let data = if rank == size - 1 {
        vec![7u16; len]
    } else {
        vec![0u16; len]
    };
    let address = data.as_ptr();
    let got = wait(ibcast(data, size - 1, comm));
    assert_eq!(got.as_ptr(), address, "broadcast into the Vec handed over");
    assert!(got.iter().all(|&x| x == 7));
}

/// The `_into` forms with `Vec`s handed over: an exchange with the ring's neighbours, an
/// allreduce, an allgather and an all-to-all; returns the `Vec`s.
#[spmd_jit]
fn into_handed_over(vecs: [Vec<f64>; 2], comm: &Comm) -> [Vec<f64>; 2] {
    let [send, recv] = vecs;
    let (from, to) = comm.shift(1);
    let (send, (recv, status)) = wait(isendrecv_into(send, recv, from, to, comm));
    assert_eq!(status.count(), recv.len());
    // What came from the left, reduced into the other Vec, then exchanged all to all.
    let (recv, send) = wait(iallreduce_into(recv, send, Max, comm));
    let (send, recv) = wait(ialltoall_into(send, recv, comm));
    [send, recv]
}

/// The `_into` forms with lent buffers.
#[spmd_jit]
fn into_lent(send: &[f64], recv: &mut [f64], gathered: &mut [f64], comm: &Comm) {
    let (from, to) = comm.shift(1);
    let exchanged = isendrecv_into(send, &mut *recv, from, to, comm);
    wait(exchanged);
    wait(iallgather_into(&send[..1], &mut *gathered, comm));
    wait(ialltoall_into(send, &mut *recv, comm));
    wait(iallreduce_into(send, &mut *recv, Sum, comm));
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());
    let left = (rank + size - 1) % size;

    for len in [1, 1000, 1 << 18] {
        // Point to point: the Vecs come back, the received one holds the left neighbour's.
        let send: Vec<f64> = (0..len).map(|i| (rank * len + i) as f64).collect();
        let send_address = send.as_ptr();
        let recv = vec![-1.0; len];
        let recv_address = recv.as_ptr();
        let (send, recv) = ring_handed_over(send, recv, &comm);
        assert_eq!(
            send.as_ptr(),
            send_address,
            "the sent Vec is handed back, not copied"
        );
        assert_eq!(
            recv.as_ptr(),
            recv_address,
            "the receive went into the Vec handed over"
        );
        assert!(
            recv.iter()
                .enumerate()
                .all(|(i, &x)| x == (left * len + i) as f64)
        );
        collectives_in_place(len, &comm);
    }

    // Steady state: no allocation per exchange, handed over or lent.
    let len = 1 << 16;
    let (mut send, mut recv) = (vec![rank as f64; len], vec![0.0; len]);
    let mut lent_recv = vec![0.0; len];
    let mut reduced = vec![rank as f64; len];
    let mut vecs = [vec![rank as f64; len * size], vec![0.0; len * size]];
    let (lent_send, mut lent_out) = (vec![1.0; len * size], vec![0.0; len * size]);
    let mut gathered = vec![0.0; size];
    for round in 0..20 {
        let before = allocations();
        (send, recv) = ring_handed_over(send, recv, &comm);
        ring_lent(&send, &mut lent_recv, &comm);
        reduced = reduce_in_place(reduced, &comm);
        vecs = into_handed_over(vecs, &comm);
        into_lent(&lent_send, &mut lent_out, &mut gathered, &comm);
        let made = allocations() - before;
        if round >= 4 {
            assert_eq!(made, 0, "round {round}: {made} heap allocations");
        }
    }
    assert!(recv.iter().all(|&x| x == left as f64));
    assert!(lent_recv.iter().all(|&x| x == left as f64));
    assert!(reduced.iter().all(|&x| x == (size - 1) as f64));
    // The maximum over the ranks of what came from the left, exchanged all to all.
    let most = (size - 1) as f64;
    assert!(
        vecs[1].iter().all(|&x| x == most),
        "the _into forms handed over"
    );
    assert!(
        lent_out.iter().all(|&x| x == size as f64),
        "the _into forms lent"
    );
    assert!(gathered.iter().all(|&x| x == 1.0));
    if rank == 0 {
        println!("ok");
    }
}
