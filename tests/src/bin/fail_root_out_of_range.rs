//! A `bcast` whose root is out of range (size + 3) stops the job with an error naming the op,
//! the rank, the call site and the bad root.
//! ranks: 2
//! timeout: 20
//! expect-failure: `bcast` failed on rank
//! expect-failure: of 2 (op #0) at
//! expect-failure: fail_root_out_of_range.rs:
//! expect-failure: root 5 is out of range: the communicator has 2 ranks (0..2)

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let root = comm.size() + 3;
    let (data, token) = bcast(&Array1::<i32>::zeros(4), root, &comm, spmd::token());
    drop(token);
    unreachable!("rank {} got {data} from root {root}", comm.rank());
}
