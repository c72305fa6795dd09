//! An op's identity (name, call site, sequence number) and how it names the rank(s) it talks
//! to, in log lines, errors, check-mode reports and watchdog reports.

use std::ffi::c_int;
use std::fmt;
use std::panic::Location;

/// Which op this is: its name, the user's call site and this thread's sequence number.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OpId {
    pub(crate) op: &'static str,
    pub(crate) site: &'static Location<'static>,
    pub(crate) seq: u64,
}

impl OpId {
    /// `file:line:column (op #seq)`.
    pub(crate) fn site_label(&self) -> String {
        format!(
            "{}:{}:{} (op #{})",
            self.site.file(),
            self.site.line(),
            self.site.column(),
            self.seq
        )
    }
}

/// The peer or root of an op.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Peer {
    None,
    Dest(c_int),
    Source(c_int),
    Exchange { dest: c_int, source: c_int },
    Root(c_int),
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let any = |rank: c_int| {
            if rank == crate::sys::any_source() {
                "any".to_string()
            } else {
                rank.to_string()
            }
        };
        match *self {
            Peer::None => Ok(()),
            Peer::Dest(dest) => write!(f, " dest={dest}"),
            Peer::Source(source) => write!(f, " source={}", any(source)),
            Peer::Exchange { dest, source } => write!(f, " dest={dest} source={}", any(source)),
            Peer::Root(root) => write!(f, " root={root}"),
        }
    }
}
