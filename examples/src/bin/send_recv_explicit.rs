//! The send/receive exchange with tokens passed by hand: each op takes the token last and
//! returns the next one, and `#[spmd_jit]` checks that every token is used exactly once.
//! ranks: 2

// ANCHOR: main
use spmd::prelude::*;

#[spmd_jit]
fn exchange(comm: &Comm, arr: &Array2<f64>) -> Array2<f64> {
    assert_eq!(comm.size(), 2);
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

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let rank = comm.rank();
    let arr = Array2::<f64>::zeros((3, 3)) + rank as f64;
    let new_arr = exchange(&comm, &arr);
    println!("rank {rank} received\n{new_arr}");
    let other = (1 - rank) as f64;
    assert!(
        new_arr.iter().all(|&x| x == other),
        "rank {rank}: {new_arr}"
    );
}
// ANCHOR_END: main
