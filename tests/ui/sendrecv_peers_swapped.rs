// An rsmpi user writes the destination first: with typed peers that is a compile error, not
// the wrong neighbour's data.
use spmd::prelude::*;

fn ring(comm: &Comm, token: Token) -> ([f64; 1], Token) {
    let right = (comm.rank() + 1) % comm.size();
    let left = (comm.rank() + comm.size() - 1) % comm.size();
    sendrecv(&[1.0f64], &[0.0f64], Dest::rank(right), Source::rank(left), comm, token)
}

fn main() {
    let universe = spmd::init();
    drop(ring(&universe.world(), spmd::token()));
}
