//! `scatter` of an array whose first axis (2) is not the world size (3) stops the job with an
//! error naming the op, the rank, the shape and how to fix it.
//! ranks: 3
//! timeout: 20
//! expect-failure: `scatter` failed on rank
//! expect-failure: fail_scatter_shape.rs:
//! expect-failure: the array has shape [2, 4]: its first axis has length 2, but the communicator has 3 ranks
//! expect-failure: give it an array whose first axis equals `comm.size()` (3)

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let data = Array2::<f32>::ones((2, 4));
    let (block, token) = scatter(&data, comm.size() - 1, &comm, spmd::token());
    drop(token);
    unreachable!("rank {} got block {block}", comm.rank());
}
