//! A module of the ui tests `pass/callee_in_other_file.rs` and `pattern_callee_in_other_file.rs`,
//! read by the check of their functions from its own file.

use spmd::prelude::*;

/// The sum of `x` over the ranks.
#[spmd_jit]
pub fn total(comm: &Comm, x: f64) -> f64 {
    allreduce(&x, Sum, comm)
}
