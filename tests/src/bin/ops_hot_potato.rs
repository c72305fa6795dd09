//! Hot potato: eight interleaved send/recv calls between two ranks. An array is passed back
//! and forth, incremented by one at each hop, with its value asserted at every step; each hop
//! uses its own tag, checked in the status.
//! ranks: 2

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let peer = 1 - rank;
    let mut token = spmd::token();

    // Hop h (0..8) goes from rank h % 2 to the other and carries the value h.
    let template = Array2::<f64>::zeros((3, 3));
    let mut arr = template.clone();
    for hop in 0..8usize {
        let tag = hop as i32;
        if hop % 2 == rank {
            assert!(
                arr.iter().all(|&x| x == hop as f64),
                "rank {rank} before hop {hop}: {arr}"
            );
            token = send(&arr, Dest::rank(peer).tag(tag), &comm, token);
        } else {
            let (got, status, t) =
                recv_with_status(&template, Source::rank(peer).tag(tag), &comm, token);
            token = t;
            assert_eq!(
                (status.source, status.tag, status.count()),
                (peer, tag, 9),
                "rank {rank} hop {hop}"
            );
            assert!(
                got.iter().all(|&x| x == hop as f64),
                "rank {rank} after hop {hop}: {got}"
            );
            arr = got + 1.0;
        }
    }
    // Rank 0 receives the last hop (7) and increments it to 8; rank 1 last received hop 6.
    let expected = if rank == 0 { 8.0 } else { 7.0 };
    assert!(
        arr.iter().all(|&x| x == expected),
        "rank {rank} at the end: {arr}"
    );
    assert_eq!(token.seq(), 8, "rank {rank}: eight ops in the chain");
    drop(token);
}
