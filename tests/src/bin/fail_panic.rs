//! A panic on rank 1 of 3, while ranks 0 and 2 wait for it in a barrier, ends the whole job
//! within the time bound, with the rank and the panic message printed.
//! ranks: 3
//! timeout: 20
//! expect-failure: [spmd] rank 1 of 3 panicked at
//! expect-failure: fail_panic.rs:
//! expect-failure: rank 1 gives up on purpose
//! expect-failure: aborting the whole job (MPI_Abort)

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let (sum, token) = allreduce(&1u32, Sum, &comm, spmd::token());
    assert_eq!(sum, 3, "rank {}", comm.rank());
    if comm.rank() == 1 {
        panic!("rank 1 gives up on purpose after {sum} ranks met");
    }
    // Ranks 0 and 2 would wait here forever without the abort.
    let token = barrier(&comm, token);
    drop(token);
    unreachable!("rank {} left the barrier without rank 1", comm.rank());
}
