//! A message sent with `isend` that no rank receives: found at compile time, at the `isend`,
//! though the send completes at once (the message is small) and the program would end normally
//! with the message lost.

use spmd::prelude::*;
use spmd::{isend, irecv, wait, wait_all};

#[spmd_jit]
fn scatter_by_hand(x: &[f64], comm: &Comm) {
    assert_eq!(comm.size(), 3);
    if comm.rank() == 0 {
        let to_one = isend(x, 1, comm);
        let to_two = isend(x, 2, comm);
        wait_all(vec![to_one, to_two], comm);
    } else if comm.rank() == 1 {
        let from_root = irecv(x, 0, comm);
        wait(from_root);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    scatter_by_hand(&[1.0; 4], &comm);
}
