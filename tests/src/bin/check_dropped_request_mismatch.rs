//! Check mode and a request dropped before a wait: its receive is still compared with its
//! sender's header, at the drop. Rank 1 sends 5 `i64`s where rank 0's dropped `irecv` expects 5
//! `f64`s (the same 40 bytes, which MPI alone would take as garbage): the drop fails with check
//! mode's error, naming the `irecv`.
//! ranks: 2
//! timeout: 20
//! expect-failure: `irecv` failed on rank 0 of 2
//! expect-failure: tests/src/bin/check_dropped_request_mismatch.rs

use spmd::prelude::*;

fn main() {
    let universe = spmd::init();
    let comm = universe.world().with_check(true);
    let token = spmd::token();
    let token = if comm.rank() == 0 {
        let (received, token) = irecv(&[0.0f64; 5], 1, &comm, token);
        drop(received);
        token
    } else {
        send(&[1i64; 5], 0, &comm, token)
    };
    drop(token);
    if comm.rank() == 0 {
        unreachable!("check mode lets no rank past a type mismatch");
    }
}
