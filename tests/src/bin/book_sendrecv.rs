//! The book's "Point-to-point messages" chapter, `sendrecv`: a ring shift with the peers from
//! `Comm::shift`, the same peers written out as `Source` and `Dest`, and a tagged exchange the
//! other way round with the receive's `Status`.
//! ranks: 1 2 3 4

use spmd::prelude::*;

// ANCHOR: ring
#[spmd_jit]
fn ring(comm: &Comm, mine: &Array1<f64>) -> (Array1<f64>, Array1<f64>, Status) {
    // Receive from the left neighbour (rank - 1), send to the right one (rank + 1), modulo the
    // size: `shift(1)` gives that pair as `(Source, Dest)`.
    let (from, to) = comm.shift(1);
    let from_left = sendrecv(mine, mine, from, to, comm);

    // The same kind of exchange the other way round, peers written out, with tags.
    let (rank, size) = (comm.rank(), comm.size());
    let (left, right) = ((rank + size - 1) % size, (rank + 1) % size);
    let (from_right, status) = sendrecv_with_status(
        mine,
        mine,
        Source::rank(right).tag(7),
        Dest::rank(left).tag(7),
        comm,
    );
    (from_left, from_right, status)
}
// ANCHOR_END: ring

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());
    let block = |r: usize| Array1::from(vec![r as f64, 10.0 * r as f64]);
    let (from_left, from_right, status) = ring(&comm, &block(rank));
    let (left, right) = ((rank + size - 1) % size, (rank + 1) % size);
    assert_eq!(from_left, block(left), "rank {rank}");
    assert_eq!(from_right, block(right), "rank {rank}");
    assert_eq!(
        (status.source, status.tag, status.count()),
        (right, 7, 2),
        "rank {rank}"
    );
}
