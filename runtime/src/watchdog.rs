//! The deadlock watchdog (`SPMD_TIMEOUT=<seconds>`, [`Options::timeout`](crate::Options::timeout)).
//!
//! Every op records what it is blocked in (op, peer or root, call site, sequence number) while
//! it runs, in a record of its own thread: token chains are per thread, and so are blocked ops.
//! A background thread looks at every thread's record and reports an op that has been blocked
//! for longer than the timeout, then aborts the job. Every rank runs its own watchdog, so a
//! deadlock is reported by each rank that is stuck in it, and a rank that has reached the end
//! of the program says so.
//!
//! A rank's watchdog sees its own threads only. So that a report can say when ranks are blocked
//! in different ops at the same op number (rank 0 in `allreduce`, rank 1 in `sendrecv`: the
//! likely cause of the hang), a rank whose op has been blocked for half the timeout writes what
//! it is blocked in to a file of a folder that the ranks of the job on one host share
//! ([`Board`]), and removes it when the op ends; a firing watchdog reads the others' files.
//! Ranks on other hosts are not compared.
//!
//! Ending the job: the watchdog, and the panic hook of [`init`](crate::init), call
//! [`abort_job`], which asks MPI to end the job (`MPI_Abort`) and ends the process itself
//! with `_exit` if it is still alive a few seconds later: Open MPI 4.1's `mpirun` sometimes
//! never ends a job after an `MPI_Abort`, and a rank left blocked then hangs until its own
//! watchdog fires, which ends it in the same way.

use std::ffi::c_int;
use std::fmt::Write as _;
use std::panic::Location;
use std::path::PathBuf;
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
/// The board this rank writes to and reads from (set by [`start`]).
static BOARD: OnceLock<Board> = OnceLock::new();

/// How long a rank that asked MPI to end the job waits for that before it ends itself.
pub(crate) const ABORT_DEADLINE: Duration = Duration::from_secs(5);
/// Set (to anything) in a test of [`abort_job`], it makes `MPI_Abort` never return and end
/// nothing, as a launcher that does not end the job: only the deadline then ends the process.
const ABORT_HANGS_FOR_TESTS: &str = "SPMD_TEST_ABORT_HANGS";

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
    /// The end of a check-mode communicator made at `made_at`: the ranks compare their counts
    /// of messages ([`tally`](crate::tally)).
    Settle {
        made_at: &'static Location<'static>,
    },
}

#[inline]
pub(crate) fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// Starts the watchdog thread (once per process). `job` is the same number on every rank of
/// the job (and differs between jobs): it names the folder of the job's [`Board`].
pub(crate) fn start(timeout: Duration, job: u64) {
    if TIMEOUT.set(timeout).is_err() {
        return;
    }
    let board = BOARD.get_or_init(|| Board::new(job));
    ENABLED.store(true, Ordering::Relaxed);
    let poll = (timeout / 4).clamp(Duration::from_millis(10), Duration::from_millis(250));
    let spawned = thread::Builder::new()
        .name("spmd-watchdog".into())
        .spawn(move || {
            let mut posted = String::new();
            loop {
                thread::sleep(poll);
                let blocked: Vec<(String, Blocked)> = {
                    let mut threads = lock(&THREADS);
                    threads.retain(|record| record.strong_count() > 0);
                    threads
                        .iter()
                        .filter_map(Weak::upgrade)
                        .filter_map(|record| {
                            let blocked = (*lock(&record.blocked))?;
                            (blocked.since.elapsed() >= timeout / 2)
                                .then(|| (record.thread.clone(), blocked))
                        })
                        .collect()
                };
                let entry = Board::entry(&blocked);
                if entry != posted {
                    board.post(&entry);
                    posted = entry;
                }
                let stuck: Vec<(String, Blocked)> = blocked
                    .into_iter()
                    .filter(|(_, blocked)| blocked.since.elapsed() >= timeout)
                    .collect();
                if !stuck.is_empty() {
                    fire(&stuck, timeout, board);
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

/// Records that this thread has reached the end of the check-mode communicator made at
/// `made_at`, where the ranks compare their counts of messages.
#[cold]
pub(crate) fn enter_settle(made_at: &'static Location<'static>, rank: usize, size: usize) {
    set(Some(Blocked {
        what: What::Settle { made_at },
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
    if let Some(board) = BOARD.get() {
        board.post("");
    }
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

fn fire(stuck: &[(String, Blocked)], timeout: Duration, board: &Board) -> ! {
    settings::write_stderr(&report(stuck, timeout, &board.others()));
    // Let the watchdogs of the other stuck ranks read this rank's entry and report before the
    // abort ends them; the entry goes before the abort, so that the folder does not outlive
    // the job.
    thread::sleep(Duration::from_millis(1000));
    board.post("");
    thread::sleep(Duration::from_millis(500));
    if FINALIZING.load(Ordering::Relaxed) {
        // Inside MPI_Finalize, MPI_Abort is not allowed, and the exit handlers (MPI's among
        // them) could wait again: end the process at once. The launcher sees every rank exit
        // with this status.
        // SAFETY: `_exit` ends the process without running anything; it has no preconditions.
        unsafe { libc::_exit(3) }
    }
    abort_job(3)
}

/// Ends the whole job with exit status `code`: `MPI_Abort`, and should this process still be
/// alive [`ABORT_DEADLINE`] later (the launcher did not end the job), `_exit(code)`. A rank
/// that is blocked when the launcher fails to end the job is ended by its own watchdog, if it
/// has one, in the same way.
pub(crate) fn abort_job(code: c_int) -> ! {
    let rank = settings::world_rank().map_or(-1, |rank| rank as i64);
    let deadline = thread::Builder::new()
        .name("spmd-abort-deadline".into())
        .spawn(move || {
            thread::sleep(ABORT_DEADLINE);
            settings::write_stderr(&format!(
                "[spmd] rank {rank}: still running {}s after asking MPI to abort the job (the \
                 launcher did not end it): this rank ends itself with exit status {code}\n",
                ABORT_DEADLINE.as_secs()
            ));
            // SAFETY: `_exit` has no preconditions; it skips the exit handlers, among them
            // MPI's, which could wait for the job that failed to end.
            unsafe { libc::_exit(code) }
        });
    if let Err(error) = deadline {
        settings::write_stderr(&format!(
            "[spmd] rank {rank}: could not start the thread that ends this rank if the abort \
             does not: {error}\n"
        ));
    }
    if std::env::var_os(ABORT_HANGS_FOR_TESTS).is_some() {
        loop {
            thread::park();
        }
    }
    crate::sys::abort(code);
    // MPI_Abort returns only where MPI is not running (not initialised, or finalised): there is
    // no job left to end but this process.
    // SAFETY: as above.
    unsafe { libc::_exit(code) }
}

/// What the watchdog says when `stuck` made no progress within `timeout`: a line per blocked
/// thread, a line per op that another rank of this host (`others`) is not in at the same op
/// number, then what it makes of them.
fn report(stuck: &[(String, Blocked)], timeout: Duration, others: &[Seen]) -> String {
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
            What::Settle { made_at } => format!(
                "has waited {waited:.1}s at the end of the check-mode communicator made at {}:{}:{} \
                 for the other ranks to compare their counts of messages (every rank must end \
                 it: drop its last handle) on thread {thread}",
                made_at.file(),
                made_at.line(),
                made_at.column()
            ),
        };
        report.push_str(&format!("[spmd] watchdog: rank {rank} of {size} {story}\n"));
    }
    report.push_str(&different_ops(stuck, others));
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

/// The folder where the ranks of one job on one host tell each other what they are blocked in,
/// for the report's comparison of ops ([`different_ops`]): a folder of the system's temporary
/// folder named for the job, with one file per rank, written while one of its ops has been
/// blocked for half the timeout and removed when none is.
struct Board {
    dir: PathBuf,
    mine: PathBuf,
}

/// An op another rank is blocked in, read from its file.
#[derive(Debug, PartialEq)]
struct Seen {
    rank: usize,
    seq: u64,
    op: String,
    collective: bool,
    site: String,
}

impl Board {
    fn new(job: u64) -> Board {
        let dir = std::env::temp_dir().join(format!("spmd-watchdog-{job:016x}"));
        let rank = settings::world_rank().unwrap_or(0);
        let mine = dir.join(format!("rank-{rank}"));
        Board { dir, mine }
    }

    /// A rank's file: a line per op blocked (rank, op number, op, whether it is a collective,
    /// call site), empty when none is.
    fn entry(blocked: &[(String, Blocked)]) -> String {
        let mut entry = String::new();
        for (_, blocked) in blocked {
            if let What::Op {
                op,
                peer,
                site,
                seq,
            } = blocked.what
            {
                let _ = writeln!(
                    entry,
                    "{}\t{seq}\t{op}\t{}\t{}:{}:{}",
                    blocked.rank,
                    u8::from(collective(peer)),
                    site.file(),
                    site.line(),
                    site.column()
                );
            }
        }
        entry
    }

    /// Replaces this rank's file with `entry`, or removes it (and the folder, once no rank has
    /// a file) when `entry` is empty. Best effort: a rank that cannot write only goes uncompared.
    fn post(&self, entry: &str) {
        if entry.is_empty() {
            let _ = std::fs::remove_file(&self.mine);
            let _ = std::fs::remove_dir(&self.dir);
            return;
        }
        let _ = std::fs::create_dir_all(&self.dir);
        // Written aside, then renamed: a reader never sees half an entry.
        let aside = self.mine.with_extension("new");
        if std::fs::write(&aside, entry).is_ok() {
            let _ = std::fs::rename(&aside, &self.mine);
        }
    }

    /// What the other ranks of this host have written.
    fn others(&self) -> Vec<Seen> {
        let Ok(files) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        let mut seen = Vec::new();
        for file in files.flatten() {
            let path = file.path();
            if path == self.mine || path.extension().is_some() {
                continue;
            }
            if let Ok(text) = std::fs::read_to_string(&path) {
                seen.extend(text.lines().filter_map(Seen::parse));
            }
        }
        seen.sort_by_key(|seen| seen.rank);
        seen
    }
}

impl Seen {
    fn parse(line: &str) -> Option<Seen> {
        let mut fields = line.split('\t');
        let rank = fields.next()?.parse().ok()?;
        let seq = fields.next()?.parse().ok()?;
        let op = fields.next()?.to_owned();
        let collective = fields.next()? == "1";
        let site = fields.next()?.to_owned();
        Some(Seen {
            rank,
            seq,
            op,
            collective,
            site,
        })
    }
}

/// Whether an op that names `peer` is a collective (no peer, or a root).
fn collective(peer: Peer) -> bool {
    matches!(peer, Peer::None | Peer::Root(_))
}

/// The report's lines for the ops of `stuck` that other ranks (`others`) are not in at the same
/// op number, where one side is a collective: a collective that every rank does not reach is
/// the likely cause of the hang. Point-to-point ops of different kinds (a `send` facing a
/// `recv`) are how messages meet, and are not named.
fn different_ops(stuck: &[(String, Blocked)], others: &[Seen]) -> String {
    let mut lines = String::new();
    for (_, blocked) in stuck {
        let What::Op {
            op,
            peer,
            site,
            seq,
        } = blocked.what
        else {
            continue;
        };
        for other in others {
            let differ = crate::family_hash(op) != crate::family_hash(&other.op);
            if other.rank == blocked.rank
                || other.seq != seq
                || !differ
                || !(collective(peer) || other.collective)
            {
                continue;
            }
            let _ = writeln!(
                lines,
                "[spmd] watchdog: rank {} is blocked in `{op}` at {}:{}:{} and rank {} in `{}` \
                 at {}, both at op #{seq}: these are different ops, the likely cause of the \
                 hang: every rank must reach the same collectives in the same order (look for a \
                 branch on the rank that skips or adds one)",
                blocked.rank,
                site.file(),
                site.line(),
                site.column(),
                other.rank,
                other.op,
                other.site
            );
        }
    }
    lines
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
        let text = report(&[blocked(1, What::Finalize)], timeout, &[]);
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
        let text = report(&[blocked(0, op)], timeout, &[]);
        assert!(
            text.contains("blocked for") && text.contains("`recv`"),
            "{text}"
        );
        assert!(text.contains("probably a deadlock"), "{text}");
        assert!(!text.contains("MPI_Finalize"), "{text}");
    }

    #[test]
    fn ops_of_different_kinds_at_one_op_number_are_named() {
        let site = Location::caller();
        let allreduce = What::Op {
            op: "allreduce",
            peer: Peer::None,
            site,
            seq: 3,
        };
        let stuck = [blocked(0, allreduce)];
        // What rank 0's file says, read back as another rank reads it.
        let entry = Board::entry(&stuck);
        let line = entry.lines().next().expect("one line per blocked op");
        let seen = Seen::parse(line).expect("an entry parses");
        assert_eq!((seen.rank, seen.seq, seen.collective), (0, 3, true));
        assert_eq!(seen.op, "allreduce");
        let other = |rank: usize, seq: u64, op: &str, collective: bool| Seen {
            rank,
            seq,
            op: op.to_owned(),
            collective,
            site: "src/main.rs:9:9".to_owned(),
        };
        let text = report(
            &stuck,
            Duration::from_secs(2),
            &[other(1, 3, "sendrecv", false)],
        );
        assert!(
            text.contains(
                "rank 0 is blocked in `allreduce` at runtime/src/watchdog.rs:"
            ) && text.contains("and rank 1 in `sendrecv` at src/main.rs:9:9, both at op #3: these are different ops"),
            "{text}"
        );
        // The same family (`allreduce_into` matches `allreduce`), another op number, or two
        // point-to-point ops facing each other: nothing to say.
        for quiet in [
            other(1, 3, "allreduce_into", true),
            other(1, 4, "sendrecv", false),
        ] {
            assert_eq!(different_ops(&stuck, &[quiet]), "");
        }
        let recv = What::Op {
            op: "recv",
            peer: Peer::From(1),
            site,
            seq: 3,
        };
        assert_eq!(
            different_ops(&[blocked(0, recv)], &[other(1, 3, "send", false)]),
            ""
        );
        assert_ne!(
            different_ops(&[blocked(0, recv)], &[other(1, 3, "bcast", true)]),
            ""
        );
    }
}
