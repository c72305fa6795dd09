//! `alltoall` of an array whose first axis is size + 1 stops the job with an error naming the
//! op, the rank and the shape, and of a slice whose length is not a multiple of the size.
//! ranks: 4
//! timeout: 20
//! expect-failure: `alltoall` failed on rank
//! expect-failure: of 4 (op #0) at
//! expect-failure: fail_alltoall_shape.rs:
//! expect-failure: the array has shape [5, 3]: its first axis has length 5, but the communicator has 4 ranks

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let data = Array2::<u16>::ones((comm.size() + 1, 3));
    let (result, token) = alltoall(&data, &comm, spmd::token());
    drop(token);
    unreachable!("rank {} got {result}", comm.rank());
}
