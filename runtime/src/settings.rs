//! Process-wide facts and switches, set once by [`init`](crate::init) and read by every layer:
//! the world rank and size, `SPMD_DEBUG`, the check-mode default, the threading level and the
//! thread MPI was initialised on. Also the one way `spmd` writes to standard error.

use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::thread::ThreadId;

/// Whether `SPMD_DEBUG` asked for one log line per op.
static DEBUG: AtomicBool = AtomicBool::new(false);
/// Whether communicators made by [`init`](crate::init) and
/// [`Comm::from_mpi`](crate::Comm::from_mpi) have check mode on.
static CHECK: AtomicBool = AtomicBool::new(false);
/// This process's rank in `MPI_COMM_WORLD`, or -1 before init.
static WORLD_RANK: AtomicI32 = AtomicI32::new(-1);
static WORLD_SIZE: AtomicI32 = AtomicI32::new(0);
/// The thread that initialised MPI, and whether other threads may make communicators.
static THREADS: OnceLock<(ThreadId, bool)> = OnceLock::new();

/// Records what [`init`](crate::init) decided.
pub(crate) fn set(world_rank: usize, world_size: usize, debug: bool, check: bool, multiple: bool) {
    WORLD_RANK.store(world_rank as i32, Ordering::Relaxed);
    WORLD_SIZE.store(world_size as i32, Ordering::Relaxed);
    DEBUG.store(debug, Ordering::Relaxed);
    CHECK.store(check, Ordering::Relaxed);
    let _ = THREADS.set((std::thread::current().id(), multiple));
}

#[inline]
pub(crate) fn debug_enabled() -> bool {
    DEBUG.load(Ordering::Relaxed)
}

/// Whether new communicators get check mode.
pub(crate) fn check_default() -> bool {
    CHECK.load(Ordering::Relaxed)
}

/// The rank of this process in `MPI_COMM_WORLD`, or `None` before [`init`](crate::init).
pub fn world_rank() -> Option<usize> {
    usize::try_from(WORLD_RANK.load(Ordering::Relaxed)).ok()
}

/// The size of `MPI_COMM_WORLD` (0 before init).
pub(crate) fn world_size() -> usize {
    WORLD_SIZE.load(Ordering::Relaxed).max(0) as usize
}

/// Whether the calling thread may use MPI: the thread that initialised it always, others only
/// when [`Options::threads`](crate::Options::threads) asked for
/// `MPI_THREAD_MULTIPLE`. `None` when MPI was not initialised by `spmd`.
pub(crate) fn thread_may_use_mpi() -> Option<bool> {
    THREADS
        .get()
        .map(|&(main, multiple)| multiple || std::thread::current().id() == main)
}

/// Writes `text` to standard error in one `write` call where the system allows, so that lines
/// of ranks sharing a terminal do not interleave mid-line (Rust's `eprintln!` may write a line
/// in several pieces).
pub(crate) fn write_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}
