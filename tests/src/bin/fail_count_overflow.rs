//! A send of i32::MAX + 1 elements stops the job with an error naming the op, the rank, the
//! count and how to split it. The buffer is a broadcast view of one `u64` (16 GiB logically):
//! the count is checked before a non-contiguous array is copied, so this costs nothing.
//! ranks: 2
//! timeout: 20
//! expect-failure: `send` failed on rank 0 of 2 (op #0) at
//! expect-failure: fail_count_overflow.rs:
//! expect-failure: the send buffer has 2147483648 elements, more than MPI's count limit of 2147483647 (i32::MAX)
//! expect-failure: split the data into several ops

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    if comm.rank() == 0 {
        let one = Array1::<u64>::zeros(1);
        let huge = one
            .broadcast(i32::MAX as usize + 1)
            .expect("a length-1 array broadcasts to any length");
        let token = send(&huge, 1, &comm, token);
        drop(token);
    } else {
        let (_, token) = recv(&0u64, 0, &comm, token);
        drop(token);
    }
    unreachable!("rank {} went on after the oversized send", comm.rank());
}
