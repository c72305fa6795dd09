//! One op in flight: its identity (op, call site, rank, sequence number), argument checks,
//! MPI error translation and the `SPMD_DEBUG` log line.

use std::ffi::c_int;
use std::fmt;
use std::panic::Location;
use std::time::Instant;

use mpi::ffi;

use crate::comm::Comm;
use crate::env;
use crate::token::Token;

/// A failed op: what went wrong, where, and how to fix it.
///
/// Ops panic with this error's text (a panic after [`init`](crate::init) aborts the whole job),
/// so every failure names the op, the rank, the sequence number and the user's call site.
#[derive(Debug, Clone)]
pub struct Error {
    /// The op that failed, e.g. `"scatter"`.
    pub op: &'static str,
    /// The rank in the op's communicator.
    pub rank: usize,
    /// The number of ranks in the op's communicator.
    pub size: usize,
    /// The rank's sequence number of the op.
    pub seq: u64,
    /// The call site in the user's code.
    pub site: &'static Location<'static>,
    /// What went wrong, with the bad value.
    pub problem: String,
    /// How to fix it.
    pub help: String,
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

/// How an op's peer is named in its log line.
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
            if rank == crate::ops::p2p::any_source_raw() {
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

pub(crate) struct Call<'c> {
    pub(crate) op: &'static str,
    pub(crate) site: &'static Location<'static>,
    pub(crate) comm: &'c Comm,
    pub(crate) seq: u64,
    started: Option<Instant>,
}

impl<'c> Call<'c> {
    /// Starts an op at the caller's call site (ops are `#[track_caller]` all the way down to here).
    #[track_caller]
    #[inline]
    pub(crate) fn new(op: &'static str, comm: &'c Comm, token: &Token) -> Call<'c> {
        let site = Location::caller();
        crate::cache::begin(site);
        #[cfg(feature = "cuda")]
        crate::cuda::begin(op, site);
        Call {
            op,
            site,
            comm,
            seq: token.seq(),
            started: env::debug_enabled().then(Instant::now),
        }
    }

    pub(crate) fn error(&self, problem: impl Into<String>, help: impl Into<String>) -> Error {
        Error {
            op: self.op,
            rank: self.comm.rank(),
            size: self.comm.size(),
            seq: self.seq,
            site: self.site,
            problem: problem.into(),
            help: help.into(),
        }
    }

    #[cold]
    #[inline(never)]
    pub(crate) fn fail(&self, problem: impl Into<String>, help: impl Into<String>) -> ! {
        let error = self.error(problem, help);
        panic!("{error}")
    }

    /// Turns an MPI return code into an error naming the MPI function and MPI's own message.
    #[inline]
    pub(crate) fn check(&self, code: c_int, mpi_function: &str) {
        if code != 0 {
            self.mpi_failure(code, mpi_function);
        }
    }

    /// [`check`](Call::check) for a receive into `what`, which has room for `room` elements of
    /// type `element`, from `source` (a rank or `MPI_ANY_SOURCE`): a message that does not fit
    /// is reported with the room, the type and the sender asked for.
    #[inline]
    pub(crate) fn check_receive(
        &self,
        code: c_int,
        mpi_function: &str,
        what: &str,
        room: usize,
        element: &str,
        source: c_int,
    ) {
        if code != 0 {
            self.receive_failure(code, mpi_function, what, room, element, source);
        }
    }

    #[cold]
    #[inline(never)]
    fn receive_failure(
        &self,
        code: c_int,
        mpi_function: &str,
        what: &str,
        room: usize,
        element: &str,
        source: c_int,
    ) -> ! {
        if error_class(code) == crate::raw::err_truncate() {
            let from = if source == crate::ops::p2p::any_source_raw() {
                "any rank".to_string()
            } else {
                format!("rank {source}")
            };
            self.fail(
                format!(
                    "the incoming message (from {from}) is larger than {what}, which holds \
                     {room} elements of {element} ({mpi_function} reported MPI_ERR_TRUNCATE)"
                ),
                format!(
                    "give the receive room for every element the sender sends: a template of the \
                     sent shape, or `{}` with a buffer at least that long (its `Status::count` \
                     then says how many came)",
                    if self.op.starts_with("sendrecv") {
                        "sendrecv_into"
                    } else {
                        "recv_into"
                    }
                ),
            );
        }
        self.mpi_failure(code, mpi_function)
    }

    #[cold]
    #[inline(never)]
    fn mpi_failure(&self, code: c_int, mpi_function: &str) -> ! {
        if error_class(code) == crate::raw::err_truncate() {
            self.fail(
                format!(
                    "the incoming message is larger than the receive buffer ({mpi_function} \
                     reported MPI_ERR_TRUNCATE)"
                ),
                "give the receive a template with as many elements as the sender sends",
            );
        }
        self.fail(
            format!(
                "{mpi_function} returned error {code}: {}",
                error_string(code)
            ),
            "this is an error of the MPI library; the message above is its own",
        )
    }

    /// Validates a rank argument (a peer or a root) and converts it for MPI.
    #[inline]
    pub(crate) fn rank_arg(&self, role: &str, rank: usize) -> c_int {
        let size = self.comm.size();
        if rank >= size {
            self.fail(
                format!(
                    "{role} {rank} is out of range: the communicator has {size} ranks (0..{size})"
                ),
                format!("pass a {role} below `comm.size()`"),
            );
        }
        rank as c_int
    }

    /// Validates an element count and converts it for MPI, which counts in `int`.
    #[inline]
    pub(crate) fn count_arg(&self, what: &str, count: usize) -> c_int {
        match c_int::try_from(count) {
            Ok(count) => count,
            Err(_) => self.fail(
                format!(
                    "{what} has {count} elements, more than MPI's count limit of {} (i32::MAX)",
                    c_int::MAX
                ),
                "split the data into several ops of at most i32::MAX elements each",
            ),
        }
    }

    /// Ends the op: one log line under `SPMD_DEBUG`.
    #[inline]
    pub(crate) fn done(&self, element: &str, count: usize, peer: Peer) {
        self.done_lazy(element, || count, peer);
    }

    /// [`done`](Call::done) with a count that costs something to know (a receive's), computed
    /// only for the log line.
    #[inline]
    pub(crate) fn done_lazy(&self, element: &str, count: impl FnOnce() -> usize, peer: Peer) {
        if crate::watchdog::enabled() {
            crate::watchdog::leave();
        }
        if let Some(started) = self.started {
            self.log(element, count(), peer, started);
        }
    }

    #[cold]
    #[inline(never)]
    fn log(&self, element: &str, count: usize, peer: Peer, started: Instant) {
        let elapsed = started.elapsed();
        let line = format!(
            "[spmd] rank {} #{} {} {element} x{count}{peer} at {}:{}:{} took {:.1?}\n",
            self.comm.rank(),
            self.seq,
            self.op,
            self.site.file(),
            self.site.line(),
            self.site.column(),
            elapsed
        );
        crate::env::write_stderr(&line);
    }
}

fn error_class(code: c_int) -> c_int {
    let mut class: c_int = 0;
    // SAFETY: `class` is a valid out-pointer; MPI_Error_class accepts any error code.
    unsafe { ffi::MPI_Error_class(code, &mut class) };
    class
}

fn error_string(code: c_int) -> String {
    let mut buffer = vec![0u8; 1024];
    let mut length: c_int = 0;
    // SAFETY: the buffer holds MPI_MAX_ERROR_STRING (<= 1024 in Open MPI and MPICH) bytes and
    // `length` is a valid out-pointer.
    let code = unsafe { ffi::MPI_Error_string(code, buffer.as_mut_ptr().cast(), &mut length) };
    if code != 0 {
        return "(no description)".into();
    }
    buffer.truncate(length.max(0) as usize);
    String::from_utf8_lossy(&buffer).into_owned()
}
