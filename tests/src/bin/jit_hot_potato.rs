//! Eight interleaved sends and receives between ranks 0 and 1, in implicit mode and with
//! explicit tokens: the two give the same values, in the same order.
//! ranks: 2

use spmd::prelude::*;

const ROUNDS: usize = 8;

/// Round `r`: rank `r % 2` holds the potato, adds one and throws it; the other catches it.
#[spmd_jit]
fn implicit(comm: &Comm) -> Vec<i64> {
    assert_eq!(comm.size(), 2);
    let me = comm.rank();
    let other = 1 - me;
    let mut potato = 0_i64;
    let mut caught = Vec::new();
    for round in 0..ROUNDS {
        if round % 2 == me {
            send(&(potato + 1), other, comm);
        } else {
            potato = recv(&potato, other, comm);
            caught.push(potato);
        }
    }
    caught
}

#[spmd_jit]
fn explicit(comm: &Comm) -> Vec<i64> {
    assert_eq!(comm.size(), 2);
    let me = comm.rank();
    let other = 1 - me;
    let mut potato = 0_i64;
    let mut caught = Vec::new();
    let mut token = spmd::token();
    for round in 0..ROUNDS {
        if round % 2 == me {
            token = send(&(potato + 1), other, comm, token);
        } else {
            let (got, next) = recv(&potato, other, comm, token);
            token = next;
            potato = got;
            caught.push(potato);
        }
    }
    drop(token);
    caught
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank() as i64;
    // Rank 1 catches 1, 3, 5, 7; rank 0 catches 2, 4, 6, 8.
    let expected: Vec<i64> = (0..ROUNDS as i64 / 2).map(|i| 2 * i + 2 - rank).collect();
    assert_eq!(implicit(&comm), expected, "implicit, rank {rank}");
    assert_eq!(explicit(&comm), expected, "explicit, rank {rank}");
    let token = spmd::token();
    assert_eq!(
        token.seq(),
        2 * ROUNDS as u64,
        "every op continued one chain"
    );
}
