//! Nonblocking receives matched by spmd, so that their size is known before any byte lands.
//!
//! A posted `MPI_Irecv` cannot be bounded: on a longer message Open MPI 4.1 writes all of it
//! past the buffer, then reports `MPI_ERR_TRUNCATE`. So a nonblocking receive is not posted;
//! it waits here, in the thread's list of [`Deferred`] receives, until a probe finds its message
//! (`MPI_Improbe`), whose size is then checked before `MPI_Imrecv` receives exactly that many
//! elements into the request's own memory (or scratch memory of the message's size receives it,
//! refused).
//!
//! Two promises of a posted receive are kept:
//! - **Order.** A message goes to the earliest issued receive that accepts it (MPI's rule for
//!   posted receives). A receive whose envelope (source, tag) overlaps an earlier waiting one's
//!   on the same communicator first looks at its message without matching it (`MPI_Iprobe`),
//!   and gives it to the earliest waiting receive that accepts it ([`drive`], [`probe_after`]).
//! - **Progress, in point-to-point calls.** A posted receive lets a sender's blocking send of a
//!   large message complete while the receiver is blocked elsewhere. Here, every blocking
//!   point-to-point call of spmd (`send`, `recv`, `sendrecv`), and every `wait` and `test`, on a
//!   thread with waiting receives runs in its nonblocking form and matches them while it waits
//!   ([`block_on`], [`probe_after`]); with none waiting ([`idle`]), it is the plain blocking
//!   call. Blocking collectives cannot do the same: MPI never matches a rank's nonblocking
//!   collective with another's blocking one, so a rank blocked in `barrier`, `allreduce`, ...
//!   matches nothing meanwhile. A peer that blocks until such a rank receives its large message
//!   (a blocking `send`, or a `wait` for an `isend`, before the collective) then waits for a
//!   receive that is never matched: the watchdog reports both ranks. Programs whose ranks issue
//!   the collective in the same place relative to their sends and waits, as SPMD programs do,
//!   never meet it.
//!
//! A waiting receive is only ever probed on its communicator's thread (a `Comm` never leaves
//! the thread that made it), and its entry leaves the list when its communicator is freed
//! ([`release`]).

use std::cell::{Cell, RefCell};
use std::ffi::c_int;
use std::mem::MaybeUninit;
use std::rc::Rc;

use mpi::ffi;

use super::{
    Gated, InFlight, Memory, RawComm, RawStatus, SysError, SysResult, agreement, code, count,
};
use crate::element::Element;
use crate::recycle;

/// A nonblocking receive's state, shared by its request and the thread's list.
pub(crate) struct Deferred<R: Element> {
    comm: ffi::MPI_Comm,
    source: c_int,
    tag: c_int,
    state: RefCell<State<R>>,
}

enum State<R: Element> {
    /// Not matched: the memory its message will land in.
    Waiting(Memory<R>),
    /// Matched and being received by `MPI_Imrecv` into `recv`, `elements` of them.
    Receiving {
        request: ffi::MPI_Request,
        recv: Memory<R>,
        elements: usize,
    },
    /// Received (its elements and status) or refused.
    Done(SysResult<(Memory<R>, RawStatus)>),
    /// Handed back.
    Taken,
}

impl<R: Element> Deferred<R> {
    /// Keeps a finished receive for reuse when nothing else holds it (the list let go of it
    /// once it left the waiting state; a forgotten request's receive is never finished).
    pub(crate) fn recycle(mut deferred: Rc<Self>) {
        if Rc::get_mut(&mut deferred)
            .is_some_and(|slot| matches!(slot.state.get_mut(), State::Taken))
        {
            recycle::keep(deferred);
        }
    }
}

/// What the thread's list needs of a waiting receive, whatever its element type.
trait Waiting {
    fn comm(&self) -> ffi::MPI_Comm;
    fn envelope(&self) -> (c_int, c_int);
    fn is_waiting(&self) -> bool;
    /// Receives the matched `message`, whose probe gave `probed`.
    fn land(&self, message: ffi::MPI_Message, probed: &RawStatus);
    /// Ends it with `error` (a probe for it failed).
    fn fail(&self, error: SysError);
}

thread_local! {
    /// This thread's waiting receives, in the order they were issued.
    static LIST: RefCell<Vec<Rc<dyn Waiting>>> = const { RefCell::new(Vec::new()) };
    /// `LIST`'s length, read on every blocking call.
    static WAITING: Cell<usize> = const { Cell::new(0) };
}

/// Whether this thread has no waiting receive: blocking calls may then block in MPI.
#[inline]
pub(crate) fn idle() -> bool {
    WAITING.with(Cell::get) == 0 && agreement::idle()
}

/// Whether a message with envelope `(source, tag)` may match a receive of `envelope`.
fn accepts(envelope: (c_int, c_int), source: c_int, tag: c_int) -> bool {
    let any_source = super::any_source();
    let any_tag = super::any_tag();
    (envelope.0 == any_source || envelope.0 == source)
        && (envelope.1 == any_tag || envelope.1 == tag)
}

/// Whether some message could match both envelopes.
fn overlap(a: (c_int, c_int), b: (c_int, c_int)) -> bool {
    let any_source = super::any_source();
    let any_tag = super::any_tag();
    (a.0 == any_source || b.0 == any_source || a.0 == b.0)
        && (a.1 == any_tag || b.1 == any_tag || a.1 == b.1)
}

impl<R: Element> Deferred<R> {
    /// A receive into `recv` from `source` with `tag` on `comm`, waiting in this thread's list.
    pub(crate) fn issue(
        comm: ffi::MPI_Comm,
        recv: Memory<R>,
        source: c_int,
        tag: c_int,
    ) -> SysResult<Rc<Self>> {
        count(recv.len())?;
        let deferred = match recycle::reuse::<Self>() {
            Some(mut kept) => {
                let slot = Rc::get_mut(&mut kept).expect("a kept receive is shared with no one");
                slot.comm = comm;
                slot.source = source;
                slot.tag = tag;
                *slot.state.get_mut() = State::Waiting(recv);
                kept
            }
            None => Rc::new(Deferred {
                comm,
                source,
                tag,
                state: RefCell::new(State::Waiting(recv)),
            }),
        };
        let waiting: Rc<dyn Waiting> = deferred.clone();
        LIST.with(|list| {
            let mut list = list.borrow_mut();
            list.push(waiting);
            WAITING.with(|count| count.set(list.len()));
        });
        // The message may be here already.
        drive();
        Ok(deferred)
    }

    /// Whether it has completed, without blocking: matches waiting receives first.
    pub(crate) fn test(&self) -> bool {
        if matches!(*self.state.borrow(), State::Waiting(_)) {
            drive();
        }
        let mut state = self.state.borrow_mut();
        if let State::Receiving { request, .. } = &mut *state {
            let mut flag: c_int = 0;
            let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
            // SAFETY: `request` is the active request of MPI_Imrecv; the out-pointers are valid.
            let result = unsafe { ffi::MPI_Test(request, &mut flag, status.as_mut_ptr()) };
            if result != 0 || flag != 0 {
                let State::Receiving { recv, elements, .. } =
                    std::mem::replace(&mut *state, State::Taken)
                else {
                    unreachable!("matched above")
                };
                *state = State::Done(code("MPI_Test", result).and_then(|()| {
                    // SAFETY: the receive completed, so MPI filled the status.
                    finish(
                        recv,
                        elements,
                        RawStatus(unsafe { status.assume_init() }),
                        "MPI_Imrecv",
                    )
                }));
            }
        }
        matches!(*state, State::Done(_))
    }

    /// Waits until it completed (matching waiting receives while it waits), and hands back its
    /// memory and status.
    pub(crate) fn wait(&self) -> SysResult<(Memory<R>, RawStatus)> {
        while !self.test() {
            std::hint::spin_loop();
        }
        match std::mem::replace(&mut *self.state.borrow_mut(), State::Taken) {
            State::Done(result) => result,
            _ => unreachable!("test returned true"),
        }
    }
}

/// The elements of a completed receive of `elements`, validated.
fn finish<R: Element>(
    mut recv: Memory<R>,
    elements: usize,
    status: RawStatus,
    function: &'static str,
) -> SysResult<(Memory<R>, RawStatus)> {
    super::validate(function, &mut recv[..elements])?;
    Ok((recv, status))
}

impl<R: Element> Waiting for Deferred<R> {
    fn comm(&self) -> ffi::MPI_Comm {
        self.comm
    }

    fn envelope(&self) -> (c_int, c_int) {
        (self.source, self.tag)
    }

    fn is_waiting(&self) -> bool {
        matches!(*self.state.borrow(), State::Waiting(_))
    }

    fn land(&self, mut message: ffi::MPI_Message, probed: &RawStatus) {
        let mut state = self.state.borrow_mut();
        let State::Waiting(mut recv) = std::mem::replace(&mut *state, State::Taken) else {
            unreachable!("only waiting receives are given a message")
        };
        let bytes = match probed.bytes() {
            Ok(bytes) => bytes,
            Err(error) => {
                // The size is unknown, so the message cannot be received anywhere: it stays
                // matched, and the error ends the job.
                *state = State::Done(Err(error));
                return;
            }
        };
        let elements = bytes / R::WIRE_SIZE;
        if elements > recv.len() || !bytes.is_multiple_of(R::WIRE_SIZE) {
            *state = State::Done(Err(super::drain(
                message,
                probed.source(),
                bytes,
                "MPI_Imrecv",
            )));
            return;
        }
        // SAFETY: reading the constant handle initialised by mpi-sys's C shim.
        let mut request = unsafe { ffi::RSMPI_REQUEST_NULL };
        // SAFETY: `recv` holds at least `elements` initialised elements, and the matched message
        // holds exactly `elements` of `R`'s size, so MPI writes inside `recv`. `recv` moves into
        // the state, whose heap memory does not move, and stays there until MPI completed the
        // request (`test`); a request that is forgotten leaks its state with it.
        let result = unsafe {
            ffi::MPI_Imrecv(
                super::addr_mut(&mut recv),
                elements as c_int,
                R::datatype(),
                &mut message,
                &mut request,
            )
        };
        *state = match code("MPI_Imrecv", result) {
            Ok(()) => State::Receiving {
                request,
                recv,
                elements,
            },
            Err(error) => State::Done(Err(error)),
        };
    }

    fn fail(&self, error: SysError) {
        let mut state = self.state.borrow_mut();
        if matches!(*state, State::Waiting(_)) {
            *state = State::Done(Err(error));
        }
    }
}

/// `MPI_Improbe`: the next message from `source` with `tag` on `comm`, matched, if one is there.
fn improbe(
    comm: ffi::MPI_Comm,
    source: c_int,
    tag: c_int,
) -> SysResult<Option<(ffi::MPI_Message, RawStatus)>> {
    let mut flag: c_int = 0;
    let mut message = MaybeUninit::<ffi::MPI_Message>::uninit();
    let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
    // SAFETY: the out-pointers are valid; `comm` is a live communicator of this thread (entries
    // leave the list when their communicator is freed, see `release`).
    let result = unsafe {
        ffi::MPI_Improbe(
            source,
            tag,
            comm,
            &mut flag,
            message.as_mut_ptr(),
            status.as_mut_ptr(),
        )
    };
    code("MPI_Improbe", result)?;
    // SAFETY: with the flag set, MPI wrote the message handle and the status.
    Ok((flag != 0).then(|| unsafe { (message.assume_init(), RawStatus(status.assume_init())) }))
}

/// `MPI_Iprobe`: the sender and tag of the next message from `source` with `tag` on `comm`,
/// left unmatched, if one is there.
pub(super) fn iprobe(
    comm: ffi::MPI_Comm,
    source: c_int,
    tag: c_int,
) -> SysResult<Option<(c_int, c_int)>> {
    let mut flag: c_int = 0;
    let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
    // SAFETY: as in `improbe`.
    let result = unsafe { ffi::MPI_Iprobe(source, tag, comm, &mut flag, status.as_mut_ptr()) };
    code("MPI_Iprobe", result)?;
    Ok((flag != 0).then(|| {
        // SAFETY: with the flag set, MPI filled the status.
        let status = RawStatus(unsafe { status.assume_init() });
        (status.source(), status.tag())
    }))
}

/// The message for a receive of envelope `(source, tag)` on `comm` that comes after the first
/// `before` entries of `list`, matched, if one is there and no earlier waiting receive takes it.
/// Messages that earlier waiting receives accept are given to them on the way.
fn match_after(
    list: &[Rc<dyn Waiting>],
    before: usize,
    comm: ffi::MPI_Comm,
    source: c_int,
    tag: c_int,
) -> SysResult<Option<(ffi::MPI_Message, RawStatus)>> {
    loop {
        let earlier = || {
            list[..before]
                .iter()
                .filter(|entry| entry.comm() == comm && entry.is_waiting())
        };
        if !earlier().any(|entry| overlap(entry.envelope(), (source, tag))) {
            return improbe(comm, source, tag);
        }
        let Some((from, with)) = iprobe(comm, source, tag)? else {
            return Ok(None);
        };
        // The message seen is the first from `from` with tag `with` (messages between two
        // ranks on one communicator do not overtake each other), so this matches it.
        let Some((message, probed)) = improbe(comm, from, with)? else {
            return Ok(None);
        };
        match earlier().find(|entry| accepts(entry.envelope(), from, with)) {
            Some(owner) => owner.land(message, &probed),
            None => return Ok(Some((message, probed))),
        }
    }
}

/// Matches what it can of this thread's waiting receives, in issue order, and advances its
/// collectives waiting for their agreement ([`agreement::drive`]), without blocking.
pub(crate) fn drive() {
    drive_receives();
    if !agreement::idle() {
        agreement::drive();
    }
}

/// [`drive`] of the waiting receives alone.
pub(crate) fn drive_receives() {
    LIST.with(|list| {
        let Ok(mut list) = list.try_borrow_mut() else {
            return;
        };
        for index in 0..list.len() {
            let entry = &list[index];
            if !entry.is_waiting() {
                continue;
            }
            let (source, tag) = entry.envelope();
            match match_after(&list, index, entry.comm(), source, tag) {
                Ok(Some((message, probed))) => list[index].land(message, &probed),
                Ok(None) => {}
                Err(error) => list[index].fail(error),
            }
        }
        list.retain(|entry| entry.is_waiting());
        WAITING.with(|count| count.set(list.len()));
    });
}

/// The message for a blocking receive from `source` with `tag` on `comm`, matched, after every
/// waiting receive of this thread had its turn (they were issued before it).
pub(crate) fn probe_after(
    comm: ffi::MPI_Comm,
    source: c_int,
    tag: c_int,
) -> SysResult<(ffi::MPI_Message, RawStatus)> {
    loop {
        drive();
        let found = LIST.with(|list| {
            let list = list.borrow();
            match_after(&list, list.len(), comm, source, tag)
        })?;
        if let Some(found) = found {
            return Ok(found);
        }
        std::hint::spin_loop();
    }
}

/// `MPI_Wait` for the active `request`; on a thread with waiting receives, a loop of `MPI_Test`
/// that matches them meanwhile ([`block_on`]).
pub(crate) fn wait(request: &mut ffi::MPI_Request) -> SysResult<RawStatus> {
    if !idle() {
        return block_on(request, "MPI_Wait");
    }
    let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
    // SAFETY: the request is active; `status` is a valid out-pointer.
    let result = unsafe { ffi::MPI_Wait(request, status.as_mut_ptr()) };
    code("MPI_Wait", result)?;
    // SAFETY: the wait succeeded, so MPI filled the status.
    Ok(RawStatus(unsafe { status.assume_init() }))
}

/// Waits for `request` (started by a blocking call's nonblocking form), matching this thread's
/// waiting receives meanwhile.
pub(crate) fn block_on(
    request: &mut ffi::MPI_Request,
    function: &'static str,
) -> SysResult<RawStatus> {
    loop {
        let mut flag: c_int = 0;
        let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
        // SAFETY: `request` is active until MPI_Test reports it complete (or fails, which frees
        // it); the out-pointers are valid.
        let result = unsafe { ffi::MPI_Test(request, &mut flag, status.as_mut_ptr()) };
        code(function, result)?;
        if flag != 0 {
            // SAFETY: the request completed, so MPI filled the status.
            return Ok(RawStatus(unsafe { status.assume_init() }));
        }
        drive();
        std::hint::spin_loop();
    }
}

/// Starts every collective of `comm` that waits for its agreement ([`agreement`]), in issue
/// order, blocking until the other ranks have issued them and advancing this thread's waiting
/// receives meanwhile (a peer may be blocked sending to this rank before it issues the
/// collective): before a blocking collective on `comm`, whose own data must follow theirs.
#[inline]
pub(crate) fn settle(comm: RawComm<'_>) {
    if !agreement::idle() {
        settle_until(comm.handle, None);
    }
}

/// Waits until the data of the collective `gated` has started (every earlier collective of its
/// communicator first, as [`settle`]) and hands it over: the caller waits for it.
pub(crate) fn started<S: Element, R: Element>(
    gated: &Gated<S, R>,
) -> SysResult<InFlight<'static, S, R>> {
    if gated.is_agreeing() {
        let (comm, address) = gated.place();
        settle_until(comm, Some(address));
    }
    gated.take_started()
}

fn settle_until(comm: ffi::MPI_Comm, last: Option<*const ()>) {
    while !agreement::settle_step(comm, last) {
        drive_receives();
        std::hint::spin_loop();
    }
}

/// Drops the waiting receives of `comm`, which is about to be freed: they belong to forgotten
/// requests (a request borrows its communicator), and MPI never got their memory.
pub(crate) fn release(comm: ffi::MPI_Comm) {
    LIST.with(|list| {
        if let Ok(mut list) = list.try_borrow_mut() {
            list.retain(|entry| entry.comm() != comm);
            WAITING.with(|count| count.set(list.len()));
        }
    });
}
