// A polling loop on data is followed as completions of unknown timing: the collective after
// it, called on rank 0 only, is still found.
use spmd::prelude::*;

#[spmd_jit]
fn polled(comm: &Comm, x: f64) -> f64 {
    let mut request = iallreduce(&x, Sum, comm);
    let sum = loop {
        match test(request) {
            Ok(sum) => break sum,
            Err(again) => request = again,
        }
    };
    if comm.rank() == 0 {
        barrier(comm);
    }
    sum
}

fn main() {}
