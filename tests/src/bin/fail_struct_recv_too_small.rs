//! A message of 5 structs with padding received with a template of 3 stops the job with an
//! error that counts in structs: the message holds the fields' bytes only (12 of the 16 bytes
//! of each), so the count is not the message's bytes over the struct's size.
//! ranks: 2
//! timeout: 20
//! expect-failure: `recv` failed on rank 1 of 2 (op #0) at
//! expect-failure: fail_struct_recv_too_small.rs:
//! expect-failure: the incoming message (from rank 0) is larger than the receive template, which holds 3 elements of Padded
//! expect-failure: it has 5 (60 bytes); nothing was written

use spmd::prelude::*;

/// 16 bytes: 4 of padding after `tag`, 12 of data.
#[derive(Clone, Copy, PartialEq, Debug, spmd::Element)]
#[repr(C)]
struct Padded {
    tag: u32,
    value: f64,
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    assert_eq!(size_of::<Padded>(), 16);
    let token = spmd::token();
    let padded = |k: u32| Padded {
        tag: k,
        value: k.into(),
    };
    if comm.rank() == 0 {
        let five: Vec<Padded> = (0..5).map(padded).collect();
        let token = send(&five[..], 1, &comm, token);
        // Rank 0 waits for an answer that never comes: rank 1's abort must end it.
        let (_, token) = recv(&0i32, 1, &comm, token);
        drop(token);
    } else {
        let (data, token) = recv(&[padded(9); 3], 0, &comm, token);
        drop(token);
        unreachable!("rank 1 received {data:?} into a template of 3");
    }
    unreachable!("rank 0 got an answer");
}
