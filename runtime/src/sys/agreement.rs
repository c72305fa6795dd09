//! Nonblocking collectives that start once the ranks have agreed on them.
//!
//! A nonblocking collective cannot agree at its issue the way a blocking one does (a blocking
//! agreement there would wait for every rank to issue it, which MPI does not ask of a
//! nonblocking collective, and a program that sends between the issue and the wait would then
//! deadlock). So its agreement is itself nonblocking: the issue starts an `MPI_Iallreduce` of
//! the agreement's envelope (`sys::fused`, the same as a blocking collective's) on the
//! communicator's private duplicate, and the collective's data moves only once that has
//! completed with every rank's words equal (a collective whose data the envelope carries is
//! then complete: its [`Starter`] takes its result from the agreed payload and starts
//! nothing). Until then the collective waits in this thread's list of [`Gated`] collectives,
//! which every `test`, `wait`, blocking point-to-point call and blocking collective on the same
//! communicator advances: this module only advances without blocking, and
//! [`matching`](super::matching), the thread's progress engine, blocks, advancing the waiting
//! receives meanwhile.
//!
//! MPI requires the ranks to start the collectives of a communicator in the same order. The
//! agreements are started in issue order (the token chain's), and the collectives of one
//! communicator leave this list strictly in the order they were issued, whichever request is
//! waited for first: a collective starts only after every earlier one on its communicator has
//! started, and a blocking collective first starts every waiting one on its communicator
//! (`matching::settle`). A disagreement is known to every rank at the same agreement; it ends
//! the job on the rank that sees it first, wherever that rank advances the list, so that no
//! rank waits for a peer that is blocked elsewhere.
//!
//! Memory: the agreement's envelopes live in a `Box` that MPI reads and writes until the
//! `MPI_Iallreduce` completes. An entry whose agreement is still running is never freed: its
//! communicator being freed ([`release`]), or the thread ending, leaks the envelopes instead.

use std::cell::{Cell, RefCell};
use std::ffi::c_int;
use std::mem::MaybeUninit;
use std::rc::Rc;

use mpi::ffi;

use super::fused::{self, Envelope};
use super::{InFlight, RawComm, SysError, SysResult};
use crate::element::{Element, OpKind};
use crate::recycle;

/// What this rank passes to the agreement and what the ranks agreed: `[mine, agreed]`.
type Envelopes = [Envelope; 2];

/// The error that ends the job when the ranks disagree, from the agreed envelope (which holds
/// the range of every word then: [`Envelope::ranges`]).
type Refusal = Box<dyn Fn(&Envelope) -> String>;

/// A collective waiting for its agreement, shared by its request and the thread's list.
pub(crate) struct Gated<S: Element, R: Element> {
    /// The communicator the collective's data moves on: the order of the list is kept per
    /// communicator.
    comm: ffi::MPI_Comm,
    state: RefCell<Gate<S, R>>,
}

/// What starts a collective on its communicator, once the ranks agreed: called once.
pub(crate) trait Starter<S: Element, R: Element> {
    /// Starts the data on `comm`, or the exchange of counts the data waits for; or, for a
    /// collective whose data the agreement carried, takes its result from `agreed` and starts
    /// nothing.
    fn start<'c>(&mut self, comm: RawComm<'c>, agreed: &Envelope) -> SysResult<Begun<'c, S, R>>;
}

/// What a [`Starter`] started.
pub(crate) enum Begun<'c, S: Element, R: Element> {
    /// The collective's data.
    Data(InFlight<'c, S, R>),
    /// A v-collective's exchange of counts, a collective of the same communicator (so started
    /// in the same order on every rank, as the data would be); once it completed, its
    /// received counts start the data ([`Then`]).
    Counting(InFlight<'c, u64, u64>, Box<dyn Then<S, R>>),
}

/// What starts a v-collective's data from the counts its exchange received: called once. It
/// compares them with the counts the rank was given, if any, and ends the job with the op's
/// error when they differ (as a disagreement does: the other ranks may be waiting for this
/// rank's data).
pub(crate) trait Then<S: Element, R: Element> {
    fn start<'c>(&mut self, comm: RawComm<'c>, counts: &[u64]) -> SysResult<InFlight<'c, S, R>>;
}

impl<S: Element, R: Element, F> Then<S, R> for Option<F>
where
    F: for<'c> FnOnce(RawComm<'c>, &[u64]) -> SysResult<InFlight<'c, S, R>>,
{
    fn start<'c>(&mut self, comm: RawComm<'c>, counts: &[u64]) -> SysResult<InFlight<'c, S, R>> {
        let start = self.take().expect("a collective's data is started once");
        start(comm, counts)
    }
}

impl<S: Element, R: Element, F> Starter<S, R> for Option<F>
where
    F: for<'c> FnOnce(RawComm<'c>) -> SysResult<InFlight<'c, S, R>>,
{
    fn start<'c>(&mut self, comm: RawComm<'c>, _: &Envelope) -> SysResult<Begun<'c, S, R>> {
        let start = self.take().expect("a collective's data is started once");
        start(comm).map(Begun::Data)
    }
}

/// A [`Starter`] of an exchange of counts (`exchange`), then of the data (`then`); or, when
/// the agreement carried the counts (`carried`: where this rank's lie in the payload, as
/// `u32`s, and how many), of the data at once.
struct Staged<E, T> {
    exchange: Option<E>,
    then: Option<T>,
    carried: Option<(Taking, usize)>,
}

/// The most counts an agreement's payload carries, as `u32`s.
pub(crate) const CARRIED_COUNTS: usize = fused::PAYLOAD_BYTES / 4;

impl<S, R, E, T> Starter<S, R> for Staged<E, T>
where
    S: Element,
    R: Element,
    E: for<'c> FnOnce(RawComm<'c>) -> SysResult<InFlight<'c, u64, u64>>,
    T: for<'c> FnOnce(RawComm<'c>, &[u64]) -> SysResult<InFlight<'c, S, R>> + 'static,
{
    fn start<'c>(&mut self, comm: RawComm<'c>, agreed: &Envelope) -> SysResult<Begun<'c, S, R>> {
        let exchange = self.exchange.take().expect("a collective is started once");
        if let Some((taking, len)) = self.carried {
            drop(exchange);
            let then = self.then.take().expect("a collective is started once");
            let mut carried = [0u32; CARRIED_COUNTS];
            taking.deliver(agreed, &mut carried[..len])?;
            let mut counts = [0u64; CARRIED_COUNTS];
            for (count, &slot) in counts.iter_mut().zip(&carried[..len]) {
                *count = u64::from(slot);
            }
            return then(comm, &counts[..len]).map(Begun::Data);
        }
        let counts = exchange(comm)?;
        let then: Box<dyn Then<S, R>> = recycle::boxed(self.then.take());
        Ok(Begun::Counting(counts, then))
    }
}

/// The [`Start`] of a v-collective whose data waits for its counts: `exchange` starts their
/// exchange on the communicator, and `then` starts the data from the counts received.
pub(crate) fn staged<S, R, E, T>(exchange: E, then: T) -> Start<S, R>
where
    S: Element,
    R: Element,
    E: for<'c> FnOnce(RawComm<'c>) -> SysResult<InFlight<'c, u64, u64>> + 'static,
    T: for<'c> FnOnce(RawComm<'c>, &[u64]) -> SysResult<InFlight<'c, S, R>> + 'static,
{
    recycle::boxed(Staged {
        exchange: Some(exchange),
        then: Some(then),
        carried: None,
    })
}

/// [`staged`], for a v-collective whose agreement carries its counts (see `Call::carrying`):
/// this rank's `len` counts lie in the agreed payload as `taking` says, and the data starts
/// from them as soon as the ranks agreed, `exchange` never called.
///
/// # Panics
/// If `len` is more than [`CARRIED_COUNTS`].
pub(crate) fn staged_carried<S, R, E, T>(
    exchange: E,
    then: T,
    (taking, len): (Taking, usize),
) -> Start<S, R>
where
    S: Element,
    R: Element,
    E: for<'c> FnOnce(RawComm<'c>) -> SysResult<InFlight<'c, u64, u64>> + 'static,
    T: for<'c> FnOnce(RawComm<'c>, &[u64]) -> SysResult<InFlight<'c, S, R>> + 'static,
{
    assert!(len <= CARRIED_COUNTS, "{len} counts carried");
    recycle::boxed(Staged {
        exchange: Some(exchange),
        then: Some(then),
        carried: Some((taking, len)),
    })
}

/// Starts what `start` starts on `comm` and, for a v-collective, waits for its counts and
/// starts its data: the data in flight. For the collectives that start at their issue (check
/// mode, or no agreement), where the issue blocks anyway: their agreement (if any) carries no
/// data, so `start` must not be a [`carried`] one.
pub(crate) fn start_now<'c, S: Element, R: Element>(
    start: &mut Start<S, R>,
    comm: RawComm<'c>,
) -> SysResult<InFlight<'c, S, R>> {
    match start.start(comm, &Envelope::new([0; fused::WORDS]))? {
        Begun::Data(flight) => Ok(flight),
        Begun::Counting(counts, mut then) => {
            let counts = counts.wait();
            let data = counts.and_then(|counts| then.start(comm, &counts.recv));
            recycle::drop_recycled(then);
            data
        }
    }
}

/// A [`Starter`] in a recycled allocation (see [`recycle`](crate::recycle)).
pub(crate) type Start<S, R> = Box<dyn Starter<S, R>>;

/// The [`Start`] of `start`.
pub(crate) fn starter<S, R, F>(start: F) -> Start<S, R>
where
    S: Element,
    R: Element,
    F: for<'c> FnOnce(RawComm<'c>) -> SysResult<InFlight<'c, S, R>> + 'static,
{
    recycle::boxed(Some(start))
}

/// Where a rank's result lies in a payload that carried a collective's data (in elements of
/// the result's type).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Taking {
    /// Nothing (a reduce or gather off the root, a broadcast's root).
    Nothing,
    /// As many elements as the result holds, from this element on.
    From(usize),
    /// Block `index` of each of the `count` rows of `count` blocks of `block` elements, into
    /// consecutive blocks of the result (an alltoall: what every rank put for this one).
    Column {
        block: usize,
        index: usize,
        count: usize,
    },
    /// The reduction with `kind`, in rank order, of the first `upto` blocks (of the result's
    /// length): a scan's result (`upto` = rank + 1), an exscan's (`upto` = rank).
    Prefix { upto: usize, kind: OpKind },
}

impl Taking {
    /// Copies what this rank takes from the agreed payload of `agreed` into `out`.
    pub(crate) fn deliver<T: Element>(self, agreed: &Envelope, out: &mut [T]) -> SysResult {
        match self {
            Taking::Nothing => Ok(()),
            Taking::From(from) => agreed.deliver(out, from),
            Taking::Column {
                block,
                index,
                count,
            } => {
                for (row, out) in out.chunks_mut(block.max(1)).take(count).enumerate() {
                    agreed.deliver(out, (row * count + index) * block)?;
                }
                Ok(())
            }
            Taking::Prefix { upto, kind } => agreed.deliver_prefix(out, upto, kind),
        }
    }
}

/// A [`Starter`] of a collective whose data its agreement carried: the memory its request
/// hands back, and where its result lies in the payload.
struct Carried<S: Element, R: Element> {
    memory: Option<(super::Memory<S>, super::Memory<R>)>,
    taking: Taking,
}

impl<S: Element, R: Element> Starter<S, R> for Carried<S, R> {
    fn start<'c>(&mut self, _: RawComm<'c>, agreed: &Envelope) -> SysResult<Begun<'c, S, R>> {
        let (send, mut recv) = self.memory.take().expect("a collective is started once");
        self.taking.deliver(agreed, &mut recv)?;
        Ok(Begun::Data(InFlight::settled_with(send, recv)))
    }
}

/// The [`Start`] of a collective whose data its agreement carries (see `guard::carried`): it
/// starts nothing, and its request completes with `send` and `recv`, what `taking` says copied
/// from the agreed payload into `recv`.
pub(crate) fn carried<S: Element, R: Element>(
    send: super::Memory<S>,
    recv: super::Memory<R>,
    taking: Taking,
) -> Start<S, R> {
    recycle::boxed(Carried {
        memory: Some((send, recv)),
        taking,
    })
}

enum Gate<S: Element, R: Element> {
    /// The agreement is running: MPI reads and writes `envelopes` until `request` completes.
    Agreeing {
        request: ffi::MPI_Request,
        envelopes: Box<Envelopes>,
        refusal: Refusal,
        /// Starts the collective's data.
        start: Start<S, R>,
        /// The communicator's handle, rank and size for `start`.
        comm: (usize, usize),
    },
    /// The ranks agreed, and a v-collective's counts are being exchanged: `then` starts its
    /// data once `counts` completed.
    Counting {
        counts: InFlight<'static, u64, u64>,
        then: Box<dyn Then<S, R>>,
        /// The communicator's rank and size for `then`.
        comm: (usize, usize),
    },
    /// The ranks agreed and the data is moving (or its start failed).
    Started(SysResult<InFlight<'static, S, R>>),
    /// Handed to the request.
    Taken,
}

/// What the thread's list needs of an entry, whatever its element types.
trait Advance {
    fn comm(&self) -> ffi::MPI_Comm;
    /// Tests the agreement and, once the ranks agreed, starts the data, without blocking.
    /// Returns whether it has left the agreement; a disagreement ends the job.
    fn advance(&self) -> bool;
}

thread_local! {
    /// This thread's collectives waiting for their agreement, in the order they were issued.
    static LIST: RefCell<Vec<Rc<dyn Advance>>> = const { RefCell::new(Vec::new()) };
    /// `LIST`'s length, read on every blocking call.
    static PENDING: Cell<usize> = const { Cell::new(0) };
}

/// Whether no collective of this thread waits for its agreement.
#[inline]
pub(crate) fn idle() -> bool {
    PENDING.with(Cell::get) == 0
}

impl<S: Element, R: Element> Gated<S, R> {
    /// Starts the agreement on `mine` (an `MPI_Iallreduce` of the envelope on `control`, the
    /// private duplicate of `comm`) of a collective of `comm` that `start` starts once every
    /// rank agreed; puts it at the end of this thread's list.
    ///
    /// `start` is called at most once, with `comm`, while it is alive: an entry leaves the
    /// list (its `start` never called) when `comm` is freed ([`release`]). What it starts is
    /// handed to the request, which borrows `comm` until it completes, so the `'static` of
    /// its communicator and of the [`InFlight`] it returns is never relied on past `comm`'s
    /// life.
    pub(crate) fn issue(
        comm: RawComm<'_>,
        control: RawComm<'_>,
        mine: &Envelope,
        refusal: Refusal,
        start: Start<S, R>,
    ) -> SysResult<Rc<Self>> {
        let mut envelopes: Box<Envelopes> = recycle::boxed([*mine, *mine]);
        // SAFETY: reading the constant handle initialised by mpi-sys's C shim.
        let mut request = unsafe { ffi::RSMPI_REQUEST_NULL };
        // SAFETY: the envelopes are in a heap allocation that the entry owns and never frees
        // before the request completes (see the module docs); `control` is a valid
        // communicator. On an error no request was started.
        unsafe { fused::iallreduce(control, &mut envelopes, &mut request) }?;
        let agreeing = Gate::Agreeing {
            request,
            envelopes,
            refusal,
            start,
            comm: (comm.rank, comm.size),
        };
        let gated = match recycle::reuse::<Self>() {
            Some(mut kept) => {
                let slot = Rc::get_mut(&mut kept).expect("a kept entry is shared with no one");
                slot.comm = comm.handle;
                *slot.state.get_mut() = agreeing;
                kept
            }
            None => Rc::new(Gated {
                comm: comm.handle,
                state: RefCell::new(agreeing),
            }),
        };
        let entry: Rc<dyn Advance> = gated.clone();
        LIST.with(|list| {
            let mut list = list.borrow_mut();
            list.push(entry);
            PENDING.with(|pending| pending.set(list.len()));
        });
        Ok(gated)
    }

    /// Whether the collective has completed, without blocking: advances the list first.
    pub(crate) fn test(&self) -> SysResult<bool> {
        if self.is_agreeing() {
            drive();
        }
        match &mut *self.state.borrow_mut() {
            Gate::Agreeing { .. } | Gate::Counting { .. } => Ok(false),
            Gate::Started(Ok(flight)) => flight.test(),
            Gate::Started(Err(_)) => Ok(true),
            Gate::Taken => Ok(true),
        }
    }

    /// Whether its agreement (or its exchange of counts) is still running: it is then in the
    /// thread's list, which [`settle_step`] advances up to it.
    pub(crate) fn is_agreeing(&self) -> bool {
        matches!(
            *self.state.borrow(),
            Gate::Agreeing { .. } | Gate::Counting { .. }
        )
    }

    /// Its communicator and its address in the thread's list, for [`settle_step`].
    pub(crate) fn place(&self) -> (ffi::MPI_Comm, *const ()) {
        (self.comm, std::ptr::from_ref(self).cast())
    }

    /// Hands over the collective whose data has started, once it has left the agreement: the
    /// caller waits for it.
    pub(crate) fn take_started(&self) -> SysResult<InFlight<'static, S, R>> {
        match std::mem::replace(&mut *self.state.borrow_mut(), Gate::Taken) {
            Gate::Started(flight) => flight,
            Gate::Agreeing { .. } | Gate::Counting { .. } | Gate::Taken => {
                unreachable!("taken once, after the agreement")
            }
        }
    }
}

impl<S: Element, R: Element> Advance for Gated<S, R> {
    fn comm(&self) -> ffi::MPI_Comm {
        self.comm
    }

    fn advance(&self) -> bool {
        let mut state = self.state.borrow_mut();
        if let Gate::Agreeing { request, .. } = &mut *state {
            let mut flag: c_int = 0;
            let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
            // SAFETY: `request` is the active request of the agreement; the out-pointers are
            // valid.
            let result = unsafe { ffi::MPI_Test(request, &mut flag, status.as_mut_ptr()) };
            if result != 0 {
                // An error completes the request (MPI frees it), so the envelopes may be freed.
                *state = Gate::Started(Err(SysError::Mpi {
                    function: "MPI_Test",
                    code: result,
                }));
                return true;
            }
            if flag == 0 {
                return false;
            }
            let Gate::Agreeing {
                envelopes,
                refusal,
                mut start,
                comm: (rank, size),
                ..
            } = std::mem::replace(&mut *state, Gate::Taken)
            else {
                unreachable!("agreeing above")
            };
            // The request completed: the envelopes are free.
            let agreed = envelopes[1];
            recycle::drop_recycled(envelopes);
            if !agreed.unanimous() {
                // Every rank sees the same envelope: each ends the job here, wherever it
                // advanced the list, so that none waits for a peer blocked elsewhere.
                drop(state);
                panic!("{}", refusal(&agreed));
            }
            // SAFETY: the entry is advanced only while its communicator lives (it leaves the
            // list when the communicator is freed), and what `start` returns goes to the
            // request, which borrows the communicator (see `issue`).
            let comm = unsafe { RawComm::new(self.comm, rank, size) };
            *state = match start.start(comm, &agreed) {
                Ok(Begun::Data(flight)) => Gate::Started(Ok(flight)),
                Ok(Begun::Counting(counts, then)) => Gate::Counting {
                    counts,
                    then,
                    comm: (rank, size),
                },
                Err(error) => Gate::Started(Err(error)),
            };
            recycle::drop_recycled(start);
            recycle::drop_recycled(refusal);
        }
        let Gate::Counting { counts, .. } = &mut *state else {
            return true;
        };
        match counts.test_alone() {
            Ok(false) => return false,
            Ok(true) => {}
            // The failed test completed the exchange (see `InFlight::test`).
            Err(error) => {
                *state = Gate::Started(Err(error));
                return true;
            }
        }
        let Gate::Counting {
            counts,
            mut then,
            comm: (rank, size),
        } = std::mem::replace(&mut *state, Gate::Taken)
        else {
            unreachable!("counting above")
        };
        // SAFETY: as for the agreement's start above.
        let comm = unsafe { RawComm::new(self.comm, rank, size) };
        let data = counts
            .wait()
            .and_then(|counts| then.start(comm, &counts.recv));
        recycle::drop_recycled(then);
        *state = Gate::Started(data);
        true
    }
}

impl<S: Element, R: Element> Drop for Gated<S, R> {
    fn drop(&mut self) {
        match std::mem::replace(self.state.get_mut(), Gate::Taken) {
            // MPI may still write the agreement's envelopes: never free them.
            Gate::Agreeing { envelopes, .. } => std::mem::forget(envelopes),
            // Nor the counts being exchanged (waiting for them here could block for ever).
            Gate::Counting { counts, .. } => std::mem::forget(counts),
            _ => {}
        }
    }
}

impl<S: Element, R: Element> Gated<S, R> {
    /// Keeps an entry whose collective was handed to its request for reuse, when nothing else
    /// holds it (the list let go of it when it left the agreement).
    pub(crate) fn recycle(mut gated: Rc<Self>) {
        if Rc::get_mut(&mut gated).is_some_and(|slot| matches!(slot.state.get_mut(), Gate::Taken)) {
            recycle::keep(gated);
        }
    }
}

/// Advances this thread's waiting collectives without blocking, each communicator's in issue
/// order: one that has not agreed yet holds back the later ones of its communicator.
pub(crate) fn drive() {
    LIST.with(|list| {
        let Ok(mut list) = list.try_borrow_mut() else {
            return;
        };
        // The communicators held back, without allocating: past `HELD` of them, every later
        // entry waits for the next pass (holding back is always in order).
        const HELD: usize = 8;
        let mut held = [None::<ffi::MPI_Comm>; HELD];
        let mut count = 0;
        list.retain(|entry| {
            let comm = entry.comm();
            if count == HELD || held[..count].contains(&Some(comm)) {
                return true;
            }
            let left = entry.advance();
            if !left {
                held[count] = Some(comm);
                count += 1;
            }
            !left
        });
        PENDING.with(|pending| pending.set(list.len()));
    });
}

/// Advances the collectives of `comm` waiting for their agreement, in issue order, without
/// blocking, up to the entry at `last` (an address from [`Gated::place`]) or all of them when
/// `None`. Returns whether they are all started; `false` when one still waits for the other
/// ranks (the caller that blocks advances the waiting receives and comes back: see
/// `matching::settle`).
pub(crate) fn settle_step(comm: ffi::MPI_Comm, last: Option<*const ()>) -> bool {
    loop {
        // One entry at a time, the list not borrowed while it is advanced.
        let next = LIST.with(|list| {
            let list = list.borrow();
            list.iter().find(|entry| entry.comm() == comm).cloned()
        });
        let Some(entry) = next else {
            return true;
        };
        if !entry.advance() {
            return false;
        }
        let address = Rc::as_ptr(&entry).cast::<()>();
        LIST.with(|list| {
            let mut list = list.borrow_mut();
            list.retain(|other| !Rc::ptr_eq(other, &entry));
            PENDING.with(|pending| pending.set(list.len()));
        });
        if last == Some(address) {
            return true;
        }
    }
}

/// Drops the waiting collectives of `comm`, which is about to be freed: they belong to
/// forgotten requests (a request borrows its communicator). Their agreements may still be
/// written by MPI, so they are leaked, not freed.
pub(crate) fn release(comm: ffi::MPI_Comm) {
    LIST.with(|list| {
        if let Ok(mut list) = list.try_borrow_mut() {
            let (gone, kept): (Vec<_>, Vec<_>) =
                list.drain(..).partition(|entry| entry.comm() == comm);
            *list = kept;
            PENDING.with(|pending| pending.set(list.len()));
            std::mem::forget(gone);
        }
    });
}
