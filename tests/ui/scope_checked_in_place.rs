// `#[spmd_jit]` reads the closure of `spmd::scope` as if written in place: a request dropped
// there without a wait is an error as anywhere, and so is a collective on one rank only.
use spmd::prelude::*;

#[spmd_jit]
fn dropped(send: &[f64], comm: &Comm) {
    let (_, to) = comm.shift(1);
    spmd::scope(|scope| {
        let _sent = isend(scope.lend(send), to, comm);
    });
}

#[spmd_jit]
fn rank_barrier(send: &[f64], recv: &mut [f64], comm: &Comm) {
    let (from, to) = comm.shift(1);
    spmd::scope(|scope| {
        let received = irecv_into(scope.lend_mut(recv), from, comm);
        let sent = isend(scope.lend(send), to, comm);
        if comm.rank() == 0 {
            barrier(comm);
        }
        wait_all((received, sent), comm);
    });
}

fn main() {}
