//! `split` is a collective like the others: rank 0 splits where the other ranks call
//! `barrier`, and the agreement before it stops the job with both calls named (no hang in
//! `MPI_Comm_split`).
//! ranks: 2 3
//! timeout: 20
//! expect-failure: `split`
//! expect-failure: `barrier`
//! expect-failure: fail_split_mismatch.rs

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let token = if comm.rank() == 0 {
        let (row, token) = split(0, &comm, token);
        drop(row);
        token
    } else {
        barrier(&comm, token)
    };
    drop(token);
    unreachable!("the agreement lets no rank past a mismatched collective");
}
