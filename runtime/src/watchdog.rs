//! The deadlock watchdog (`SPMD_TIMEOUT=<seconds>`, [`Options::timeout`](crate::Options::timeout)).
//!
//! Every op records what it is blocked in (op, peer or root, call site, sequence number) while
//! it runs; a background thread reports an op that has been blocked for longer than the timeout,
//! and then aborts the job. Every rank runs its own watchdog, so a deadlock is reported by each
//! rank that is stuck in it, and a rank that has reached the end of the program says so.

use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use mpi::ffi;

use crate::call::Peer;

/// Whether the watchdog runs: read by every op, so a single relaxed load when off.
static ENABLED: AtomicBool = AtomicBool::new(false);
static TIMEOUT: OnceLock<Duration> = OnceLock::new();
static BLOCKED: Mutex<Option<Blocked>> = Mutex::new(None);

/// What this rank is blocked in.
#[derive(Clone, Copy)]
struct Blocked {
    what: What,
    rank: usize,
    size: usize,
    since: Instant,
}

#[derive(Clone, Copy)]
enum What {
    Op {
        op: &'static str,
        peer: Peer,
        site: &'static Location<'static>,
        seq: u64,
    },
    Finalize,
}

#[inline]
pub(crate) fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Starts the watchdog thread (once per process).
pub(crate) fn start(timeout: Duration) {
    if TIMEOUT.set(timeout).is_err() {
        return;
    }
    ENABLED.store(true, Ordering::Relaxed);
    let poll = (timeout / 4).clamp(Duration::from_millis(10), Duration::from_millis(250));
    let spawned = thread::Builder::new()
        .name("spmd-watchdog".into())
        .spawn(move || {
            loop {
                thread::sleep(poll);
                let blocked = *BLOCKED.lock().unwrap_or_else(|poison| poison.into_inner());
                if let Some(blocked) = blocked
                    && blocked.since.elapsed() >= timeout
                {
                    fire(blocked, timeout);
                }
            }
        });
    if let Err(error) = spawned {
        eprintln!("[spmd] SPMD_TIMEOUT: could not start the watchdog thread: {error}");
    }
}

/// Records that an op is about to block.
#[cold]
pub(crate) fn enter(
    op: &'static str,
    peer: Peer,
    site: &'static Location<'static>,
    seq: u64,
    rank: usize,
    size: usize,
) {
    set(Some(Blocked {
        what: What::Op {
            op,
            peer,
            site,
            seq,
        },
        rank,
        size,
        since: Instant::now(),
    }));
}

/// Records that the op has finished.
#[cold]
pub(crate) fn leave() {
    set(None);
}

/// Records that this rank has reached the end of the program and waits in `MPI_Finalize`.
pub(crate) fn finalizing(rank: usize, size: usize) {
    if enabled() {
        set(Some(Blocked {
            what: What::Finalize,
            rank,
            size,
            since: Instant::now(),
        }));
    }
}

fn set(state: Option<Blocked>) {
    *BLOCKED.lock().unwrap_or_else(|poison| poison.into_inner()) = state;
}

fn fire(blocked: Blocked, timeout: Duration) -> ! {
    let Blocked { rank, size, .. } = blocked;
    let waited = blocked.since.elapsed().as_secs_f64();
    let story = match blocked.what {
        What::Op {
            op,
            peer,
            site,
            seq,
        } => format!(
            "blocked for {waited:.1}s in `{op}`{peer} at {}:{}:{} (op #{seq})",
            site.file(),
            site.line(),
            site.column()
        ),
        What::Finalize => format!(
            "reached the end of the program {waited:.1}s ago and waits in MPI_Finalize for \
             the other ranks"
        ),
    };
    crate::env::write_stderr(&format!(
        "[spmd] watchdog: rank {rank} of {size} {story}\n[spmd] watchdog: rank {rank}: no \
         progress within SPMD_TIMEOUT={}s, probably a deadlock: the lines of all ranks show \
         what each waits for; aborting the job\n",
        timeout.as_secs_f64()
    ));
    // Let the watchdogs of the other stuck ranks report before the abort ends them.
    thread::sleep(Duration::from_millis(1500));
    // SAFETY: MPI is initialised (the watchdog starts after MPI_Init) and MPI_Abort may be called
    // from any thread of a process initialised with MPI_THREAD_MULTIPLE; with a lower level of
    // thread support it is still the only way to end the other ranks.
    unsafe { ffi::MPI_Abort(ffi::RSMPI_COMM_WORLD, 3) };
    std::process::exit(3)
}
