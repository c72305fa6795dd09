//! Communicators.

use std::fmt;
use std::rc::Rc;

use mpi::ffi;
use mpi::raw::AsRaw;
use mpi::topology::{Communicator, SimpleCommunicator};

/// A group of ranks that communicate: what every op takes as its `comm` argument.
///
/// Cheap to clone (the MPI communicator is shared). A `Comm` stays on the thread that made it,
/// like the ordering token of the ops that use it. Errors of MPI calls on it are returned
/// (`MPI_ERRORS_RETURN`) and turned into `spmd` errors that name the op, the rank and the call
/// site.
#[derive(Clone)]
pub struct Comm {
    inner: Rc<Inner>,
}

struct Inner {
    mpi: SimpleCommunicator,
    /// Check mode: a private duplicate carrying the fingerprints and message headers.
    check: Option<SimpleCommunicator>,
    rank: i32,
    size: i32,
}

impl Comm {
    /// Wraps an rsmpi communicator as it is (no duplication): messages of other code on the same
    /// communicator can match `spmd`'s. Sets its error handler to `MPI_ERRORS_RETURN`.
    ///
    /// When check mode is on for the process (`SPMD_CHECK=1` or [`Options::check`]), this also
    /// duplicates the communicator for the checks' own messages, which makes it collective:
    /// every rank of `mpi` must call it.
    ///
    /// [`Options::check`]: crate::Options::check
    pub fn from_mpi(mpi: SimpleCommunicator) -> Comm {
        let check = crate::env::check_default();
        Comm::wrap(mpi, check)
    }

    fn wrap(mpi: SimpleCommunicator, check: bool) -> Comm {
        // SAFETY: `mpi` is a valid communicator (rsmpi's types only hold live handles), and the
        // predefined handler `MPI_ERRORS_RETURN` is valid for every communicator.
        unsafe {
            ffi::MPI_Comm_set_errhandler(mpi.as_raw(), ffi::RSMPI_ERRORS_RETURN);
        }
        let rank = mpi.rank();
        let size = mpi.size();
        let check = check.then(|| {
            let check = mpi.duplicate();
            // SAFETY: as above, for the fresh duplicate.
            unsafe {
                ffi::MPI_Comm_set_errhandler(check.as_raw(), ffi::RSMPI_ERRORS_RETURN);
            }
            check
        });
        Comm {
            inner: Rc::new(Inner {
                mpi,
                check,
                rank,
                size,
            }),
        }
    }

    /// A duplicate of an rsmpi communicator (`MPI_Comm_dup`, collective over its ranks): same
    /// ranks, separate message space.
    pub fn duplicate_of(mpi: &impl Communicator) -> Comm {
        Comm::from_mpi(mpi.duplicate())
    }

    /// A duplicate of this communicator (`MPI_Comm_dup`, collective) with check mode on or off,
    /// whatever the process-wide setting: with it on, every op on the result first makes the
    /// ranks agree on what they are doing (see [`Options::check`](crate::Options::check)).
    pub fn with_check(&self, check: bool) -> Comm {
        Comm::wrap(self.inner.mpi.duplicate(), check)
    }

    /// Whether check mode is on for this communicator.
    pub fn is_checked(&self) -> bool {
        self.inner.check.is_some()
    }

    /// This process's rank in the communicator, `0..size()`.
    #[inline]
    pub fn rank(&self) -> usize {
        self.inner.rank as usize
    }

    /// The number of ranks in the communicator.
    #[inline]
    pub fn size(&self) -> usize {
        self.inner.size as usize
    }

    /// The rsmpi communicator, for calls `spmd` does not wrap.
    pub fn as_mpi(&self) -> &SimpleCommunicator {
        &self.inner.mpi
    }

    /// Gives the rsmpi communicator back, or `self` if clones of it are still alive.
    pub fn into_mpi(self) -> Result<SimpleCommunicator, Comm> {
        Rc::try_unwrap(self.inner)
            .map(|inner| inner.mpi)
            .map_err(|inner| Comm { inner })
    }

    /// The check communicator, when check mode is on.
    #[inline]
    pub(crate) fn check_raw(&self) -> Option<ffi::MPI_Comm> {
        self.inner.check.as_ref().map(AsRaw::as_raw)
    }

    #[inline]
    pub(crate) fn raw(&self) -> ffi::MPI_Comm {
        self.inner.mpi.as_raw()
    }
}

impl fmt::Debug for Comm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Comm")
            .field("rank", &self.inner.rank)
            .field("size", &self.inner.size)
            .field("checked", &self.is_checked())
            .finish()
    }
}
