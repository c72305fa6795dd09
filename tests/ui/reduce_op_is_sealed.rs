// A user type cannot be a reduction operator: each operator is one of MPI's predefined ones.
use spmd::ReduceOp;

#[derive(Debug, Clone, Copy)]
struct Median;

impl ReduceOp for Median {
    const NAME: &'static str = "Median";
}

fn main() {}
