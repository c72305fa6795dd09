//! Explicit mode: tokens passed by hand, each used exactly once.

use spmd::prelude::*;

#[spmd_jit]
fn straight_line(comm: &Comm, x: f64) -> f64 {
    let token = spmd::token();
    let (sum, token) = allreduce(&x, Sum, comm, token);
    let token = barrier(comm, token);
    let (max, token) = allreduce(&sum, Max, comm, token);
    drop(token);
    max
}

#[spmd_jit]
fn threads_a_token(comm: &Comm, token: Token, x: f64) -> (f64, Token) {
    let (sum, token) = allreduce(&x, Sum, comm, token);
    if sum > 0.0 {
        let token = barrier(comm, token);
        (sum, token)
    } else {
        allreduce(&sum, Min, comm, token)
    }
}

#[spmd_jit]
fn through_a_helper(comm: &Comm, x: f64) -> f64 {
    let token = spmd::token();
    let (y, token) = threads_a_token(comm, token, x);
    let (z, token) = allreduce(&y, Max, comm, token);
    drop(token);
    z
}

#[spmd_jit]
fn loops(comm: &Comm, mut token: Token) -> (u64, Token) {
    let mut x = 1_u64;
    for _ in 0..3 {
        let (next_x, next) = allreduce(&x, Sum, comm, token);
        x = next_x;
        token = next;
    }
    while x < 100 {
        token = barrier(comm, token);
        x *= 2;
    }
    (x, token)
}

#[spmd_jit]
fn matches_and_returns(comm: &Comm, token: Token, mode: u8) -> Result<Token, Token> {
    let token = match mode {
        0 => barrier(comm, token),
        1 => {
            let (_, token) = allreduce(&1, Sum, comm, token);
            token
        }
        _ => return Err(token),
    };
    println!("{:?}", token.seq());
    Ok(token)
}

#[spmd_jit]
fn statuses(comm: &Comm, token: Token) -> Token {
    // Each rank sends to itself, without waiting, then receives.
    let rank = comm.rank();
    let (sent, token) = isend(&[1_u8; 4][..], rank, comm, token);
    let (data, status, token) = recv_with_status(&[0_u8; 4][..], ANY_SOURCE, comm, token);
    let ((), token) = wait(sent, token);
    let _ = (data, status);
    let (sent, token) = isend(&[2_u8; 4][..], rank, comm, token);
    let mut buf = [0_u8; 4];
    let (_status, token) = recv_into(&mut buf[..], rank, comm, token);
    let ((), token) = wait(sent, token);
    allreduce_in_place(&mut buf[..], Max, comm, token)
}

fn main() {
    let _ = (
        straight_line,
        through_a_helper,
        loops,
        matches_and_returns,
        statuses,
    );
}
