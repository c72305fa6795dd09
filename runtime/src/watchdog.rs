//! The deadlock watchdog (`SPMD_TIMEOUT=<seconds>`, [`Options::timeout`](crate::Options::timeout)).
//!
//! Every op records what it is blocked in (op, peer or root, call site, sequence number) while
//! it runs, in a record of its own thread: token chains are per thread, and so are blocked ops.
//! A background thread looks at every thread's record and reports an op that has been blocked
//! for longer than the timeout, then aborts the job. Every rank runs its own watchdog, so a
//! deadlock is reported by each rank that is stuck in it, and a rank that has reached the end
//! of the program says so.

use std::panic::Location;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use std::thread;
use std::time::{Duration, Instant};

use crate::ident::Peer;
use crate::settings;

/// Whether the watchdog runs: read by every op, so a single relaxed load when off.
static ENABLED: AtomicBool = AtomicBool::new(false);
/// Whether this process has entered `MPI_Finalize`, after which `MPI_Abort` is no longer
/// valid (MPICH fails it with "Invalid communicator").
static FINALIZING: AtomicBool = AtomicBool::new(false);
static TIMEOUT: OnceLock<Duration> = OnceLock::new();
/// Every thread's record (threads that ended drop theirs; the list forgets them).
static THREADS: Mutex<Vec<Weak<Record>>> = Mutex::new(Vec::new());

/// One thread's record: what it is blocked in, if anything.
struct Record {
    thread: String,
    blocked: Mutex<Option<Blocked>>,
}

thread_local! {
    static MINE: Arc<Record> = register();
}

fn register() -> Arc<Record> {
    let current = thread::current();
    let thread = current
        .name()
        .map_or_else(|| format!("{:?}", current.id()), str::to_owned);
    let record = Arc::new(Record {
        thread,
        blocked: Mutex::new(None),
    });
    lock(&THREADS).push(Arc::downgrade(&record));
    record
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// What a thread is blocked in.
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
    /// A `wait` (at `site`) on the request of `origin`, issued with `peer`.
    Wait {
        origin: crate::ident::OpId,
        peer: Peer,
        site: &'static Location<'static>,
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
                let stuck: Vec<(String, Blocked)> = {
                    let mut threads = lock(&THREADS);
                    threads.retain(|record| record.strong_count() > 0);
                    threads
                        .iter()
                        .filter_map(Weak::upgrade)
                        .filter_map(|record| {
                            let blocked = (*lock(&record.blocked))?;
                            (blocked.since.elapsed() >= timeout)
                                .then(|| (record.thread.clone(), blocked))
                        })
                        .collect()
                };
                if !stuck.is_empty() {
                    fire(&stuck, timeout);
                }
            }
        });
    if let Err(error) = spawned {
        eprintln!("[spmd] SPMD_TIMEOUT: could not start the watchdog thread: {error}");
    }
}

/// Records that an op of this thread is about to block.
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

/// Records that a `wait` at `site` of this thread is about to block on the request that
/// `origin` issued.
#[cold]
pub(crate) fn enter_wait(
    origin: crate::ident::OpId,
    peer: Peer,
    site: &'static Location<'static>,
    rank: usize,
    size: usize,
) {
    set(Some(Blocked {
        what: What::Wait { origin, peer, site },
        rank,
        size,
        since: Instant::now(),
    }));
}

/// Records that this thread's op has finished.
#[cold]
pub(crate) fn leave() {
    set(None);
}

/// Records that this rank has reached the end of the program and waits in `MPI_Finalize`.
pub(crate) fn finalizing() {
    FINALIZING.store(true, Ordering::Relaxed);
    if enabled() {
        set(Some(Blocked {
            what: What::Finalize,
            rank: settings::world_rank().unwrap_or(0),
            size: settings::world_size(),
            since: Instant::now(),
        }));
    }
}

fn set(state: Option<Blocked>) {
    // `try_with`: a thread being torn down has no ops left to watch.
    let _ = MINE.try_with(|record| *lock(&record.blocked) = state);
}

fn fire(stuck: &[(String, Blocked)], timeout: Duration) -> ! {
    settings::write_stderr(&report(stuck, timeout));
    // Let the watchdogs of the other stuck ranks report before the abort ends them.
    thread::sleep(Duration::from_millis(1500));
    if FINALIZING.load(Ordering::Relaxed) {
        // Inside MPI_Finalize, MPI_Abort is not allowed, and the exit handlers (MPI's among
        // them) could wait again: end the process at once. The launcher sees every rank exit
        // with this status.
        // SAFETY: `_exit` ends the process without running anything; it has no preconditions.
        unsafe { libc::_exit(3) }
    }
    crate::sys::abort(3);
    std::process::exit(3)
}

/// What the watchdog says when `stuck` made no progress within `timeout`: a line per blocked
/// thread, then what it makes of them.
fn report(stuck: &[(String, Blocked)], timeout: Duration) -> String {
    let mut report = String::new();
    for (thread, blocked) in stuck {
        let Blocked { rank, size, .. } = *blocked;
        let waited = blocked.since.elapsed().as_secs_f64();
        let story = match blocked.what {
            What::Op {
                op,
                peer,
                site,
                seq,
            } => format!(
                "blocked for {waited:.1}s in `{op}`{peer} at {}:{}:{} (op #{seq}) on thread {thread}",
                site.file(),
                site.line(),
                site.column()
            ),
            What::Wait { origin, peer, site } => format!(
                "blocked for {waited:.1}s in `wait` at {}:{}:{} on `{}`{peer} issued at {} on \
                 thread {thread}",
                site.file(),
                site.line(),
                site.column(),
                origin.op,
                origin.site_label()
            ),
            What::Finalize => format!(
                "reached the end of the program {waited:.1}s ago and waits in MPI_Finalize for \
                 the other ranks"
            ),
        };
        report.push_str(&format!("[spmd] watchdog: rank {rank} of {size} {story}\n"));
    }
    let rank = stuck[0].1.rank;
    let seconds = timeout.as_secs_f64();
    let only_finalize = stuck
        .iter()
        .all(|(_, blocked)| matches!(blocked.what, What::Finalize));
    report.push_str(&if only_finalize {
        format!(
            "[spmd] watchdog: rank {rank}: no progress within SPMD_TIMEOUT={seconds}s: the \
             lines of all ranks show what each waits for; if every rank says it reached the \
             end, the program's communication is complete and \
             MPI_Finalize itself hangs: MPICH 4.0 on UCX does over TCP (it closes its \
             connections before its final barrier; MPICH 4.1 reorders the two); use Open MPI, a \
             newer MPICH, or shared memory within a host; ending the process\n"
        )
    } else {
        format!(
            "[spmd] watchdog: rank {rank}: no progress within SPMD_TIMEOUT={seconds}s, probably a \
             deadlock: the lines of all ranks show what each waits for; aborting the job\n"
        )
    });
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blocked(rank: usize, what: What) -> (String, Blocked) {
        let since = Instant::now();
        let blocked = Blocked {
            rank,
            size: 2,
            since,
            what,
        };
        ("main".to_owned(), blocked)
    }

    #[test]
    fn a_hang_in_finalize_alone_is_not_called_a_deadlock() {
        let timeout = Duration::from_secs(2);
        let text = report(&[blocked(1, What::Finalize)], timeout);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].starts_with("[spmd] watchdog: rank 1 of 2 reached the end of the program")
        );
        assert!(lines[1].contains("MPI_Finalize itself hangs"), "{text}");
        assert!(!text.contains("deadlock"), "{text}");
        let op = What::Op {
            op: "recv",
            peer: Peer::From(1),
            site: Location::caller(),
            seq: 0,
        };
        let text = report(&[blocked(0, op)], timeout);
        assert!(
            text.contains("blocked for") && text.contains("`recv`"),
            "{text}"
        );
        assert!(text.contains("probably a deadlock"), "{text}");
        assert!(!text.contains("MPI_Finalize"), "{text}");
    }
}
