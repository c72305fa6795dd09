//! `#[spmd_jit]` functions calling each other, through a plain helper in between, as methods with
//! `self`, with generics and `where` clauses: one chain through all of them.
//! ranks: 1 2 3 4

use spmd::prelude::*;
use spmd::{Element, Reduces};

/// The sum over the ranks of a generic slice.
#[spmd_jit]
#[inline(never)]
pub(crate) fn total<T>(comm: &Comm, values: &[T]) -> Vec<T>
where
    T: Element,
    Sum: Reduces<T>,
{
    allreduce(values, Sum, comm)
}

/// Not annotated: it only forwards to a `#[spmd_jit]` function, and the chain goes through.
fn plain_helper(comm: &Comm, x: f64) -> f64 {
    total(comm, &[x])[0] + 1.0
}

#[spmd_jit]
fn outer(comm: &Comm) -> f64 {
    let before = allreduce(&1.0, Sum, comm);
    let middle = plain_helper(comm, before);
    let after = allreduce(&middle, Max, comm);
    before + after
}

struct Norms {
    comm: Comm,
    calls: usize,
}

impl Norms {
    /// The 2-norm of a vector split over the ranks.
    #[spmd_jit]
    fn norm(&self, local: &[f64]) -> f64 {
        let squares: f64 = local.iter().map(|x| x * x).sum();
        allreduce(&squares, Sum, &self.comm).sqrt()
    }

    #[spmd_jit]
    fn normalise(&mut self, local: &mut [f64]) {
        let norm = self.norm(local);
        self.calls += 1;
        local.iter_mut().for_each(|x| *x /= norm);
        barrier(&self.comm);
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let size = comm.size() as f64;

    assert_eq!(
        total(&comm, &[1_i32, 2]),
        vec![comm.size() as i32, 2 * comm.size() as i32]
    );
    // before = size, middle = size * size + 1, after = middle
    assert_eq!(outer(&comm), size + size * size + 1.0);

    let mut norms = Norms {
        comm: comm.clone(),
        calls: 0,
    };
    let mut local = vec![1.0, 1.0, 1.0, 1.0];
    norms.normalise(&mut local);
    let expected = 1.0 / (4.0 * size).sqrt();
    assert!(
        local.iter().all(|x| (x - expected).abs() < 1e-12),
        "{local:?}"
    );
    assert_eq!(norms.calls, 1);

    let token = spmd::token();
    assert_eq!(token.seq(), 1 + 3 + 2);
}
