//! `igatherv` exchanges its counts when it is issued, which waits for every rank: rank 0 waits
//! there for rank 1, which first waits for a message rank 0 sends only after the issue. (With
//! `igather`, whose issue does not wait, the same function is correct: `pass/nonblocking.rs`.)
use spmd::prelude::*;

#[spmd_jit(sizes = [2])]
fn gather_then_send(comm: &Comm, x: &[f64]) -> Option<Parts<f64>> {
    if comm.rank() == 1 {
        let _ = recv(x, 0, comm);
    }
    let request = igatherv(x, 0, comm);
    if comm.rank() == 0 {
        send(x, 1, comm);
    }
    wait(request)
}

fn main() {}
