//! The seed's exchange is correct with 2 ranks only: with 3, rank 2 waits for a message that
//! rank 0 never sends. The error names the fix: an `assert_eq!` on the size.
use spmd::prelude::*;

// ANCHOR: example
#[spmd_jit]
fn exchange(comm: &Comm, arr: &Array2<f64>) -> Array2<f64> {
    if comm.rank() == 0 {
        send(arr, 1, comm);
        recv(arr, 1, comm)
    } else {
        let new_arr = recv(arr, 0, comm);
        send(arr, 0, comm);
        new_arr
    }
}
// ANCHOR_END: example

fn main() {}
