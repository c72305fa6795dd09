//! A library that uses spmd, with its multi-rank unit tests: what the book's "Using spmd in
//! your own crate" shows.

use spmd::prelude::*;

// ANCHOR: library
/// The mean of the values of every rank.
///
/// # Panics
/// When no rank has a value.
#[spmd_jit]
pub fn global_mean(values: &[f64], comm: &Comm) -> f64 {
    let local = [values.iter().sum::<f64>(), values.len() as f64];
    let [sum, count] = allreduce(&local, Sum, comm);
    assert!(count > 0.0, "global_mean: no values on any rank");
    sum / count
}
// ANCHOR_END: library

// ANCHOR: unit_tests
#[cfg(test)]
mod tests {
    use super::*;

    /// Rank `r` holds `r + 1` copies of `r`: on `n` ranks the mean is `2 (n - 1) / 3`.
    #[spmd::test(ranks = [1, 2, 4])]
    fn mean_of_uneven_ranks(comm: &Comm) {
        let rank = comm.rank();
        let values = vec![rank as f64; rank + 1];
        let n = comm.size() as f64;
        let mean = global_mean(&values, comm);
        assert!(
            (mean - 2.0 * (n - 1.0) / 3.0).abs() < 1e-12,
            "rank {rank}: {mean}"
        );
    }

    #[spmd::test(ranks = [1, 2], expect = panic("no values on any rank"))]
    fn mean_of_nothing(comm: &Comm) {
        global_mean(&[], comm);
    }
}
// ANCHOR_END: unit_tests
