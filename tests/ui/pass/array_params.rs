//! A loop over a parameter whose type is an array of a written length (`[T; 2]`): it takes
//! that many trips on every rank, so the pattern check follows it and accepts a ring exchange
//! made once per field.

use spmd::prelude::*;

/// Sends each field's last value to the next rank of the ring and receives the previous rank's
/// into the field's first.
#[spmd_jit]
fn exchange(comm: &Comm, fields: [&mut Vec<f64>; 2]) {
    let size = comm.size();
    let next = (comm.rank() + 1) % size;
    let prev = (comm.rank() + size - 1) % size;
    for field in fields {
        let last = field[field.len() - 1];
        field[0] = sendrecv(&last, &last, Source::rank(prev), Dest::rank(next), comm);
    }
}

/// The same through a reference to the array.
#[spmd_jit]
fn sum_each(comm: &Comm, values: &[f64; 3]) -> f64 {
    let mut total = 0.0;
    for value in values {
        total += allreduce(value, Sum, comm);
    }
    total
}

fn main() {}
