//! Communicators, and the life of MPI itself.
//!
//! Every [`Comm`] holds a share of MPI's life ([`Life`]): MPI is finalised when the universe
//! and the last communicator are gone, in whatever order the program drops them, so no
//! communicator can ever be used or freed after `MPI_Finalize`.

use std::cell::{OnceCell, RefCell};
use std::ffi::c_int;
use std::fmt;
use std::mem::ManuallyDrop;
use std::panic::Location;
use std::rc::Rc;
use std::sync::{Arc, Mutex, Weak};

use mpi::environment::Universe as MpiUniverse;
use mpi::raw::AsRaw;
use mpi::topology::{Communicator, SimpleCommunicator};

use crate::check::Failure;
use crate::proof::{Streak, StreakCell};
use crate::settings;
use crate::sys::{self, RawComm};
use crate::tally::{self, Tally};

/// MPI, initialised by [`init`](crate::init): finalised when the last holder drops it.
pub(crate) struct Life {
    _mpi: MpiUniverse,
}

impl Drop for Life {
    fn drop(&mut self) {
        // MPI_Finalize (in `_mpi`'s drop, right after this) waits for the other ranks in most
        // MPI libraries: a rank that ends while others still expect messages from it is part
        // of a deadlock, and the watchdog says so.
        crate::watchdog::finalizing();
        crate::sys::fused::release();
        crate::structs::release();
    }
}

/// The life made by `init`, for communicators made later from rsmpi ones.
static LIFE: Mutex<Weak<Life>> = Mutex::new(Weak::new());

impl Life {
    /// Takes ownership of MPI's finalisation.
    pub(crate) fn new(mpi: MpiUniverse) -> Arc<Life> {
        let life = Arc::new(Life { _mpi: mpi });
        *LIFE.lock().unwrap_or_else(|poison| poison.into_inner()) = Arc::downgrade(&life);
        life
    }

    fn current() -> Option<Arc<Life>> {
        LIFE.lock()
            .unwrap_or_else(|poison| poison.into_inner())
            .upgrade()
    }
}

/// A group of ranks that communicate: what every op takes as its `comm` argument.
///
/// Cheap to clone (the MPI communicator is shared). A `Comm` is neither `Send` nor `Sync`: it
/// stays on the thread that made it, like the ordering token of the ops that use it, and MPI
/// is initialised for that guarantee only (`MPI_THREAD_FUNNELED` by default: making a `Comm` on
/// another thread than the one that called [`init`](crate::init) needs
/// [`Threads::Multiple`](crate::Threads::Multiple)). A `Comm` keeps MPI
/// initialised: MPI is finalised once the [`Universe`](crate::Universe) and every `Comm` are
/// dropped. Errors of MPI calls on it are returned (`MPI_ERRORS_RETURN`) and turned into
/// `spmd` errors that name the op, the rank and the call site.
///
/// In check mode ([`Options::check`](crate::Options::check), [`Comm::with_check`]), the end of
/// a communicator (the drop of its last clone, or [`Comm::into_mpi`]) is collective, as its
/// making is: the ranks compare their counts of messages sent and received on it, and a
/// message never received fails the job with its send's call site, element type and count.
#[derive(Clone)]
pub struct Comm {
    inner: Rc<Inner>,
}

struct Inner {
    mpi: ManuallyDrop<SimpleCommunicator>,
    /// A private duplicate for spmd's own messages: the agreement before every collective
    /// ([`guard`](crate::guard)), and in check mode the fingerprints and message headers.
    control: ManuallyDrop<SimpleCommunicator>,
    /// A third duplicate, for the collectives that skip their agreement
    /// ([`proof`](crate::proof)), made by every rank together when the first streak opens.
    fast: OnceCell<SimpleCommunicator>,
    /// The run of equal collectives that may skip their agreement, if one is open.
    streak: StreakCell,
    /// Whether check mode is on.
    checked: bool,
    /// Whether collectives agree before their data moves: always, except on a communicator
    /// made by the `unsafe` [`Comm::without_agreement`].
    agrees: bool,
    /// Whether receives trust the sender's count and let MPI receive without first learning
    /// the message's size: only on a communicator made by the `unsafe` [`Comm::unguarded`],
    /// and never in check mode (whose headers bring the size first).
    trusts_sizes: bool,
    rank: usize,
    size: usize,
    /// Check mode's headers of nonblocking sends still in flight on `control` (see
    /// [`Comm::post`]).
    posted: RefCell<Vec<sys::Posted>>,
    /// Check mode's count of the messages sent to and received from each rank, compared across
    /// ranks when the communicator ends; `None` outside check mode, which counts nothing.
    tally: Option<Tally>,
    /// MPI's life when `spmd` initialised it; `None` when the program initialised MPI itself
    /// (through rsmpi) and so decides when it ends.
    life: Option<Arc<Life>>,
}

impl Inner {
    /// The handle of the private duplicate, while `self` lives.
    fn control_raw(&self) -> RawComm<'_> {
        // SAFETY: the duplicate's handle lives as long as `self`, and MPI stays initialised
        // while `life` is held (callers without it check that MPI is not finalised).
        unsafe { RawComm::new(self.control.as_raw(), self.rank, self.size) }
    }

    /// In check mode, at the communicator's end: makes the ranks compare their counts of
    /// messages (collective), and fails the job if a message was never received. Not while
    /// this thread unwinds from a panic (after `init` the panic has already ended the job),
    /// nor after MPI was finalised under a communicator of a program that initialised MPI
    /// itself.
    fn settle_messages(&self) {
        let Some(tally) = &self.tally else {
            return;
        };
        let finalized = self.life.is_none() && mpi::environment::is_finalized();
        if finalized || std::thread::panicking() {
            return;
        }
        match tally::settle(self.control_raw(), tally) {
            Ok(()) => {}
            Err(Failure::Mismatch { problem, help }) => {
                panic!(
                    "spmd: rank {} of {}: {problem}\n  help: {help}",
                    self.rank, self.size
                )
            }
            Err(Failure::Sys(error)) => panic!(
                "spmd: rank {} of {}: check mode could not compare the ranks' counts of \
                 messages when the communicator made at {} ended: {error:?}",
                self.rank,
                self.size,
                tally.made_at()
            ),
        }
    }
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.settle_messages();
        // Without a share of MPI's life, MPI may already be finalised: freeing the handles
        // then would end the process, so they are left to the finalisation that already
        // released them.
        let finalized = self.life.is_none() && mpi::environment::is_finalized();
        sys::forget_waiting(self.mpi.as_raw());
        let posted = self.posted.take();
        if finalized {
            std::mem::forget(posted);
        } else {
            drop(posted);
        }
        // Freed first: made last, and only skipped collectives, all completed, used it.
        let fast = self.fast.take();
        if finalized {
            std::mem::forget(fast);
        } else {
            drop(fast);
        }
        // SAFETY: each field is taken exactly once, here, and never used again.
        let (mpi, control) = unsafe {
            (
                ManuallyDrop::take(&mut self.mpi),
                ManuallyDrop::take(&mut self.control),
            )
        };
        if finalized {
            std::mem::forget((mpi, control));
        } else {
            drop((mpi, control));
        }
        // `life` drops after the communicators are freed (it is the last field).
    }
}

impl Comm {
    /// Wraps an rsmpi communicator as it is: messages of other code on the same communicator
    /// can match `spmd`'s. Sets its error handler to `MPI_ERRORS_RETURN`.
    ///
    /// It also duplicates the communicator (`MPI_Comm_dup`) for `spmd`'s own messages (the
    /// ranks' agreement before every collective, and check mode's fingerprints and headers,
    /// when check mode is on for the process: `SPMD_CHECK=1` or [`Options::check`]), which
    /// makes it collective: every rank of `mpi` must call it.
    ///
    /// # Panics
    /// On another thread than the one that called [`init`](crate::init), unless
    /// [`Options::threads`] asked for [`Threads::Multiple`].
    ///
    /// [`Options::check`]: crate::Options::check
    /// [`Options::threads`]: crate::Options::threads
    /// [`Threads::Multiple`]: crate::Threads::Multiple
    #[track_caller]
    pub fn from_mpi(mpi: SimpleCommunicator) -> Comm {
        Comm::wrap(mpi, settings::check_default(), true, false)
    }

    #[track_caller]
    fn wrap(mpi: SimpleCommunicator, check: bool, agrees: bool, trusts_sizes: bool) -> Comm {
        if settings::thread_may_use_mpi() == Some(false) {
            panic!(
                "spmd: a communicator was made at {} on another thread than the one that called \
                 `spmd::init`, but MPI was initialised for one thread; to use MPI from several \
                 threads, initialise it with `SPMD_THREADS=multiple` or \
                 `spmd::init_with(spmd::Options::from_env().threads(spmd::Threads::Multiple))`",
                Location::caller()
            );
        }
        let rank = mpi.rank() as usize;
        let size = mpi.size() as usize;
        let errors_return = |comm: &SimpleCommunicator| {
            // SAFETY: rsmpi's communicator holds a live handle while it lives (here: the whole
            // call), and this is its rank and size.
            let raw = unsafe { RawComm::new(comm.as_raw(), rank, size) };
            if let Err(error) = sys::set_errors_return(raw) {
                panic!("spmd: could not make MPI return its errors on a communicator: {error:?}");
            }
        };
        errors_return(&mpi);
        let control = mpi.duplicate();
        errors_return(&control);
        let made_at = Location::caller();
        Comm {
            inner: Rc::new(Inner {
                mpi: ManuallyDrop::new(mpi),
                control: ManuallyDrop::new(control),
                fast: OnceCell::new(),
                streak: StreakCell::new(None),
                checked: check,
                agrees,
                trusts_sizes,
                rank,
                size,
                posted: RefCell::new(Vec::new()),
                tally: check.then(|| Tally::new(size, made_at)),
                life: Life::current(),
            }),
        }
    }

    /// A duplicate of an rsmpi communicator (`MPI_Comm_dup`, collective over its ranks): same
    /// ranks, separate message space.
    #[track_caller]
    pub fn duplicate_of(mpi: &impl Communicator) -> Comm {
        Comm::from_mpi(mpi.duplicate())
    }

    /// A duplicate of this communicator (`MPI_Comm_dup`, collective) with check mode on or off,
    /// whatever the process-wide setting: with it on, every op on the result first makes the
    /// ranks agree on what they are doing, and its end (collective) checks that every message
    /// sent on it was received (see [`Options::check`](crate::Options::check)).
    #[track_caller]
    pub fn with_check(&self, check: bool) -> Comm {
        Comm::wrap(
            self.inner.mpi.duplicate(),
            check,
            self.inner.agrees,
            self.inner.trusts_sizes,
        )
    }

    /// A duplicate of this communicator (`MPI_Comm_dup`, collective) whose collectives move
    /// their data without the ranks' agreement first: one small `MPI_Allreduce` less per
    /// blocking collective (the book's Performance chapter gives its cost), and nonblocking
    /// collectives that start when issued. Check mode, if on, still checks every collective.
    ///
    /// # Safety
    ///
    /// On the returned communicator, every rank must call the same collectives in the same
    /// order, each with the same element type, count, root and reduction operator (for
    /// example: every rank reaches the same call site with a length fixed by the program, not
    /// by data that differs between ranks). MPI does not bound its writes when they disagree:
    /// Open MPI 4.1 writes a longer broadcast past the end of a shorter buffer and hangs in
    /// an allreduce whose counts differ. Receives (`recv`, `irecv`, ...) keep their own guard,
    /// which does not depend on this.
    #[track_caller]
    pub unsafe fn without_agreement(&self) -> Comm {
        Comm::wrap(
            self.inner.mpi.duplicate(),
            self.inner.checked,
            false,
            self.inner.trusts_sizes,
        )
    }

    /// A duplicate of this communicator (`MPI_Comm_dup`, collective) with neither of `spmd`'s
    /// guards against other ranks' mistakes: collectives move their data without the ranks'
    /// agreement first (as on [`Comm::without_agreement`]), and receives let MPI receive
    /// without first learning the message's size (`MPI_Recv`, `MPI_Sendrecv` and `MPI_Irecv`
    /// into the buffer, instead of a matched probe first). It is the path of plain C MPI, at
    /// its cost: the Performance chapter of the book gives both paths' figures. With check
    /// mode on (for the process or by [`Comm::with_check`]), every op is checked and guarded
    /// as usual.
    ///
    /// # Safety
    ///
    /// On the returned communicator, every rank must call the same collectives in the same
    /// order, each with the same element type, count, root and reduction operator, and every
    /// message must fit the receive that takes it (no more bytes than its buffer or template
    /// holds). MPI does not bound its writes when they do not: Open MPI 4.1 writes a longer
    /// message past the end of the receive buffer, then reports the truncation. A shorter
    /// message stays legal (the status gives its count), and received elements are still
    /// validated (a `bool` that is not 0 or 1 is an error, as on any communicator).
    #[track_caller]
    pub unsafe fn unguarded(&self) -> Comm {
        Comm::wrap(self.inner.mpi.duplicate(), self.inner.checked, false, true)
    }

    /// The communicator of the ranks that pass the same `color` (`MPI_Comm_split` on the
    /// user's communicator, collective: every rank calls it), numbered in the order of their
    /// ranks here, with this communicator's settings (check mode, agreement, guarded
    /// receives). `color` is at most `i32::MAX`: [`split`](crate::split) checks it.
    #[track_caller]
    pub(crate) fn split_off(&self, color: i32) -> Comm {
        let mpi = self
            .inner
            .mpi
            .split_by_color(mpi::topology::Color::with_value(color))
            .expect("MPI gives every rank with a defined colour a communicator");
        Comm::wrap(
            mpi,
            self.inner.checked,
            self.inner.agrees,
            self.inner.trusts_sizes,
        )
    }

    /// Whether collectives on this communicator agree before their data moves: `false` only
    /// for communicators made by [`Comm::without_agreement`] or [`Comm::unguarded`].
    pub fn agrees(&self) -> bool {
        self.inner.agrees
    }

    /// Whether receives on this communicator learn a message's size before any byte of it
    /// lands: `false` only for communicators made by [`Comm::unguarded`] outside check mode.
    pub fn guards_receives(&self) -> bool {
        !self.trusts_sizes()
    }

    /// Whether receives let MPI write without learning the size first (see
    /// [`Comm::unguarded`]); check mode's headers bring the size first, so never under it.
    #[inline]
    fn trusts_sizes(&self) -> bool {
        self.inner.trusts_sizes && !self.inner.checked
    }

    /// Whether check mode is on for this communicator.
    pub fn is_checked(&self) -> bool {
        self.inner.checked
    }

    /// This process's rank in the communicator, `0..size()`.
    #[inline]
    pub fn rank(&self) -> usize {
        self.inner.rank
    }

    /// The number of ranks in the communicator.
    #[inline]
    pub fn size(&self) -> usize {
        self.inner.size
    }

    /// The neighbours `offset` ranks away on a periodic ring, as `(source, dest)` for
    /// [`sendrecv`](crate::sendrecv): the message comes from `rank - offset` and goes to
    /// `rank + offset`, both modulo `size()` (as `MPI_Cart_shift` on a periodic dimension).
    ///
    /// `comm.shift(1)` passes data to the right: every rank receives its left neighbour's.
    /// A negative `offset` goes the other way; `shift(0)` is the rank itself.
    pub fn shift(&self, offset: isize) -> (crate::Source, crate::Dest) {
        let (rank, size) = (self.rank() as i128, self.size() as i128);
        let step = offset as i128;
        // In range: `rem_euclid` by `size` (at least 1) lands in `0..size`.
        let source = (rank - step).rem_euclid(size) as usize;
        let dest = (rank + step).rem_euclid(size) as usize;
        (crate::Source::rank(source), crate::Dest::rank(dest))
    }

    /// The rsmpi communicator, for calls `spmd` does not wrap.
    pub fn as_mpi(&self) -> &SimpleCommunicator {
        &self.inner.mpi
    }

    /// Gives the rsmpi communicator back, or `self` if clones of it are still alive. MPI then
    /// stays initialised only as long as the [`Universe`](crate::Universe) or other `Comm`s
    /// live. In check mode, giving the last clone back ends the communicator for `spmd`: it is
    /// collective, and checks that every message sent on it was received (see [`Comm`]).
    pub fn into_mpi(self) -> Result<SimpleCommunicator, Comm> {
        match Rc::try_unwrap(self.inner) {
            Ok(inner) => {
                inner.settle_messages();
                let mut inner = ManuallyDrop::new(inner);
                // What forgotten requests left waiting on it is spmd's, not the caller's.
                sys::forget_waiting(inner.mpi.as_raw());
                drop(inner.fast.take());
                // SAFETY: `inner` is never dropped (ManuallyDrop) and each field is taken once.
                let (mpi, control, life) = unsafe {
                    (
                        ManuallyDrop::take(&mut inner.mpi),
                        ManuallyDrop::take(&mut inner.control),
                        std::ptr::read(&inner.life),
                    )
                };
                drop(control);
                drop(life);
                Ok(mpi)
            }
            Err(inner) => Err(Comm { inner }),
        }
    }

    /// Whether MPI has been finalised under this communicator: only possible when the program
    /// initialised MPI itself and ended it while this `Comm` lived.
    #[inline]
    pub(crate) fn mpi_finalized(&self) -> bool {
        self.inner.life.is_none() && mpi::environment::is_finalized()
    }

    /// The communicator's handle, for the calls of `sys`.
    #[inline]
    pub(crate) fn raw(&self) -> RawComm<'_> {
        // SAFETY: the handle lives as long as `self.inner`, which the borrow keeps alive, and
        // MPI stays initialised while `life` is held (or the op checked `mpi_finalized`).
        let raw =
            unsafe { RawComm::new(self.inner.mpi.as_raw(), self.inner.rank, self.inner.size) };
        raw.trusting_sizes(self.trusts_sizes())
    }

    /// The handle of the private duplicate that carries `spmd`'s own messages.
    #[inline]
    pub(crate) fn control_raw(&self) -> RawComm<'_> {
        // SAFETY: as in `raw`; the duplicate has the same ranks and lives as long.
        unsafe {
            RawComm::new(
                self.inner.control.as_raw(),
                self.inner.rank,
                self.inner.size,
            )
        }
    }

    /// The streak this communicator's collectives are in (see [`proof`](crate::proof)).
    #[inline]
    pub(crate) fn streak(&self) -> Option<Streak> {
        self.inner.streak.get()
    }

    /// Opens, continues or (with `None`) ends this communicator's streak.
    #[inline]
    pub(crate) fn set_streak(&self, streak: Option<Streak>) {
        self.inner.streak.set(streak);
    }

    /// The handle of the duplicate for skipped collectives, once made.
    #[inline]
    pub(crate) fn fast_raw(&self) -> Option<RawComm<'_>> {
        let fast = self.inner.fast.get()?;
        // SAFETY: as in `raw`; the duplicate has the same ranks and lives as long.
        Some(unsafe { RawComm::new(fast.as_raw(), self.inner.rank, self.inner.size) })
    }

    /// Makes the duplicate for skipped collectives (`MPI_Comm_dup` of the control duplicate,
    /// collective) unless it is made: called by every rank at once, right after an agreement
    /// whose ranks all presented the same proof (the only place a streak opens).
    pub(crate) fn make_fast(&self) {
        self.inner.fast.get_or_init(|| {
            let fast = self.inner.control.duplicate();
            // SAFETY: rsmpi's communicator holds a live handle while it lives.
            let raw = unsafe { RawComm::new(fast.as_raw(), self.inner.rank, self.inner.size) };
            if let Err(error) = sys::set_errors_return(raw) {
                panic!("spmd: could not make MPI return its errors on a communicator: {error:?}");
            }
            fast
        });
    }

    /// Keeps `send` (a header on the control communicator) until it completes: each post first
    /// drops the sends that have completed, and the communicator's end releases the others.
    pub(crate) fn post(&self, send: sys::Posted) {
        let mut posted = self.inner.posted.borrow_mut();
        posted.retain_mut(|send| !send.done());
        posted.push(send);
    }

    /// In check mode, counts a message sent to `dest` (after its header went out).
    #[inline]
    pub(crate) fn count_sent(&self, dest: c_int) {
        if let Some(tally) = &self.inner.tally {
            tally.sent(dest);
        }
    }

    /// In check mode, counts a message received from `source` (after its header came in).
    #[inline]
    pub(crate) fn count_received(&self, source: c_int) {
        if let Some(tally) = &self.inner.tally {
            tally.received(source);
        }
    }

    /// The check communicator's handle (the control duplicate), when check mode is on.
    #[inline]
    pub(crate) fn check_raw(&self) -> Option<RawComm<'_>> {
        self.inner.checked.then(|| self.control_raw())
    }
}

impl fmt::Debug for Comm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Comm")
            .field("rank", &self.inner.rank)
            .field("size", &self.inner.size)
            .field("checked", &self.is_checked())
            .field("agrees", &self.agrees())
            .field("guards_receives", &self.guards_receives())
            .finish()
    }
}
