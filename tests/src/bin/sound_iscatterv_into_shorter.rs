//! The root of an `iscatterv_into` sends rank 1 a block of 32,768 `f64`s; rank 1's lent
//! receive buffer, in a file-backed mapping with a canary after it, holds 16,384: rank 1 stops
//! the job with spmd's error when the count comes, before any data moves, and nothing past its
//! buffer changed.
//! ranks: 2
//! timeout: 30
//! canary: 1
//! expect-failure: `iscatterv_into` failed on rank 1 of 2
//! expect-failure: the root (rank 0) sends this rank 32768 elements, but the receive buffer has 16384

use spmd::prelude::*;

const ROOM: usize = 16_384;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let send = vec![1.0f64; 2 * ROOM + 1];
        let (request, token) = iscatterv_into(send, &[1, 2 * ROOM], vec![0.0f64], 0, &comm, token);
        let (_, _token) = wait(request, token);
    } else {
        let buffer = spmd_tests::canary::buffer::<f64>(1, ROOM, 4 * ROOM * 8);
        let (request, token) = iscatterv_into(&[] as &[f64], &[], buffer, 0, &comm, token);
        let (_, _token) = wait(request, token);
    }
    unreachable!("the counts differ: the collective must be refused");
}
