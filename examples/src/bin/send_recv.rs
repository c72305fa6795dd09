//! Point-to-point in implicit mode: rank 0 sends its array to rank 1 and then receives rank 1's;
//! rank 1 receives first and then sends. `#[spmd_jit]` orders the calls on each rank.
//! ranks: 2

// ANCHOR: main
use spmd::prelude::*;

#[spmd_jit]
fn exchange(comm: &Comm, arr: &Array2<f64>) -> Array2<f64> {
    assert_eq!(comm.size(), 2);
    if comm.rank() == 0 {
        send(arr, 1, comm);
        recv(arr, 1, comm)
    } else {
        let new_arr = recv(arr, 0, comm);
        send(arr, 0, comm);
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
