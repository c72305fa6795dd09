//! The error an op fails with: the op, the rank, the sequence number, the user's call site,
//! what went wrong and how to fix it.

use std::fmt;
use std::panic::Location;

/// A failed op: what went wrong, where, and how to fix it.
///
/// Ops panic with this error's text (a panic after [`init`](crate::init) aborts the whole job),
/// so every failure names the op, the rank, the sequence number and the user's call site. No
/// op returns it: the panic is the failure.
#[derive(Debug, Clone)]
pub(crate) struct Error {
    /// The op that failed, e.g. `"scatter"`.
    pub(crate) op: &'static str,
    /// The rank in the op's communicator.
    pub(crate) rank: usize,
    /// The number of ranks in the op's communicator.
    pub(crate) size: usize,
    /// The rank's sequence number of the op.
    pub(crate) seq: u64,
    /// The call site in the user's code.
    pub(crate) site: &'static Location<'static>,
    /// What went wrong, with the bad value.
    pub(crate) problem: String,
    /// How to fix it.
    pub(crate) help: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "spmd: `{}` failed on rank {} of {} (op #{}) at {}:{}:{}\n  {}",
            self.op,
            self.rank,
            self.size,
            self.seq,
            self.site.file(),
            self.site.line(),
            self.site.column(),
            self.problem
        )?;
        if !self.help.is_empty() {
            write!(f, "\n  help: {}", self.help)?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}
