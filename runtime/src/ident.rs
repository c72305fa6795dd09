//! An op's identity (name, call site, sequence number), how it names the rank(s) it talks
//! to, in log lines, errors, check-mode reports and watchdog reports, and what data it moves,
//! in log lines.

use std::ffi::c_int;
use std::fmt;
use std::panic::Location;

use crate::element::Element;

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

/// The rank(s) an op talks to, by their roles: shown as `dest=`, `source=` and `root=` (a
/// rank only; the public [`Dest`](crate::Dest) and [`Source`](crate::Source) also carry a tag).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Peer {
    /// A collective without root, or no peer at all.
    None,
    /// The rank a message goes to.
    To(c_int),
    /// The rank a message comes from (or any).
    From(c_int),
    /// Both, for a `sendrecv`.
    Exchange { to: c_int, from: c_int },
    /// The root of a collective.
    Root(c_int),
}

impl fmt::Display for Peer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let peer = |rank: c_int| {
            if rank == crate::sys::proc_null() {
                "none".to_string()
            } else {
                rank.to_string()
            }
        };
        let any = |rank: c_int| {
            if rank == crate::sys::any_source() {
                "any".to_string()
            } else {
                peer(rank)
            }
        };
        match *self {
            Peer::None => Ok(()),
            Peer::To(to) => write!(f, " dest={}", peer(to)),
            Peer::From(from) => write!(f, " source={}", any(from)),
            Peer::Exchange { to, from } => {
                write!(f, " dest={} source={}", peer(to), any(from))
            }
            Peer::Root(root) => write!(f, " root={root}"),
        }
    }
}

/// What an op moves, as its log line shows it: elements of one type and their count, or
/// nothing (a barrier, a `wait_all`). Made only from an [`Element`] type, so the type field of
/// a log line is always an element type's name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Payload {
    elem: Option<&'static str>,
    count: usize,
}

impl Payload {
    /// No data.
    pub(crate) const NONE: Payload = Payload {
        elem: None,
        count: 0,
    };

    /// `count` elements of `T`.
    #[inline]
    pub(crate) fn of<T: Element>(count: usize) -> Payload {
        Payload {
            elem: Some(T::NAME),
            count,
        }
    }
}

impl fmt::Display for Payload {
    /// ` f64 x4`, or nothing.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.elem {
            Some(elem) => write!(f, " {elem} x{}", self.count),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payload_shows_its_element_type_and_count_or_nothing() {
        assert_eq!(Payload::of::<f64>(4).to_string(), " f64 x4");
        assert_eq!(Payload::of::<bool>(0).to_string(), " bool x0");
        assert_eq!(Payload::NONE.to_string(), "");
    }
}
