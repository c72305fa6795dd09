//! Nested calls, methods with `self`, generics with `where` clauses, visibility, attributes and
//! doc comments: the signature and everything around the body are kept.

use spmd::prelude::*;
use spmd::{Element, Reduces};

/// Sums over the ranks.
#[spmd_jit]
#[must_use]
pub(crate) fn total<T>(comm: &Comm, values: &[T]) -> Vec<T>
where
    T: Element,
    Sum: Reduces<T>,
{
    allreduce(values, Sum, comm)
}

fn helper(comm: &Comm) -> Vec<i32> {
    total(comm, &[1, 2, 3])
}

#[spmd_jit]
fn outer(comm: &Comm) -> i32 {
    barrier(comm);
    let values = helper(comm);
    let first = allreduce(&values[0], Max, comm);
    first + total(comm, &[first])[0]
}

pub struct Model<'c> {
    comm: &'c Comm,
    state: Vec<f64>,
}

impl<'c> Model<'c> {
    /// A method taking `&self`.
    #[spmd_jit]
    pub fn energy(&self) -> f64 {
        let local: f64 = self.state.iter().sum();
        allreduce(&local, Sum, self.comm)
    }

    /// A method taking `&mut self`, calling another annotated method.
    #[spmd_jit]
    pub fn step(&mut self) {
        let energy = self.energy();
        allreduce_in_place(&mut self.state[..], Sum, self.comm);
        self.state.push(energy);
    }

    /// A method taking `self`, generic over a closure.
    #[spmd_jit]
    pub fn finish<F>(self, f: F) -> f64
    where
        F: Fn(f64) -> f64,
    {
        let energy = self.energy();
        f(bcast(&energy, 0, self.comm))
    }
}

fn main() {
    let _ = (
        outer,
        Model::energy,
        Model::step,
        Model::finish::<fn(f64) -> f64>,
    );
}
