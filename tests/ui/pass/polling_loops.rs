//! Loops that poll a request with `test` between pieces of work, on data the check cannot
//! compute: their completions are of unknown timing, so the messages are not matched, but the
//! collectives and peers around them are still checked, and the function compiles.

use spmd::prelude::*;

/// The interior in chunks, testing the receive from the left between them (the shape of
/// `halo_overlap`'s overlapped sweep).
#[spmd_jit]
fn overlapped(comm: &Comm, block: &mut Vec<f64>, chunk: usize) -> f64 {
    let (rank, size) = (comm.rank(), comm.size());
    let incoming = irecv_into(vec![0.0], Source::rank((rank + size - 1) % size), comm);
    let outgoing = isend(vec![block[0]], Dest::rank((rank + 1) % size), comm);
    let mut pending = Some(incoming);
    let mut done = None;
    let mut start = 0;
    while start < block.len() {
        let end = (start + chunk).min(block.len());
        for x in &mut block[start..end] {
            *x *= 0.5;
        }
        start = end;
        if let Some(request) = pending.take() {
            match test(request) {
                Ok(row) => done = Some(row),
                Err(request) => pending = Some(request),
            }
        }
    }
    let (ghost, _) = match (pending, done) {
        (Some(request), _) => wait(request),
        (None, Some(row)) => row,
        (None, None) => unreachable!("the receive is pending or done"),
    };
    wait(outgoing);
    // A reduction polled until it completes.
    let mut request = iallreduce(&ghost[0], Sum, comm);
    loop {
        match test(request) {
            Ok(sum) => break sum,
            Err(again) => request = again,
        }
    }
}

fn main() {}
