//! Check mode on a correct program: every op family, any-source receives, `recv_into` with a
//! shorter message and `sendrecv` rings all pass, with the same results as without checks.
//! ranks: 1 2 3 4
//! env: SPMD_CHECK=1

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    assert!(
        comm.is_checked(),
        "SPMD_CHECK=1 turns check mode on for the world"
    );
    let (rank, size) = (comm.rank(), comm.size());
    let token = spmd::token();

    let (sum, token) = allreduce(&[rank as f64; 3], Sum, &comm, token);
    assert_eq!(sum, [(size * (size - 1) / 2) as f64; 3]);
    let (root_data, token) = bcast(&(rank as i32 * 10), size - 1, &comm, token);
    assert_eq!(root_data, (size as i32 - 1) * 10);
    let (gathered, token) = gather(&vec![rank as u8; 2], 0, &comm, token);
    if rank == 0 {
        let gathered = gathered.expect("the root gets the stack");
        let expected: Vec<u8> = (0..size as u8).flat_map(|r| [r, r]).collect();
        assert_eq!(gathered, expected);
    }
    let (prefix, token) = scan(&(rank as u64), Sum, &comm, token);
    assert_eq!(prefix, (rank * (rank + 1) / 2) as u64);
    let token = barrier(&comm, token);

    // A ring: each rank sends to the next and receives from the previous.
    let next = (rank + 1) % size;
    let prev = (rank + size - 1) % size;
    let (from_prev, token) = sendrecv(
        &[rank as i16; 4],
        &[0i16; 4],
        Source::rank(prev),
        Dest::rank(next),
        &comm,
        token,
    );
    assert_eq!(from_prev, [prev as i16; 4]);

    let mut token = token;
    if size > 1 {
        // Everyone sends its rank to 0, which receives from any source, in any order.
        if rank == 0 {
            let mut seen = vec![false; size];
            seen[0] = true;
            for _ in 1..size {
                let (value, status, next_token) =
                    recv_with_status(&0usize, Source::any(), &comm, token);
                token = next_token;
                assert_eq!(
                    value, status.source,
                    "rank 0: the value is the sender's rank"
                );
                seen[value] = true;
            }
            assert!(seen.iter().all(|&s| s));
        } else {
            token = send(&rank, Dest::rank(0).tag(rank as i32), &comm, token);
        }
        // A message shorter than the receive buffer is fine for `recv_into`.
        if rank == 0 {
            token = send(&[5u32, 6], 1, &comm, token);
        } else if rank == 1 {
            let mut buf = [0u32; 4];
            let (status, next_token) = recv_into(&mut buf[..], 0, &comm, token);
            token = next_token;
            assert_eq!(status.count(), 2);
            assert_eq!(&buf[..2], &[5, 6]);
        }
    }

    // A nonblocking collective's `_into` form matches its plain form on other ranks.
    let total = (size * (size - 1) / 2) as f64;
    let (sum, next_token) = if rank % 2 == 0 {
        let (request, token) = iallreduce(&[rank as f64; 2], Sum, &comm, token);
        wait(request, token)
    } else {
        let mut out = [0.0; 2];
        let (request, token) = iallreduce_into(&[rank as f64; 2], &mut out, Sum, &comm, token);
        let (((), ()), token) = wait(request, token);
        (out, token)
    };
    token = next_token;
    assert_eq!(
        sum, [total; 2],
        "rank {rank}: iallreduce with iallreduce_into"
    );
    // `isendrecv_into` a buffer longer than the message, lent and handed over.
    let next = (rank + 1) % size;
    let prev = (rank + size - 1) % size;
    let mut room = [0u8; 5];
    let (request, next_token) = isendrecv_into(
        &[rank as u8; 3],
        &mut room,
        Source::rank(prev),
        Dest::rank(next),
        &comm,
        token,
    );
    let (((), status), next_token) = wait(request, next_token);
    assert_eq!(
        (status.count(), room),
        (3, [prev as u8, prev as u8, prev as u8, 0, 0])
    );
    let (request, next_token) = isendrecv_into(
        vec![rank as u8; 2],
        vec![9u8; 4],
        Source::rank(prev),
        Dest::rank(next),
        &comm,
        next_token,
    );
    let ((sent, (got, status)), next_token) = wait(request, next_token);
    assert_eq!(sent, [rank as u8; 2]);
    assert_eq!(
        (status.count(), got),
        (2, vec![prev as u8, prev as u8, 9, 9])
    );
    // A nonblocking send started before its receive, to the rank itself on one rank: check
    // mode's header must not wait for the receive.
    let (send, next_token) = isend(&[rank as u32 + 7; 3], Dest::rank(next), &comm, next_token);
    let (receive, next_token) = irecv(&[0u32; 3], Source::rank(prev), &comm, next_token);
    let (((), got), next_token) = wait_all((send, receive), &comm, next_token);
    assert_eq!(got, [prev as u32 + 7; 3]);
    token = next_token;
    drop(token);
}
