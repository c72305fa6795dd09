use spmd::prelude::*;

/// Each field's value is sent to the next rank (two messages, one per trip over the array), but
/// only one is received.
#[spmd_jit]
fn exchange(comm: &Comm, fields: [&Vec<f64>; 2]) -> f64 {
    let size = comm.size();
    let next = (comm.rank() + 1) % size;
    let prev = (comm.rank() + size - 1) % size;
    for field in fields {
        send(&field[0], Dest::rank(next), comm);
    }
    recv(&0.0, Source::rank(prev), comm)
}

fn main() {}
