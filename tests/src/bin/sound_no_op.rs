//! A program that takes a communicator from a temporary universe and makes no op exits 0.
//! ranks: 1 2

fn main() {
    let comm = spmd::init().world();
    assert!(comm.rank() < comm.size());
}
