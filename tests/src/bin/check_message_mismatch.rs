//! Check mode: rank 0 sends five `f64`s where rank 1 receives into a template of three `i32`s.
//! ranks: 2
//! env: SPMD_CHECK=1
//! timeout: 20
//! expect-failure: check mode: the message does not match its receive
//! expect-failure: rank 1: `recv` expects i32 x3 from rank 0 (tag 0) at tests/src/bin/check_message_mismatch.rs
//! expect-failure: rank 0: sent `send` of f64 x5 to rank 1 (tag 0) at tests/src/bin/check_message_mismatch.rs

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let token = spmd::token();
    let token = if comm.rank() == 0 {
        send(&[1.5f64; 5], 1, &comm, token)
    } else {
        recv(&[0i32; 3], 0, &comm, token).1
    };
    // Rank 0's send completes (it is small), then it waits here until rank 1 aborts the job.
    let token = barrier(&comm, token);
    drop(token);
    unreachable!("check mode lets no rank past a mismatched message");
}
