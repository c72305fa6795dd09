use spmd::prelude::*;

#[spmd_jit]
fn show(comm: &Comm) {
    println!("{}", allreduce(&1.0, Sum, comm));
}

#[spmd_jit]
fn collect(comm: &Comm) -> Vec<f64> {
    vec![recv(&1.0, 0, comm)]
}

/// Read as outside a macro: a path to the op, and a comma inside a type's generics.
#[spmd_jit]
fn empty(comm: &Comm) {
    assert_eq!(spmd::bcast(&std::array::from_fn::<u8, 2, _>(|i| i as u8), 0, comm).len(), 2);
}

fn main() {}
