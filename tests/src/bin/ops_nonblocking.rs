//! The nonblocking ops, explicit tokens and `#[spmd_jit]`: a ring of `irecv` + `isend` posted
//! before anything completes (every rank receives first, which blocking ops would deadlock on
//! for large messages), `isendrecv`, `irecv_into` into a non-contiguous column, `isend` of a
//! transposed view, `iallreduce`, `ibcast`, `iallgather`, `ialltoall`, `ibarrier`, `wait_all`
//! on a tuple of mixed kinds and on a `Vec`, `test` until done, requests dropped without a
//! wait (completed by their destructor), and templates and buffers passed as temporaries; the
//! `_into` forms from and into strided views (columns of a matrix, every second element).
//! ranks: 1 2 3 4

use spmd::ndarray::s;
use spmd::prelude::*;

/// A 1 MiB message per rank around the ring, both requests issued before either completes.
#[spmd_jit]
fn ring(comm: &Comm, mine: &Array1<f64>) -> Array1<f64> {
    let (from, to) = comm.shift(1);
    let incoming = irecv(&Array1::<f64>::zeros(mine.len()), from, comm);
    let outgoing = isend(mine, to, comm);
    wait(outgoing);
    wait(incoming)
}

/// The collectives at once: all four in flight, then one `wait_all` on their tuple.
#[spmd_jit]
fn collectives(comm: &Comm, x: &Array1<i64>) -> (Array1<i64>, Array1<i64>, Array2<i64>, Vec<i64>) {
    let root = comm.size() - 1;
    let sum = iallreduce(x, Sum, comm);
    let from_root = ibcast(x, root, comm);
    let gathered = iallgather(x, comm);
    // A temporary: the request keeps what it needs of the buffer, not a borrow.
    let exchanged = ialltoall(
        &x.iter()
            .copied()
            .cycle()
            .take(comm.size())
            .collect::<Vec<i64>>(),
        comm,
    );
    let fence = ibarrier(comm);
    let (sum, from_root, gathered, exchanged, ()) =
        wait_all((sum, from_root, gathered, exchanged, fence), comm);
    (sum, from_root, gathered, exchanged)
}

/// The `_into` forms on non-contiguous views: each op reads a column of `m` and writes
/// another column of `m` (or every second element of `out`), through lent buffers.
#[spmd_jit]
fn into_strided(comm: &Comm, m: &mut Array2<f64>, out: &mut Array1<f64>) {
    let (from, to) = comm.shift(1);
    let (c0, mut c1, mut c2, mut c3) =
        m.multi_slice_mut((s![.., 0], s![.., 1], s![.., 2], s![.., 3]));
    let exchanged = isendrecv_into(&c0, &mut c1, from, to, comm);
    wait(exchanged);
    wait(iallreduce_into(&c1, &mut c2, Sum, comm));
    let mut every_second = out.slice_mut(s![..;2]);
    wait(iallgather_into(&c0.slice(s![..1]), &mut every_second, comm));
    wait(ialltoall_into(&c0, &mut c3, comm));
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());
    let left = (rank + size - 1) % size;
    let right = (rank + 1) % size;

    // The ring, in implicit mode, with a message well above every eager limit.
    let n = 1 << 17;
    let mine = Array1::from_shape_fn(n, |i| (rank * n + i) as f64);
    let got = ring(&comm, &mine);
    assert_eq!(
        got,
        Array1::from_shape_fn(n, |i| (left * n + i) as f64),
        "rank {rank}: ring"
    );

    // Collectives, implicit mode.
    let x = Array1::from_vec(vec![rank as i64 + 1, 10 * rank as i64]);
    let (sum, from_root, gathered, exchanged) = collectives(&comm, &x);
    let s = size as i64;
    assert_eq!(sum.to_vec(), vec![s * (s + 1) / 2, 10 * s * (s - 1) / 2]);
    assert_eq!(from_root.to_vec(), vec![s, 10 * (s - 1)]);
    assert_eq!(gathered.shape(), [size, 2]);
    for r in 0..size {
        assert_eq!(gathered.row(r).to_vec(), vec![r as i64 + 1, 10 * r as i64]);
    }
    // Rank r sent block j = x[j % 2] of rank r to rank j: this rank got x_r[rank % 2] from r.
    let expected: Vec<i64> = (0..size)
        .map(|r| {
            if rank % 2 == 0 {
                r as i64 + 1
            } else {
                10 * r as i64
            }
        })
        .collect();
    assert_eq!(exchanged, expected, "rank {rank}: alltoall");

    // Explicit tokens from here on.
    // The `_into` forms, strided.
    let rows = 2 * size;
    let mut m = Array2::from_shape_fn((rows, 4), |(i, j)| {
        if j == 0 {
            (rank * 100 + i) as f64
        } else {
            -1.0
        }
    });
    let mut out = Array1::from_elem(rows, -1.0);
    into_strided(&comm, &mut m, &mut out);
    let ranks_total = (100 * size * (size - 1) / 2) as f64;
    for i in 0..rows {
        let row = m.row(i);
        assert_eq!(
            row[1],
            (left * 100 + i) as f64,
            "rank {rank}: isendrecv_into"
        );
        assert_eq!(
            row[2],
            ranks_total + (size * i) as f64,
            "rank {rank}: iallreduce_into"
        );
        let (block, within) = (i / 2, i % 2);
        assert_eq!(
            row[3],
            (block * 100 + 2 * rank + within) as f64,
            "rank {rank}: ialltoall_into"
        );
        let gathered = if i % 2 == 0 {
            (i / 2 * 100) as f64
        } else {
            -1.0
        };
        assert_eq!(out[i], gathered, "rank {rank}: iallgather_into");
    }

    let token = spmd::token();

    // `isendrecv` with tags, and `irecv_into` into every second element of a column of a
    // 2-D array (non-contiguous), fed by an `isend` of a transposed (non-contiguous) view.
    let block = Array2::from_shape_fn((3, 2), |(i, j)| (100 * rank + 10 * i + j) as i32);
    // The request keeps the template's shape, not the template: a temporary will do.
    let (exchange, token) = isendrecv(
        &block,
        &Array2::<i32>::zeros((3, 2)),
        Source::rank(left).tag(7),
        Dest::rank(right).tag(7),
        &comm,
        token,
    );
    let mut target = Array2::<i32>::from_elem((6, 3), -1);
    let mut column = target.slice_mut(s![..;2, 1]);
    let (into, token) = irecv_into(&mut column, Source::rank(left).tag(8), &comm, token);
    // The first row of the transposed block: the block's first column, every second element.
    let transposed = block.t();
    let first_column = transposed.row(0);
    let (sent, token) = isend(&first_column, Dest::rank(right).tag(8), &comm, token);
    // `test` until the exchange is done: the request comes back while it is not.
    let mut pending = exchange;
    let mut token = token;
    let exchanged = loop {
        let (outcome, next) = test(pending, token);
        token = next;
        match outcome {
            Ok(value) => break value,
            Err(request) => pending = request,
        }
    };
    let left_block = Array2::from_shape_fn((3, 2), |(i, j)| (100 * left + 10 * i + j) as i32);
    assert_eq!(exchanged, left_block, "rank {rank}: isendrecv");
    let ((status, ()), token) = wait_all((into, sent), &comm, token);
    assert_eq!((status.source, status.tag, status.count()), (left, 8, 3));
    // The left rank's block's first column, (0,0), (1,0), (2,0), in every second element.
    let column: Vec<i32> = target.column(1).iter().copied().collect();
    let l = 100 * left as i32;
    assert_eq!(
        column,
        vec![l, -1, l + 10, -1, l + 20, -1],
        "rank {rank}: irecv_into"
    );
    assert!(target.column(0).iter().all(|&v| v == -1));

    // `wait_all` on a `Vec` of requests of one kind: one message from every rank.
    let mut requests = Vec::new();
    let mut token = token;
    for source in 0..size {
        let (request, next) = irecv(&0_u64, Source::rank(source).tag(9), &comm, token);
        requests.push(request);
        token = next;
    }
    let mut sends = Vec::new();
    for dest in 0..size {
        let value = (rank * 1000 + dest) as u64;
        let (request, next) = isend(&value, Dest::rank(dest).tag(9), &comm, token);
        sends.push(request);
        token = next;
    }
    let (got, token) = wait_all(requests, &comm, token);
    let expected: Vec<u64> = (0..size).map(|r| (r * 1000 + rank) as u64).collect();
    assert_eq!(got, expected, "rank {rank}: wait_all on a Vec");
    let (sent, token) = wait_all(sends, &comm, token);
    assert_eq!(sent.len(), size);

    // Dropped without a wait: the destructor completes the send before the buffer goes (the
    // receive is posted first: on one rank, a send to itself can only complete against it).
    let template = [0_u16; 4];
    let (incoming, token) = irecv(&template, Source::rank(left).tag(10), &comm, token);
    let (request, token) = isend(&[rank as u16; 4], Dest::rank(right).tag(10), &comm, token);
    drop(request);
    let (got, token) = wait(incoming, token);
    assert_eq!(got, [left as u16; 4], "rank {rank}: dropped isend");

    let token = barrier(&comm, token);
    // One op per call: 2 + 2 + 1 + 1 + 1 in `ring`, 6 in `collectives`, then this function's.
    assert!(token.seq() > 20, "{}", token.seq());
}
