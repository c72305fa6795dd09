//! Correct communication patterns, which the pattern check follows to the end for every size
//! it checks and accepts.

use spmd::prelude::*;

// ANCHOR: exchange
/// The seed's exchange, for the 2 ranks it is meant for.
#[spmd_jit]
fn exchange(comm: &Comm, arr: &Array2<f64>) -> Array2<f64> {
    assert_eq!(comm.size(), 2, "`exchange` runs on 2 ranks");
    if comm.rank() == 0 {
        send(arr, 1, comm);
        recv(arr, 1, comm)
    } else {
        let new_arr = recv(arr, 0, comm);
        send(arr, 0, comm);
        new_arr
    }
}
// ANCHOR_END: exchange

/// The same, with the sizes in the attribute.
#[spmd_jit(sizes = 2)]
fn exchange_sized(comm: &Comm, arr: &Array2<f64>) -> Array2<f64> {
    let other = 1 - comm.rank();
    if comm.rank() == 0 {
        send(arr, other, comm);
        recv(arr, other, comm)
    } else {
        let new_arr = recv(arr, other, comm);
        send(arr, other, comm);
        new_arr
    }
}

// ANCHOR: odd_even_ring
/// A ring with blocking calls, ordered odd/even (one rank has no neighbour but itself).
#[spmd_jit]
fn odd_even_ring(comm: &Comm, x: &[f64]) -> Vec<f64> {
    let (rank, size) = (comm.rank(), comm.size());
    if size == 1 {
        return x.to_vec();
    }
    let right = (rank + 1) % size;
    let left = (rank + size - 1) % size;
    if rank % 2 == 0 {
        send(x, right, comm);
        recv(x, left, comm)
    } else {
        let got = recv(x, left, comm);
        send(x, right, comm);
        got
    }
}
// ANCHOR_END: odd_even_ring

// ANCHOR: sendrecv_ring
/// A ring with `sendrecv`: from `comm.shift`, and with the wrap-around written out.
#[spmd_jit(sizes = 1..=16)]
fn sendrecv_ring(comm: &Comm, x: &[f64]) -> Vec<f64> {
    let (from, to) = comm.shift(1);
    let once = sendrecv(x, x, from, to, comm);
    let (rank, size) = (comm.rank(), comm.size());
    sendrecv(
        &once,
        x,
        Source::rank((rank + size - 1) % size).tag(3),
        Dest::rank((rank + 1).rem_euclid(size)).tag(3),
        comm,
    )
}
// ANCHOR_END: sendrecv_ring

/// A shift to the right: the first rank receives nothing, the last sends nothing.
#[spmd_jit]
fn shift_right(comm: &Comm, x: f64) -> f64 {
    let rank = comm.rank();
    let mut got = x;
    if rank > 0 {
        got = recv(&x, rank - 1, comm);
    }
    if rank + 1 < comm.size() {
        send(&x, rank + 1, comm);
    }
    got
}

// ANCHOR: tree_sum
/// A reduction over a binary tree, with `send` and `recv`, then a broadcast.
#[spmd_jit]
fn tree_sum(comm: &Comm, mut x: f64) -> f64 {
    let (rank, size) = (comm.rank(), comm.size());
    let mut step = 1;
    while step < size {
        if rank % (2 * step) == 0 {
            if rank + step < size {
                x += recv(&x, rank + step, comm);
            }
        } else {
            send(&x, rank - step, comm);
            break;
        }
        step *= 2;
    }
    bcast(&x, 0, comm)
}
// ANCHOR_END: tree_sum

const ROOT: usize = 0;
const REPLY: i32 = 7;

/// A fan-out from a root and a fan-in with a tag.
#[spmd_jit]
fn fan_out_fan_in(comm: &Comm, x: f64) -> f64 {
    let mut total = x;
    if comm.rank() == ROOT {
        for peer in (0..comm.size()).filter(|&peer| peer != ROOT) {
            send(&x, peer, comm);
        }
        for peer in 1..comm.size() {
            total += recv(&x, Source::rank(peer).tag(REPLY), comm);
        }
    } else {
        let got = recv(&x, ROOT, comm);
        send(&(got + 1.0), Dest::rank(ROOT).tag(REPLY), comm);
    }
    total
}

// ANCHOR: halo_exchange
/// A halo exchange on a 2-D decomposition: the most square grid of ranks, neighbours computed
/// from the rank and the size, no wrap-around.
#[spmd_jit]
fn halo_exchange(comm: &Comm, edge: &[f64]) -> f64 {
    let (rank, size) = (comm.rank(), comm.size());
    let mut px = size.isqrt();
    while size % px != 0 {
        px -= 1;
    }
    let py = size / px;
    let (row, col) = (rank / px, rank % px);
    let north = if row > 0 { Some(rank - px) } else { None };
    let south = if row + 1 < py { Some(rank + px) } else { None };
    let west = col.checked_sub(1).map(|c| row * px + c);
    let east = (col + 1 < px).then(|| rank + 1);
    let mut received = 0.0;
    for (first, second) in [(north, south), (west, east)] {
        // Everyone exchanges with its first neighbour, then its second: `sendrecv` pairs the
        // send and the receive of each exchange.
        if let Some(peer) = first {
            let got = sendrecv(edge, edge, Source::rank(peer), Dest::rank(peer), comm);
            received += got.iter().sum::<f64>();
        }
        if let Some(peer) = second {
            let got = sendrecv(edge, edge, Source::rank(peer), Dest::rank(peer), comm);
            received += got.iter().sum::<f64>();
        }
    }
    allreduce(&received, Sum, comm)
}
// ANCHOR_END: halo_exchange

/// A loop over time steps with a collective every step and a rank-independent early exit.
#[spmd_jit]
fn time_steps(comm: &Comm, mut x: f64) -> f64 {
    const STEPS: usize = 10;
    for step in 0..STEPS {
        if step % 3 == 2 {
            continue;
        }
        x = allreduce(&x, Sum, comm) / comm.size() as f64;
        if step == 7 {
            break;
        }
    }
    barrier(comm);
    x
}

/// Explicit mode, with tokens: the seed's exchange for 2 ranks.
#[spmd_jit]
fn exchange_explicit(comm: &Comm, arr: &Array2<f64>) -> Array2<f64> {
    assert!(comm.size() == 2);
    let token = spmd::token();
    if comm.rank() == 0 {
        let token = send(arr, 1, comm, token);
        let (new_arr, token) = recv(arr, 1, comm, token);
        drop(token);
        new_arr
    } else {
        let (new_arr, token) = recv(arr, 0, comm, token);
        let token = send(arr, 0, comm, token);
        drop(token);
        new_arr
    }
}

fn main() {}
