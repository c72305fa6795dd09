//! Start-up: MPI initialisation at the cheapest safe threading level, the panic hook that aborts
//! the whole job, environment switches.

use std::sync::OnceLock;
use std::time::Duration;

use mpi::topology::Communicator;
use mpi::traits::Root;

use crate::comm::{Comm, Life};
use crate::settings;

/// How long a panicking rank waits between printing its message and aborting the job.
const ABORT_GRACE: Duration = Duration::from_millis(200);

static HOOK: OnceLock<()> = OnceLock::new();

/// Run-time switches of `spmd`, read from the environment by [`Options::from_env`] (which
/// [`init`] uses) or set in code and passed to [`init_with`].
///
/// | variable | field | effect |
/// |---|---|---|
/// | `SPMD_DEBUG=1` | [`debug`](Options::debug) | one log line per op: rank, sequence number, op, element type, count, peer or root, call site, duration |
/// | `SPMD_CHECK=1` | [`check`](Options::check) | ranks compare every collective and every message before it runs; a mismatch stops the job with each rank's op and call site |
/// | `SPMD_TIMEOUT=<seconds>` | [`timeout`](Options::timeout) | a watchdog reports the op each rank is blocked in after that long, then aborts the job (a rank the launcher leaves alive ends itself) |
/// | `SPMD_THREADS=single\|funneled\|multiple` | [`threads`](Options::threads) | the threading level MPI is initialised with ([`Threads`]): `funneled` unless set; `multiple` lets several threads each make and use their own communicators |
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Options {
    /// Log one line per op to standard error.
    pub debug: bool,
    /// Check mode: collectives compare a fingerprint (op, element type, count, root, reduction
    /// operator) across ranks, and every point-to-point message is preceded by a header with its
    /// type, count and call site. When a communicator ends (its last handle is dropped; for the
    /// world, with the program), the ranks compare how many messages each sent to each and
    /// received from each, and a message never received fails the job with its send's call
    /// site, element type and count: ending a checked communicator is then collective, like
    /// making it. Costs one small extra message per op, and one count per message; nothing when
    /// off.
    pub check: bool,
    /// Deadlock watchdog: after this long blocked in one op, report it (with the ranks of this
    /// host that are blocked in different ops at the same op number) and abort the job; a rank
    /// still alive 5 seconds after the abort (the launcher did not end the job) ends itself with
    /// a non-zero exit status. On or off alike on every rank: starting it, [`init_with`] gives
    /// the ranks a number for the job (a broadcast from rank 0).
    pub timeout: Option<Duration>,
    /// The threading level MPI is initialised with: [`Threads::Funneled`] unless set.
    pub threads: Threads,
}

/// The threading level [`init`] asks MPI for (`SPMD_THREADS=single|funneled|multiple`).
///
/// Whatever the level, a [`Comm`] is `!Send` and `!Sync`, and only the thread that called
/// [`init`] can make one (the others get an error naming the fix) unless the level is
/// [`Multiple`](Threads::Multiple): so MPI is only ever called from that thread. What the levels
/// differ in is what the program promises MPI about its *other* threads, and what MPI spends on
/// it. Per op, counted in instructions with Open MPI 4.1 (`cargo xtask bench`, an allreduce and a
/// sendrecv on `MPI_COMM_SELF`): `MPI_Init` 1422, `Single` 1424, `Funneled` 1639, `Multiple`
/// 1641: with Open MPI, `Funneled` costs as much as `Multiple`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Threads {
    /// `MPI_THREAD_SINGLE`, the level C's `MPI_Init` gives: the cheapest (about 13 % fewer
    /// instructions per small op than `Funneled` with Open MPI 4.1). The MPI standard then
    /// allows one thread in the process; take it when the program starts no other thread while
    /// MPI is initialised, or only threads that never touch MPI, as C programs that call
    /// `MPI_Init` and compute with OpenMP threads do, which Open MPI and MPICH run correctly
    /// but the standard does not promise. spmd's own extra thread, the watchdog
    /// ([`Options::timeout`]), only calls MPI when it aborts the job.
    Single,
    /// `MPI_THREAD_FUNNELED`, the default: the process may have other threads, and only the
    /// thread that called [`init`] calls MPI, which is what spmd enforces.
    #[default]
    Funneled,
    /// `MPI_THREAD_MULTIPLE`: communicators can also be made on other threads (each thread then
    /// has its own token chain and its own communicators). With Open MPI, MPI locks around its
    /// progress engine: small messages take about a quarter longer than with `MPI_Init`
    /// (ping-pong of 4-64 B, measured side by side in plain C).
    Multiple,
}

impl Threads {
    fn mpi(self) -> mpi::Threading {
        match self {
            Threads::Single => mpi::Threading::Single,
            Threads::Funneled => mpi::Threading::Funneled,
            Threads::Multiple => mpi::Threading::Multiple,
        }
    }
}

impl Options {
    /// The options the environment asks for: `SPMD_DEBUG`, `SPMD_CHECK` (`1`, `true`, `yes`
    /// or anything but `0`, `false`, `no` and empty turn them on), `SPMD_TIMEOUT` (seconds,
    /// fractions allowed) and `SPMD_THREADS` (`single`, `funneled` or `multiple`, see
    /// [`Threads`]).
    ///
    /// # Panics
    /// If `SPMD_TIMEOUT` is set to something that is not a positive number of seconds, or
    /// `SPMD_THREADS` to something that is not a level.
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
        let threads = match std::env::var("SPMD_THREADS") {
            Ok(value) => match value.trim() {
                "" | "funneled" => Threads::Funneled,
                "single" => Threads::Single,
                "multiple" => Threads::Multiple,
                other => panic!(
                    "spmd: SPMD_THREADS={other:?} is not a threading level; set it to `single` \
                     (MPI_THREAD_SINGLE), `funneled` (the default) or `multiple` \
                     (MPI_THREAD_MULTIPLE), or unset it"
                ),
            },
            Err(_) => Threads::Funneled,
        };
        Options {
            debug: flag("SPMD_DEBUG"),
            check: flag("SPMD_CHECK"),
            timeout,
            threads,
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

    /// Sets [`threads`](Options::threads).
    pub fn threads(mut self, threads: Threads) -> Options {
        self.threads = threads;
        self
    }
}

/// The MPI environment of the program.
///
/// MPI is finalised when the universe and every [`Comm`] are dropped, in any order: a `Comm`
/// keeps MPI alive, so `let comm = spmd::init().world();` is fine.
pub struct Universe {
    world: Comm,
}

impl std::fmt::Debug for Universe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Universe")
            .field("world", &self.world)
            .finish()
    }
}

impl Universe {
    /// All processes of the job: a duplicate of `MPI_COMM_WORLD`, so that messages of the
    /// program's own rsmpi calls on `MPI_COMM_WORLD` can never match `spmd`'s.
    pub fn world(&self) -> Comm {
        self.world.clone()
    }
}

/// Initialises MPI (`MPI_Init_thread` at the level of [`Options::threads`]: `MPI_THREAD_FUNNELED`
/// unless `SPMD_THREADS` or the options say otherwise), installs the panic
/// hook that aborts the whole job, reads `SPMD_DEBUG`, `SPMD_CHECK` and `SPMD_TIMEOUT`
/// ([`Options::from_env`]), and returns the universe. [`init_with`] takes the options from code.
///
/// A panic on any rank after `init` prints the rank and the message, then calls `MPI_Abort`, so
/// the other ranks never hang waiting for a rank that is gone; if the launcher does not end the
/// job, the rank ends itself a few seconds later (`_exit` with status 1).
///
/// # Panics
/// If MPI was already initialised (by an earlier `init` or by rsmpi directly).
#[track_caller]
pub fn init() -> Universe {
    init_with(Options::from_env())
}

/// [`init`] with options set in code instead of read from the environment, e.g.
/// `spmd::init_with(spmd::Options::from_env().check(true))`.
///
/// # Panics
/// If MPI was already initialised.
#[track_caller]
pub fn init_with(options: Options) -> Universe {
    let level = options.threads.mpi();
    let Some((universe, provided)) = mpi::initialize_with_threading(level) else {
        panic!(
            "spmd::init: MPI is already initialised; call `spmd::init()` once, at the start of \
             `main`, and take communicators from the universe it returns"
        );
    };
    if provided < level {
        panic!(
            "spmd::init: the MPI library provides thread level {provided:?}, below the \
             {level:?} asked for; {}",
            if options.threads == Threads::Multiple {
                "use an MPI library built with MPI_THREAD_MULTIPLE support, or leave \
                 `Options::threads` at `Threads::Funneled`"
            } else {
                "this MPI library cannot run spmd programs"
            }
        );
    }
    let world = universe.world();
    settings::set(
        world.rank() as usize,
        world.size() as usize,
        options.debug,
        options.check,
        options.threads == Threads::Multiple,
    );
    install_panic_hook();
    if let Some(timeout) = options.timeout {
        crate::watchdog::start(timeout, job_number(&world));
    }
    let _life = Life::new(universe);
    Universe {
        world: Comm::duplicate_of(&world),
    }
}

/// A number that is the same on every rank of the job and, with high probability, differs
/// from other jobs': rank 0's process id and clock, broadcast (collective over `world`).
fn job_number(world: &mpi::topology::SimpleCommunicator) -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.as_nanos() as u64);
    let mut job = crate::check::fnv(&[&std::process::id().to_le_bytes(), &nanos.to_le_bytes()]);
    world.process_at_rank(0).broadcast_into(&mut job);
    job
}

fn flag(name: &str) -> bool {
    std::env::var(name).is_ok_and(|value| !matches!(value.trim(), "" | "0" | "false" | "no"))
}

fn install_panic_hook() {
    HOOK.get_or_init(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let rank = settings::world_rank().map_or(-1, |rank| rank as i64);
            let size = settings::world_size();
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
            settings::write_stderr(&format!(
                "[spmd] rank {rank} of {size} panicked{location}:\n{message}\n[spmd] rank \
                 {rank}: aborting the whole job (MPI_Abort) so that no rank waits forever\n"
            ));
            if mpi::environment::is_initialized() && !mpi::environment::is_finalized() {
                // MPICH's launcher may end the job on the abort before it has forwarded what
                // the ranks wrote: give it a moment, so that the message above is seen.
                std::thread::sleep(ABORT_GRACE);
                crate::watchdog::abort_job(1);
            }
            previous(info);
        }));
    });
}
