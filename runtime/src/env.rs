//! Start-up: MPI initialisation, the panic hook that aborts the whole job, environment switches.

use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::time::Duration;

use mpi::environment::Universe as MpiUniverse;
use mpi::ffi;
use mpi::topology::Communicator;

use crate::comm::Comm;

/// How long a panicking rank waits between printing its message and aborting the job.
const ABORT_GRACE: Duration = Duration::from_millis(200);

/// Whether `SPMD_DEBUG` asked for one log line per op. Read once, at [`init`].
static DEBUG: AtomicBool = AtomicBool::new(false);
/// This process's rank in `MPI_COMM_WORLD`, or -1 before [`init`].
static WORLD_RANK: AtomicI32 = AtomicI32::new(-1);
static WORLD_SIZE: AtomicI32 = AtomicI32::new(0);
static HOOK: OnceLock<()> = OnceLock::new();
/// Whether communicators made by [`init`] and [`Comm::from_mpi`] have check mode on.
static CHECK: AtomicBool = AtomicBool::new(false);

/// Whether new communicators get check mode (set by [`init_with`]).
pub(crate) fn check_default() -> bool {
    CHECK.load(Ordering::Relaxed)
}

/// Run-time switches of `spmd`, read from the environment by [`Options::from_env`] (which
/// [`init`] uses) or set in code and passed to [`init_with`].
///
/// | variable | field | effect |
/// |---|---|---|
/// | `SPMD_DEBUG=1` | [`debug`](Options::debug) | one log line per op: rank, sequence number, op, element type, count, peer or root, call site, duration |
/// | `SPMD_CHECK=1` | [`check`](Options::check) | ranks compare every collective and every message before it runs; a mismatch stops the job with each rank's op and call site |
/// | `SPMD_TIMEOUT=<seconds>` | [`timeout`](Options::timeout) | a watchdog reports the op each rank is blocked in after that long, then aborts the job |
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// Log one line per op to standard error.
    pub debug: bool,
    /// Check mode: collectives compare a fingerprint (op, element type, count, root, reduction
    /// operator) across ranks, and every point-to-point message is preceded by a header with its
    /// type, count and call site. Costs one small extra message per op; nothing when off.
    pub check: bool,
    /// Deadlock watchdog: after this long blocked in one op, report it and abort the job.
    pub timeout: Option<Duration>,
}

impl Options {
    /// The options the environment asks for: `SPMD_DEBUG`, `SPMD_CHECK` (`1`, `true`, `yes`
    /// or anything but `0`, `false`, `no` and empty turn them on) and `SPMD_TIMEOUT` (seconds,
    /// fractions allowed).
    ///
    /// # Panics
    /// If `SPMD_TIMEOUT` is set to something that is not a positive number of seconds.
    pub fn from_env() -> Options {
        let timeout = std::env::var("SPMD_TIMEOUT").ok().and_then(|value| {
            let value = value.trim();
            if value.is_empty() {
                return None;
            }
            match value.parse::<f64>() {
                Ok(seconds) if seconds > 0.0 && seconds.is_finite() => {
                    Some(Duration::from_secs_f64(seconds))
                }
                _ => panic!(
                    "spmd: SPMD_TIMEOUT={value:?} is not a positive number of seconds; \
                     set e.g. SPMD_TIMEOUT=30, or unset it to turn the watchdog off"
                ),
            }
        });
        Options {
            debug: flag("SPMD_DEBUG"),
            check: flag("SPMD_CHECK"),
            timeout,
        }
    }

    /// Sets [`debug`](Options::debug).
    pub fn debug(mut self, on: bool) -> Options {
        self.debug = on;
        self
    }

    /// Sets [`check`](Options::check).
    pub fn check(mut self, on: bool) -> Options {
        self.check = on;
        self
    }

    /// Sets [`timeout`](Options::timeout).
    pub fn timeout(mut self, timeout: Option<Duration>) -> Options {
        self.timeout = timeout;
        self
    }
}

#[inline]
pub(crate) fn debug_enabled() -> bool {
    DEBUG.load(Ordering::Relaxed)
}

/// The rank of this process in `MPI_COMM_WORLD`, or `None` before [`init`].
pub fn world_rank() -> Option<usize> {
    usize::try_from(WORLD_RANK.load(Ordering::Relaxed)).ok()
}

/// The MPI environment of the program; MPI is finalised when it is dropped.
///
/// Communicators made from it must be dropped before it is.
pub struct Universe {
    world: Comm,
    // Declared last: dropped (MPI finalised) after `world` is freed.
    _mpi: MpiUniverse,
}

impl std::fmt::Debug for Universe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Universe")
            .field("world", &self.world)
            .finish()
    }
}

impl Drop for Universe {
    fn drop(&mut self) {
        // MPI_Finalize waits for the other ranks in most MPI libraries: a rank that ends while
        // others still expect messages from it is part of a deadlock, and the watchdog says so.
        crate::watchdog::finalizing(self.world.rank(), self.world.size());
    }
}

impl Universe {
    /// All processes of the job: a duplicate of `MPI_COMM_WORLD`, so that messages of the
    /// program's own rsmpi calls on `MPI_COMM_WORLD` can never match `spmd`'s.
    pub fn world(&self) -> Comm {
        self.world.clone()
    }
}

/// Initialises MPI (`MPI_Init_thread` asking for `MPI_THREAD_MULTIPLE`), installs the panic
/// hook that aborts the whole job, reads `SPMD_DEBUG`, `SPMD_CHECK` and `SPMD_TIMEOUT`
/// ([`Options::from_env`]), and returns the universe. [`init_with`] takes the options from code.
///
/// A panic on any rank after `init` prints the rank and the message, then calls `MPI_Abort`, so
/// the other ranks never hang waiting for a rank that is gone.
///
/// # Panics
/// If MPI was already initialised (by an earlier `init` or by rsmpi directly).
pub fn init() -> Universe {
    init_with(Options::from_env())
}

/// [`init`] with options set in code instead of read from the environment, e.g.
/// `spmd::init_with(spmd::Options::from_env().check(true))`.
///
/// # Panics
/// If MPI was already initialised.
pub fn init_with(options: Options) -> Universe {
    let Some((universe, _threading)) = mpi::initialize_with_threading(mpi::Threading::Multiple)
    else {
        panic!(
            "spmd::init: MPI is already initialised; call `spmd::init()` once, at the start of \
             `main`, and take communicators from the universe it returns"
        );
    };
    let world = universe.world();
    WORLD_RANK.store(world.rank(), Ordering::Relaxed);
    WORLD_SIZE.store(world.size(), Ordering::Relaxed);
    DEBUG.store(options.debug, Ordering::Relaxed);
    CHECK.store(options.check, Ordering::Relaxed);
    install_panic_hook();
    if let Some(timeout) = options.timeout {
        crate::watchdog::start(timeout);
    }
    let world = Comm::duplicate_of(&world);
    Universe {
        world,
        _mpi: universe,
    }
}

/// Writes `text` to standard error in one `write` call where the system allows, so that lines
/// of ranks sharing a terminal do not interleave mid-line (Rust's `eprintln!` may write a line
/// in several pieces).
pub(crate) fn write_stderr(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|value| !matches!(value.trim(), "" | "0" | "false" | "no"))
}

fn install_panic_hook() {
    HOOK.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let rank = WORLD_RANK.load(Ordering::Relaxed);
            let size = WORLD_SIZE.load(Ordering::Relaxed);
            let message = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("(a panic payload that is not a string)");
            // An op's error names the user's call site itself; where inside `spmd` it panicked
            // is of no use to the user.
            let location = match info.location() {
                _ if message.starts_with("spmd: ") => String::new(),
                Some(l) => format!(" at {}:{}:{}", l.file(), l.line(), l.column()),
                None => String::new(),
            };
            write_stderr(&format!(
                "[spmd] rank {rank} of {size} panicked{location}:\n{message}\n[spmd] rank \
                 {rank}: aborting the whole job (MPI_Abort) so that no rank waits forever\n"
            ));
            if mpi::environment::is_initialized() && !mpi::environment::is_finalized() {
                // MPICH's launcher may end the job on the abort before it has forwarded what
                // the ranks wrote: give it a moment, so that the message above is seen.
                std::thread::sleep(ABORT_GRACE);
                // SAFETY: MPI is initialised and not finalised (checked just above), and
                // `MPI_Abort` may be called from any thread under `MPI_THREAD_MULTIPLE`.
                unsafe {
                    ffi::MPI_Abort(ffi::RSMPI_COMM_WORLD, 1);
                }
            }
            previous(info);
        }));
    });
}
