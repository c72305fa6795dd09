//! Start-up: MPI initialisation, the panic hook that aborts the whole job, environment switches.

use std::io::Write;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

use mpi::environment::Universe as MpiUniverse;
use mpi::ffi;
use mpi::topology::Communicator;

use crate::comm::Comm;

/// Whether `SPMD_DEBUG` asked for one log line per op. Read once, at [`init`].
static DEBUG: AtomicBool = AtomicBool::new(false);
/// This process's rank in `MPI_COMM_WORLD`, or -1 before [`init`].
static WORLD_RANK: AtomicI32 = AtomicI32::new(-1);
static WORLD_SIZE: AtomicI32 = AtomicI32::new(0);
static HOOK: OnceLock<()> = OnceLock::new();

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
        f.debug_struct("Universe").field("world", &self.world).finish()
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
/// hook that aborts the whole job, reads `SPMD_DEBUG`, and returns the universe.
///
/// A panic on any rank after `init` prints the rank and the message, then calls `MPI_Abort`, so
/// the other ranks never hang waiting for a rank that is gone.
///
/// # Panics
/// If MPI was already initialised (by an earlier `init` or by rsmpi directly).
pub fn init() -> Universe {
    let Some((universe, _threading)) =
        mpi::initialize_with_threading(mpi::Threading::Multiple)
    else {
        panic!(
            "spmd::init: MPI is already initialised; call `spmd::init()` once, at the start of \
             `main`, and take communicators from the universe it returns"
        );
    };
    let world = universe.world();
    WORLD_RANK.store(world.rank(), Ordering::Relaxed);
    WORLD_SIZE.store(world.size(), Ordering::Relaxed);
    DEBUG.store(flag("SPMD_DEBUG"), Ordering::Relaxed);
    install_panic_hook();
    let world = Comm::duplicate_of(&world);
    Universe {
        world,
        _mpi: universe,
    }
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
            let location = info
                .location()
                .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
                .unwrap_or_else(|| "an unknown location".into());
            let mut err = std::io::stderr().lock();
            let _ = writeln!(
                err,
                "[spmd] rank {rank} of {size} panicked at {location}:\n{message}\n[spmd] rank \
                 {rank}: aborting the whole job (MPI_Abort) so that no rank waits forever"
            );
            let _ = err.flush();
            drop(err);
            if mpi::environment::is_initialized() && !mpi::environment::is_finalized() {
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
