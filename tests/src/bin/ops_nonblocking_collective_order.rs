//! Nonblocking collectives start once the ranks agreed on them, in the order they were issued,
//! whatever the program does between the issue and the wait: a rank may send to a peer that
//! issues the collective only after receiving; requests may be waited for in reverse order,
//! around blocking collectives; one may be tested while an earlier one is not; a dropped
//! request completes.
//! ranks: 1 2 3 4
//! timeout: 60

use spmd::prelude::*;

/// Above every eager limit: the sends below complete only once their receive runs.
const LARGE: usize = 1 << 17;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());
    let mut token = spmd::token();

    // The root issues the broadcast, then sends to every other rank, which issues its
    // broadcast only after receiving: legal MPI, since issuing blocks no rank.
    let message = vec![rank as f64; LARGE];
    let request;
    if rank == 0 {
        (request, token) = ibcast(&[42i64, 7][..], 0, &comm, token);
        for peer in 1..size {
            token = send(&message[..], peer, &comm, token);
        }
    } else {
        let got;
        (got, token) = recv(&message[..], 0, &comm, token);
        assert!(got.iter().all(|&x| x == 0.0));
        (request, token) = ibcast(&[0i64, 0][..], 0, &comm, token);
    }
    let got;
    (got, token) = wait(request, token);
    assert_eq!(got, [42, 7]);

    // Three collectives in flight, a blocking allreduce between the second and the third,
    // waited for last to first.
    let (first, t) = iallreduce(&[rank as u64][..], Sum, &comm, token);
    let (second, t) = iallgather(&[rank as u32; 3][..], &comm, t);
    let (total, t) = allreduce(&[1u64][..], Sum, &comm, t);
    assert_eq!(total, [size as u64]);
    let (third, t) = ibcast(&vec![rank as f64; LARGE], size - 1, &comm, t);
    let (third, t) = wait(third, t);
    assert!(third.iter().all(|&x| x == (size - 1) as f64));
    let (second, t) = wait(second, t);
    let expected: Vec<u32> = (0..size as u32).flat_map(|r| [r; 3]).collect();
    assert_eq!(second, expected);
    let (first, t) = wait(first, t);
    assert_eq!(first, [(size * (size - 1) / 2) as u64]);

    // A later request tested to completion while an earlier one waits.
    let (earlier, t) = ibarrier(&comm, t);
    let (mut later, mut t) = iallreduce(&[2i32][..], Prod, &comm, t);
    let (product, t) = loop {
        (later, t) = match test(later, t) {
            (Ok(product), t) => break (product, t),
            (Err(request), t) => (request, t),
        };
    };
    assert_eq!(product, [1i32 << size]);
    let ((), t) = wait(earlier, t);

    // A dropped request completes in its destructor; the next collective follows it.
    let (dropped, t) = ialltoall(&vec![rank as i16; size][..], &comm, t);
    drop(dropped);
    let (all, _t) = allgather(&[rank as u8][..], &comm, t);
    assert_eq!(all, (0..size as u8).collect::<Vec<_>>());
    if rank == 0 {
        println!("ok");
    }
}
