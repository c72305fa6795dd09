//! Nonblocking ops: `isend`, `irecv`, `irecv_into`, `isendrecv`, `ibarrier`, `ibcast`,
//! `iallreduce`, `iallgather`, `ialltoall`, `iscatter`, the reductions and reduce-scatters,
//! the v-collectives (`igatherv`, `iallgatherv`, `iscatterv`, `ialltoallv`), and the
//! [`Request`]s they return, completed by [`wait`], [`wait_all`] or [`test`](fn@test).
//!
//! [`Request`] says why a request owns the memory MPI uses.

mod varying;

pub use varying::{
    iallgatherv, iallgatherv_into, ialltoallv, ialltoallv_into, igatherv, igatherv_into, iscatterv,
    iscatterv_into,
};

use std::ffi::c_int;
use std::fmt;
use std::ptr::NonNull;

use crate::buffer::{Buffer, Splittable, Stackable, zeroed};
use crate::call::{Call, Room};
use crate::check::Collective;
use crate::comm::Comm;
use crate::element::{Element, Reduces};
use crate::ident::{OpId, Payload, Peer};
use crate::ops::p2p::{IntoDest, IntoSource, SendrecvSource, Status, received_or_kept};
use crate::settings;
use std::rc::Rc;

use crate::guard;
use crate::ops::handed::{CollectiveBuf, RecvBuf, ResultBuf, SendBuf};
use crate::recycle;
use crate::scope::Registry;
use crate::sys::fused::{Carry, Envelope};
use crate::sys::{
    self, Blocks, Completed, Gated, InFlight, Memory, RawComm, RawStatus, Single, Start, SysResult,
    Taking,
};
use crate::token::Token;
use crate::watchdog;

/// An operation in flight, as a request sees it: test it, or wait for it and make its result.
trait Pending<'a> {
    type Output;
    /// Whether it has completed, without blocking.
    fn test(&mut self) -> SysResult<bool>;
    /// Waits for it and makes the result; errors are reported through `call`. Called once;
    /// what is left is then dropped.
    fn finish(&mut self, call: &Call<'_>, origin: &OpId) -> Self::Output;
    /// Completes it for a request dropped (or forgotten in a scope) before it was finished, on
    /// `comm`, as [`finish`](Pending::finish) does, discarding the result: its checks run (in
    /// check mode a receive's message is compared with its sender's header, which is taken off
    /// the check communicator, so that it never meets a later receive) and a lent receive
    /// buffer gets the message, as after a wait. Not while the thread unwinds from a panic (the
    /// drop then only waits for MPI), nor once finished.
    fn abandon(&mut self, comm: &Comm, origin: &OpId);
}

/// Whether an op dropped before it was finished is completed as a wait would (see
/// [`Pending::abandon`]): not while the thread unwinds (a second panic would abort before
/// spmd's error is written).
fn completes_when_dropped() -> bool {
    !std::thread::panicking()
}

/// What a request's operation is made of, as its completion sees it: an [`InFlight`]
/// collective, a [`Single`] point-to-point op, or an `isendrecv`'s pair of them.
trait Waitable {
    /// What it hands back once completed.
    type Done;
    /// Whether it has completed, without blocking.
    fn test(&mut self) -> SysResult<bool>;
    /// Waits for it and hands back what it owned; what is left is empty, nothing MPI uses.
    fn wait_in_place(&mut self) -> Self::Done;
}

impl<S: Element, R: Element> Waitable for InFlight<'_, S, R> {
    type Done = SysResult<Completed<S, R>>;
    fn test(&mut self) -> SysResult<bool> {
        InFlight::test(self)
    }
    #[inline]
    fn wait_in_place(&mut self) -> Self::Done {
        InFlight::wait_in_place(self)
    }
}

/// What a completed [`Single`] hands back: its memory, and a receive's status.
type SingleDone<E> = SysResult<(Memory<E>, Option<RawStatus>)>;

impl<E: Element> Waitable for Single<'_, E> {
    type Done = SingleDone<E>;
    fn test(&mut self) -> SysResult<bool> {
        Single::test(self)
    }
    #[inline]
    fn wait_in_place(&mut self) -> Self::Done {
        Single::wait_in_place(self)
    }
}

/// An `isendrecv`: its receive and its send, each a [`Single`].
struct Pair<'a, S: Element, R: Element> {
    recv: Single<'a, R>,
    send: Single<'a, S>,
}

impl<S: Element, R: Element> Waitable for Pair<'_, S, R> {
    type Done = SysResult<Completed<S, R>>;

    fn test(&mut self) -> SysResult<bool> {
        Ok(self.recv.test()? && self.send.test()?)
    }

    #[inline]
    fn wait_in_place(&mut self) -> Self::Done {
        // The receive first: the peer's send may wait for it, and this rank's send for the
        // peer. Both complete before the first error is looked at.
        let received = self.recv.wait_in_place();
        let sent = self.send.wait_in_place();
        match (received, sent) {
            (Ok((recv, status)), Ok((send, _))) => Ok(Completed { send, recv, status }),
            (Err(error), _) | (_, Err(error)) => Err(error),
        }
    }
}

/// An operation in flight and what makes its result once it completed (`make` is `None`, and
/// the operation completed and empty, once finished).
struct Flight<W, F> {
    flight: W,
    make: Option<F>,
}

impl<'a, W, F, T> Pending<'a> for Flight<W, F>
where
    W: Waitable,
    F: FnOnce(W::Done, &Call<'_>, &OpId) -> T,
{
    type Output = T;

    fn test(&mut self) -> SysResult<bool> {
        if self.make.is_none() {
            return Ok(true);
        }
        self.flight.test()
    }

    #[inline]
    fn finish(&mut self, call: &Call<'_>, origin: &OpId) -> T {
        let Some(make) = self.make.take() else {
            unreachable!("a request is finished once")
        };
        make(self.flight.wait_in_place(), call, origin)
    }

    fn abandon(&mut self, comm: &Comm, origin: &OpId) {
        if self.make.is_some() && completes_when_dropped() {
            drop(self.finish(&Call::completing(comm, *origin), origin));
        }
    }
}

/// A collective waiting for the ranks' agreement ([`guard::gate`]), then in flight, and what
/// makes its result once it completed. Dropped before it was finished, it waits for the
/// agreement and the collective, as a dropped [`Flight`] does.
struct GatedFlight<S: Element, R: Element, F> {
    /// `None` once finished.
    gated: Option<Rc<Gated<S, R>>>,
    /// `None` once finished.
    make: Option<F>,
}

impl<'a, S, R, F, T> Pending<'a> for GatedFlight<S, R, F>
where
    S: Element,
    R: Element,
    F: FnOnce(SysResult<Completed<S, R>>, &Call<'_>, &OpId) -> T,
{
    type Output = T;

    fn test(&mut self) -> SysResult<bool> {
        match &self.gated {
            Some(gated) => gated.test(),
            None => Ok(true),
        }
    }

    fn finish(&mut self, call: &Call<'_>, origin: &OpId) -> T {
        let (Some(gated), Some(make)) = (self.gated.take(), self.make.take()) else {
            unreachable!("a request is finished once")
        };
        let started = sys::started(&gated);
        Gated::recycle(gated);
        make(started.and_then(InFlight::wait), call, origin)
    }

    fn abandon(&mut self, comm: &Comm, origin: &OpId) {
        if self.make.is_some() && self.gated.is_some() && completes_when_dropped() {
            drop(self.finish(&Call::completing(comm, *origin), origin));
        }
    }
}

impl<S: Element, R: Element, F> Drop for GatedFlight<S, R, F> {
    fn drop(&mut self) {
        if let Some(gated) = self.gated.take() {
            // The collective's drop waits for it; an error is the dropped result's.
            drop(sys::started(&gated));
            Gated::recycle(gated);
        }
    }
}

/// An operation in flight, returned by a nonblocking op (`isend`, `irecv`, `iallreduce`, ...):
/// [`wait`] for it (or [`wait_all`], or [`test`](fn@test) it) to get its result `T`.
///
/// It owns the memory MPI reads and writes (see below), and borrows the communicator, and for
/// `irecv_into` a lent buffer, until it completes (the other ops keep what they need of their
/// buffers: a copy of what they send, the shape of their result). Dropped without a wait, it
/// completes in its destructor as a wait would, discarding the result (blocking until MPI is
/// done with it; its errors are reported, a lent receive buffer gets the message, and in
/// check mode a receive is compared with its sender's header, which the drop takes, so that it
/// never meets a later receive); forgotten (`std::mem::forget`), it leaks its memory
/// and keeps the communicator's operation pending. Not `Send`: it completes on the thread that
/// issued it, like the token chain it belongs to.
///
/// # Why the memory MPI uses belongs to the request
///
/// MPI reads a nonblocking send's buffer and writes a receive's buffer after the call that
/// started it has returned, until the request completes. If that memory were the caller's
/// borrowed buffer, the borrow would have to last until completion, and no borrow can be made
/// to: `std::mem::forget(request)` ends it without running any code, after which safe code may
/// write, move or free the buffer while MPI still uses it. So the memory MPI touches belongs to
/// the request, or outlives it in a scope, one of three ways (see [`SendBuf`], [`RecvBuf`],
/// [`CollectiveBuf`]):
///
/// - a `Vec` handed over: MPI works in it, no copy; the request hands it back at completion,
///   and forgetting the request leaks it;
/// - a lent buffer (`&buf`, `&mut buf`): copied, a send's at issue and `irecv_into`'s at
///   completion, through memory of the call site's cache, which comes back to the call site
///   when the request completes (a forgotten request keeps it for ever);
/// - a buffer lent to a [`scope`](crate::scope) (`scope.lend(&buf)`, `scope.lend_mut(&mut
///   buf)`): MPI works in it, no copy; the scope completes, before it returns, every op given
///   one whose request did not (a forgotten request's included), so the borrow outlives MPI's
///   use of the buffer.
///
/// Dropping a request that was not waited for completes it first. The request's own state uses
/// recycled allocations: a loop of point-to-point requests makes no heap allocation in steady
/// state. A request also borrows its communicator (and `irecv_into`'s lent buffer) until it
/// completes, so the compiler rejects a program that touches the buffer before the wait.
#[must_use = "a request does its work only when waited for: pass it to `wait`, `wait_all` or `test`"]
pub struct Request<'a, T> {
    /// The operation and what the request knows of the op that issued it, in one recycled
    /// box: a request is two words to move, however large its operation.
    /// `None` once completed (or while it drops).
    held: Option<Box<dyn Held<'a, Output = T> + 'a>>,
    comm: &'a Comm,
}

/// What a request knows of the op that issued it, for the records and errors of its
/// completion.
struct Head {
    origin: OpId,
    /// What the issuing op moves, for the log lines of the completion.
    payload: Payload,
    peer: Peer,
}

/// An operation and its [`Head`], as a request holds them.
struct Issued<P> {
    head: Head,
    op: P,
}

/// [`Issued`] as a trait object: what a [`Request`] holds, whatever its operation.
trait Held<'a> {
    type Output;
    fn head(&self) -> &Head;
    /// [`Pending::test`].
    fn test(&mut self) -> SysResult<bool>;
    /// [`Pending::finish`], the request's op as the origin.
    fn finish(&mut self, call: &Call<'_>) -> Self::Output;
    /// [`Pending::abandon`], the request's op as the origin.
    fn abandon(&mut self, comm: &Comm);
}

impl<'a, P: Pending<'a>> Held<'a> for Issued<P> {
    type Output = P::Output;

    #[inline]
    fn head(&self) -> &Head {
        &self.head
    }

    fn test(&mut self) -> SysResult<bool> {
        self.op.test()
    }

    #[inline]
    fn finish(&mut self, call: &Call<'_>) -> P::Output {
        self.op.finish(call, &self.head.origin)
    }

    fn abandon(&mut self, comm: &Comm) {
        self.op.abandon(comm, &self.head.origin);
    }
}

/// An op given a buffer lent to a scope ([`crate::scope`]), as its request holds it: like
/// [`Issued`], and registered with the scope from its issue until the request completes it or
/// is dropped (which completes it), so that the scope completes it at its end if the request
/// was forgotten.
struct Scoped<'a, P> {
    head: Head,
    /// `None` once completed (by the request, or by the scope).
    op: Option<P>,
    registry: &'a Registry<'a>,
    entry: usize,
    /// The op's communicator: a forgotten request's op is completed at the scope's end on it.
    comm: &'a Comm,
}

impl<'a, P: Pending<'a> + 'a> Scoped<'a, P> {
    /// The request's record of `op` on `comm`, registered with `registry`.
    fn issue(
        registry: &'a Registry<'a>,
        head: Head,
        op: P,
        comm: &'a Comm,
    ) -> Box<dyn Held<'a, Output = P::Output> + 'a> {
        let mut scoped = recycle::boxed(Scoped {
            head,
            op: Some(op),
            comm,
            registry,
            entry: usize::MAX,
        });
        let at = NonNull::from(&mut *scoped).cast::<()>();
        // SAFETY: `at` is the box's value, which does not move with the box and is freed only
        // when the request completes or drops it, both of which unregister it first (`finish`,
        // `Drop`). Left registered at the scope's end, the request was forgotten, so nothing
        // else uses the value: `complete_left::<P>` takes the op out of it there once.
        scoped.entry = unsafe { registry.register(at, complete_left::<'a, P>) };
        scoped
    }
}

/// Completes the op of a forgotten request at its scope's end: its state's drop waits for MPI.
///
/// # Safety
/// `at` is a [`Scoped<P>`] left registered at its scope's end (see [`Registry::register`]).
unsafe fn complete_left<'a, P: Pending<'a>>(at: NonNull<()>) {
    // SAFETY: by the contract above, `at` is a live `Scoped<P>` that nothing else uses.
    let scoped = unsafe { at.cast::<Scoped<'a, P>>().as_mut() };
    if let Some(op) = &mut scoped.op {
        op.abandon(scoped.comm, &scoped.head.origin);
    }
    drop(scoped.op.take());
}

impl<'a, P: Pending<'a>> Held<'a> for Scoped<'a, P> {
    type Output = P::Output;

    #[inline]
    fn head(&self) -> &Head {
        &self.head
    }

    fn test(&mut self) -> SysResult<bool> {
        match &mut self.op {
            Some(op) => op.test(),
            None => Ok(true),
        }
    }

    fn finish(&mut self, call: &Call<'_>) -> P::Output {
        // Once: the entry's number may be another op's afterwards.
        self.registry
            .unregister(std::mem::replace(&mut self.entry, usize::MAX));
        let Some(mut op) = self.op.take() else {
            unreachable!("a request is finished once, within its scope")
        };
        op.finish(call, &self.head.origin)
    }

    fn abandon(&mut self, comm: &Comm) {
        if let Some(op) = &mut self.op {
            op.abandon(comm, &self.head.origin);
        }
    }
}

impl<P> Drop for Scoped<'_, P> {
    fn drop(&mut self) {
        // Dropped without a wait: the op completes here (its drop waits for MPI), as an
        // unscoped request's does.
        // Once: the entry's number may be another op's afterwards.
        self.registry
            .unregister(std::mem::replace(&mut self.entry, usize::MAX));
        drop(self.op.take());
    }
}

impl<T> fmt::Debug for Request<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head = self.held().head();
        write!(
            f,
            "Request(`{}`{} at {})",
            head.origin.op,
            head.peer,
            head.origin.site_label()
        )
    }
}

impl<'a, T> Request<'a, T> {
    /// What the request holds (there until it drops).
    #[inline]
    fn held(&self) -> &(dyn Held<'a, Output = T> + 'a) {
        match &self.held {
            Some(held) => &**held,
            None => unreachable!("a request holds its op until it drops"),
        }
    }

    /// [`held`](Request::held), to test it.
    #[inline]
    fn held_mut(&mut self) -> &mut (dyn Held<'a, Output = T> + 'a) {
        match &mut self.held {
            Some(held) => &mut **held,
            None => unreachable!("a request holds its op until it drops"),
        }
    }

    /// A request for `op`, issued by `call`, moving `payload` to or from `peer`.
    #[inline]
    fn new<P>(call: &Call<'a>, payload: Payload, peer: Peer, op: P) -> Self
    where
        P: Pending<'a, Output = T> + 'a,
    {
        let head = Head {
            origin: call.id,
            payload,
            peer,
        };
        if let Some(registry) = call.lending.registry() {
            return Request {
                held: Some(Scoped::issue(registry, head, op, call.comm)),
                comm: call.comm,
            };
        }
        Request {
            held: Some(recycle::boxed(Issued { head, op })),
            comm: call.comm,
        }
    }

    /// What the issuing op moves, and its peer.
    fn moved(&self) -> (Payload, Peer) {
        let head = self.held().head();
        (head.payload, head.peer)
    }

    /// Completes the request within `call` (a `wait`, `wait_all` or `test`): the watchdog's
    /// record names the op that issued it.
    #[inline]
    fn complete(mut self, call: &Call<'_>) -> T {
        let Some(mut held) = self.held.take() else {
            unreachable!("a request holds its op until it completes or drops")
        };
        if watchdog::enabled() {
            let head = held.head();
            watchdog::enter_wait(
                head.origin,
                head.peer,
                call.id.site,
                self.comm.rank(),
                self.comm.size(),
            );
        }
        let result = held.finish(call);
        recycle::drop_recycled(held);
        // Its drop finds nothing left to complete.
        result
    }
}

impl<T> Drop for Request<'_, T> {
    /// Completes the op if it was not finished (see [`Pending::abandon`]: in check mode, as a
    /// wait would), then gives the request's box back to the thread's recycled ones.
    #[inline]
    fn drop(&mut self) {
        if let Some(mut held) = self.held.take() {
            held.abandon(self.comm);
            recycle::drop_recycled(held);
        }
    }
}

/// Issues an op that moves `payload`: `flight` (an [`InFlight`] collective or a [`Single`])
/// was started from within `call`; `make` makes its result at completion.
fn issue<'a, W, T, F>(
    call: Call<'a>,
    token: Token,
    payload: Payload,
    peer: Peer,
    flight: SysResult<W>,
    make: F,
) -> (Request<'a, T>, Token)
where
    W: Waitable + 'a,
    T: 'a,
    F: FnOnce(W::Done, &Call<'_>, &OpId) -> T + 'a,
{
    let flight = call.mpi(flight);
    let op = Flight {
        flight,
        make: Some(make),
    };
    issued(call, token, payload, peer, op)
}

/// The request of `op`, issued by `call`, and the next token: `call`'s token is advanced now
/// (issue order is the token chain's order).
fn issued<'a, P, T>(
    call: Call<'a>,
    token: Token,
    payload: Payload,
    peer: Peer,
    op: P,
) -> (Request<'a, T>, Token)
where
    P: Pending<'a, Output = T> + 'a,
{
    let request = Request::new(&call, payload, peer, op);
    (request, call.finish(token, payload, peer))
}

/// The envelopes of an `isendrecv`: where its send goes and its receive comes from (rank and
/// tag), and what it moves, for the records.
struct Exchange {
    dest: (c_int, c_int),
    source: (c_int, c_int),
    payload: Payload,
    peer: Peer,
}

/// Issues an `isendrecv` of `(send, recv)`: two [`Single`]s.
fn issue_exchange<'a, S, R, T, F>(
    call: Call<'a>,
    token: Token,
    exchange: Exchange,
    (send, recv): (Memory<S>, Memory<R>),
    make: F,
) -> (Request<'a, T>, Token)
where
    S: Element,
    R: Element,
    T: 'a,
    F: FnOnce(SysResult<Completed<S, R>>, &Call<'_>, &OpId) -> T + 'a,
{
    let Exchange {
        dest,
        source,
        payload,
        peer,
    } = exchange;
    let comm = call.comm.raw();
    // A receive MPI makes straight into the memory is posted before the send, as C programs
    // do: the peer's message then finds it. One matched by spmd probes for its message when
    // issued, which finds it more often after the send. A failed second start leaves the
    // first in flight: its drop waits for it.
    let (recv, send) = if comm.trusts_sizes() {
        let recv = call.mpi(Single::irecv(comm, recv, source.0, source.1));
        (recv, call.mpi(Single::isend(comm, send, dest.0, dest.1)))
    } else {
        let send = call.mpi(Single::isend(comm, send, dest.0, dest.1));
        (
            call.mpi(Single::irecv(comm, recv, source.0, source.1)),
            send,
        )
    };
    let op = Flight {
        flight: Pair { recv, send },
        make: Some(make),
    };
    issued(call, token, payload, peer, op)
}

/// Issues the collective `what` that `start` starts on the communicator: once every rank
/// agreed on it ([`guard::gate`]); in check mode after check mode's agreement, at once; on a
/// communicator made by `Comm::without_agreement`, or of one rank, at once.
fn issue_collective<'a, S, R, T, F>(
    call: Call<'a>,
    token: Token,
    (payload, peer): (Payload, Peer),
    what: Collective,
    (start, envelope): (Start<S, R>, Option<Envelope>),
    make: F,
) -> (Request<'a, T>, Token)
where
    S: Element,
    R: Element,
    T: 'a,
    F: FnOnce(SysResult<Completed<S, R>>, &Call<'_>, &OpId) -> T + 'a,
{
    let comm = call.comm;
    // One rank agrees with itself: its collectives start at once, as a blocking one skips its
    // agreement there.
    if !call.agrees_by_envelope() {
        debug_assert!(envelope.is_none(), "a carried collective without agreement");
        call.agree(what);
        let mut start = start;
        let flight = sys::start_now(&mut start, comm.raw());
        recycle::drop_recycled(start);
        return issue(call, token, payload, peer, flight, make);
    }
    let gated = call.mpi(guard::gate(comm, &call.id, what, start, envelope));
    let op = GatedFlight {
        gated: Some(gated),
        make: Some(make),
    };
    issued(call, token, payload, peer, op)
}

/// The result of an operation that returns nothing (a send, a barrier): its errors only.
fn no_result<S: Element, R: Element>(
    done: SysResult<Completed<S, R>>,
    call: &Call<'_>,
    origin: &OpId,
) {
    completed(done, call, origin, None);
}

/// The received elements of a completed operation, or the op's error naming the request.
fn completed<S: Element, R: Element>(
    result: SysResult<Completed<S, R>>,
    call: &Call<'_>,
    origin: &OpId,
    room: Option<Room<'_>>,
) -> Completed<S, R> {
    match result {
        Ok(done) => done,
        Err(error) => call.failed_request(error, origin, room),
    }
}

/// The receive of a request, as its completion checks it: into `what` (for errors) of `len`
/// elements, from `source`, the message filling it (`exact`) or not longer.
struct Receive {
    what: &'static str,
    len: usize,
    source: c_int,
    exact: bool,
}

impl Receive {
    fn exact(what: &'static str, len: usize, source: c_int) -> Receive {
        Receive {
            what,
            len,
            source,
            exact: true,
        }
    }

    /// The received elements and the status of a completed receive, checked (truncation, the
    /// count when exact, and the sender's header in check mode).
    fn complete<S: Element, E: Element>(
        &self,
        done: SysResult<Completed<S, E>>,
        call: &Call<'_>,
        origin: &OpId,
    ) -> (Memory<E>, Status) {
        let (_, recv, status) = self.complete_both(done, call, origin);
        (recv, status)
    }

    /// [`complete`](Receive::complete), with the memory the send read.
    fn complete_both<S: Element, E: Element>(
        &self,
        done: SysResult<Completed<S, E>>,
        call: &Call<'_>,
        origin: &OpId,
    ) -> (Memory<S>, Memory<E>, Status) {
        let done = completed(done, call, origin, Some(self.room::<E>(origin)));
        let status = self.status::<E>(done.status, call, origin);
        (done.send, done.recv, status)
    }

    /// [`complete`](Receive::complete) of a [`Single`] receive.
    #[inline]
    fn complete_single<E: Element>(
        &self,
        done: SingleDone<E>,
        call: &Call<'_>,
        origin: &OpId,
    ) -> (Memory<E>, Status) {
        match done {
            Ok((memory, status)) => (memory, self.status::<E>(status, call, origin)),
            Err(error) => call.failed_request(error, origin, Some(self.room::<E>(origin))),
        }
    }

    /// What the receive wrote into, for the errors.
    fn room<E: Element>(&self, origin: &OpId) -> Room<'static> {
        Room {
            what: self.what,
            len: self.len,
            elem: E::NAME,
            elem_size: <E as crate::element::sealed::Sealed>::WIRE_SIZE,
            source: self.source,
            issued_by: Some(*origin),
        }
    }

    /// The checked status of the completed receive.
    #[inline]
    fn status<E: Element>(&self, raw: Option<RawStatus>, call: &Call<'_>, origin: &OpId) -> Status {
        let status = call.request_status::<E>(raw, origin, self.len, self.exact);
        if self.exact {
            call.exact_count::<E>(&status, self.len);
        }
        status
    }
}

// ---- point to point ---------------------------------------------------------------------------

/// Starts sending `buf` to `dest` (`MPI_Isend`), returning a request and the next token.
///
/// The buffer is copied when the op is issued, so it may be reused at once; [`wait`] for the
/// request (its result is `()`) to know the message is on its way. See the
/// [`Request`] docs for why the request owns a copy.
#[track_caller]
pub fn isend<'a, S>(
    buf: S,
    dest: impl IntoDest,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, S::Back>, Token)
where
    S: SendBuf<'a>,
{
    let call = Call::new("isend", comm, &token);
    let (rank, tag) = call.dest_arg(dest.into_dest());
    let len = buf.send_count();
    call.count_arg("the send buffer", len);
    call.announce_posted((S::Elem::NAME, len, rank, tag));
    let flight = Single::isend(comm.raw(), buf.into_memory(&call.lending), rank, tag);
    issue(
        call,
        token,
        Payload::of::<S::Elem>(len),
        Peer::To(rank),
        flight,
        |done, call, origin| match done {
            Ok((sent, _)) => S::back(sent),
            Err(error) => call.failed_request(error, origin, None),
        },
    )
}

/// Starts receiving a message shaped like `template` from `source` (`MPI_Improbe` +
/// `MPI_Imrecv`, matched by spmd: see the book's "What another rank cannot do"): a rank
/// (`usize`, any tag), [`ANY_SOURCE`](crate::ANY_SOURCE) or a [`Source`](crate::Source) with
/// a tag. [`wait`] returns a new buffer of the template's kind and shape.
///
/// As with [`recv`](crate::recv), a message with more or fewer elements than the template is
/// an error. The request keeps the template's shape, not the template: it may be a temporary.
#[track_caller]
pub fn irecv<'a, B>(
    template: &B,
    source: impl IntoSource,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, B::Owned>, Token)
where
    B: Buffer + ?Sized,
{
    let call = Call::new("irecv", comm, &token);
    let (rank, tag) = call.source_arg(source.into_source());
    let len = template.element_count();
    call.count_arg("the receive template", len);
    let memory = received_or_kept(template, rank).into();
    let shape = template.shape_of();
    let receive = Receive::exact("the receive template", len, rank);
    issue(
        call,
        token,
        Payload::of::<B::Elem>(len),
        Peer::From(rank),
        Single::irecv(comm.raw(), memory, rank, tag),
        move |done, call, origin| {
            let (memory, _) = receive.complete_single(done, call, origin);
            B::owned_from_shape(&shape, memory.into_vec())
        },
    )
}

/// Starts receiving into `buf` from `source` (`MPI_Improbe` + `MPI_Imrecv`); [`wait`] copies the message into
/// `buf` and returns its [`Status`]. The message may be shorter than `buf`, not longer.
///
/// `buf` stays mutably borrowed until the request completes: reading or writing it before the
/// wait does not compile. MPI receives into memory of the request's own, copied into `buf` at
/// completion (see the [`Request`] docs).
#[track_caller]
pub fn irecv_into<'a, R>(
    buf: R,
    source: impl IntoSource,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, R::Back>, Token)
where
    R: RecvBuf<'a>,
{
    let call = Call::new("irecv_into", comm, &token);
    let (rank, tag) = call.source_arg(source.into_source());
    let len = buf.room();
    call.count_arg("the receive buffer", len);
    let (memory, kept) = buf.into_memory(&call.lending);
    let receive = Receive {
        exact: false,
        ..Receive::exact("the receive buffer", len, rank)
    };
    issue(
        call,
        token,
        Payload::of::<R::Elem>(len),
        Peer::From(rank),
        Single::irecv(comm.raw(), memory, rank, tag),
        move |done, call, origin| {
            let (memory, status) = receive.complete_single(done, call, origin);
            R::back(kept, memory, status)
        },
    )
}

/// Starts sending `sendbuf` to `dest` and receiving a message shaped like `template` from
/// `source` (`MPI_Isend`, `MPI_Improbe` + `MPI_Imrecv`), the nonblocking [`sendrecv`](crate::sendrecv):
/// [`wait`] returns the received buffer. Peers are typed as for `sendrecv`.
#[track_caller]
pub fn isendrecv<'a, S, B>(
    sendbuf: &S,
    template: &B,
    source: impl SendrecvSource,
    dest: impl crate::ops::p2p::SendrecvDest,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, B::Owned>, Token)
where
    S: Buffer + ?Sized,
    B: Buffer + ?Sized,
{
    let call = Call::new("isendrecv", comm, &token);
    let (dest_rank, send_tag) = call.dest_arg(dest.into_dest());
    let (source_rank, recv_tag) = call.source_arg(source.into_source());
    let send_len = sendbuf.element_count();
    call.count_arg("the send buffer", send_len);
    let len = template.element_count();
    call.count_arg("the receive template", len);
    call.announce_posted((S::Elem::NAME, send_len, dest_rank, send_tag));
    let peer = Peer::Exchange {
        to: dest_rank,
        from: source_rank,
    };
    let shape = template.shape_of();
    let exchange = Exchange {
        dest: (dest_rank, send_tag),
        source: (source_rank, recv_tag),
        payload: Payload::of::<B::Elem>(len),
        peer,
    };
    let memory = (
        sendbuf.into_memory(&call.lending),
        received_or_kept(template, source_rank).into(),
    );
    issue_exchange(call, token, exchange, memory, move |done, call, origin| {
        let receive = Receive::exact("the receive template", len, source_rank);
        B::owned_from_shape(&shape, receive.complete(done, call, origin).0.into_vec())
    })
}

/// Starts sending `sendbuf` to `dest` and receiving into `recvbuf` from `source` (`MPI_Isend`,
/// `MPI_Improbe` + `MPI_Imrecv`), the nonblocking [`sendrecv_into`](crate::sendrecv_into):
/// [`wait`] returns what each buffer hands back, as a pair. Peers are typed as for `sendrecv`.
/// The message may be shorter than `recvbuf`, not longer.
///
/// Each buffer is lent or handed over, as [`isend`]'s and [`irecv_into`]'s:
///
/// - `&buf` / `&mut buf`: copied through memory the call site reuses (no allocation once a
///   loop has run a few times); the pair is `((), Status)`.
/// - `Vec`s: MPI sends from and receives into them where they are, no copy and no
///   allocation; the pair is `(send_vec, (recv_vec, Status))`, both handed back.
#[track_caller]
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
pub fn isendrecv_into<'a, S, R>(
    sendbuf: S,
    recvbuf: R,
    source: impl SendrecvSource,
    dest: impl crate::ops::p2p::SendrecvDest,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: RecvBuf<'a>,
{
    let call = Call::new("isendrecv_into", comm, &token);
    let (dest_rank, send_tag) = call.dest_arg(dest.into_dest());
    let (source_rank, recv_tag) = call.source_arg(source.into_source());
    let send_len = sendbuf.send_count();
    call.count_arg("the send buffer", send_len);
    let len = recvbuf.room();
    call.count_arg("the receive buffer", len);
    call.announce_posted((S::Elem::NAME, send_len, dest_rank, send_tag));
    let (memory, kept) = recvbuf.into_memory(&call.lending);
    let peer = Peer::Exchange {
        to: dest_rank,
        from: source_rank,
    };
    let exchange = Exchange {
        dest: (dest_rank, send_tag),
        source: (source_rank, recv_tag),
        payload: Payload::of::<R::Elem>(len),
        peer,
    };
    let memory = (sendbuf.into_memory(&call.lending), memory);
    issue_exchange(call, token, exchange, memory, move |done, call, origin| {
        let receive = Receive {
            exact: false,
            ..Receive::exact("the receive buffer", len, source_rank)
        };
        let (sent, memory, status) = receive.complete_both(done, call, origin);
        (S::back(sent), R::back(kept, memory, status))
    })
}

// ---- collectives ------------------------------------------------------------------------------
//
// A nonblocking collective's data starts once the ranks agreed on it (`issue_collective`), so
// what it starts with is moved into its `start`.

/// Starts a barrier: [`wait`] returns once every rank of `comm` has issued it.
///
/// The nonblocking agreement that precedes every collective (an `MPI_Iallreduce` on the
/// communicator's private duplicate) is the barrier: it completes once every rank has issued
/// it, so no `MPI_Ibarrier` follows it (except on a communicator made by
/// [`Comm::without_agreement`] without check mode, where it is `MPI_Ibarrier`).
#[track_caller]
pub fn ibarrier<'a>(comm: &'a Comm, token: Token) -> (Request<'a, ()>, Token) {
    let call = Call::new("ibarrier", comm, &token);
    if !comm.agrees() && !comm.is_checked() {
        let flight = sys::ibarrier(comm.raw());
        return issue(call, token, Payload::NONE, Peer::None, flight, no_result);
    }
    issue_collective(
        call,
        token,
        (Payload::NONE, Peer::None),
        Collective::plain("-", 0),
        (sys::starter(|_: RawComm<'_>| Ok(InFlight::settled())), None),
        no_result::<u8, u8>,
    )
}

/// Starts a broadcast of `buf` from `root` (`MPI_Ibcast`); [`wait`] returns the root's data on
/// every rank. Off the root, a lent `buf` is a template (only its shape is used).
///
/// `buf` is lent (`&buf`: copied, the result a new buffer of its kind and shape) or a `Vec`
/// handed over (broadcast in place, no copy; the result is the `Vec`): see [`CollectiveBuf`].
#[track_caller]
pub fn ibcast<'a, B>(
    buf: B,
    root: usize,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, B::Back>, Token)
where
    B: CollectiveBuf,
{
    let call = Call::new("ibcast", comm, &token);
    let root = call.rank_arg("root", root);
    let len = buf.collective_count();
    call.count_arg("the buffer", len);
    let at_root = comm.rank() == root as usize;
    let (data, shape) = buf.into_data(at_root);
    let data: Memory<B::Elem> = data.into();
    let what = Collective::rooted(B::Elem::NAME, len, root);
    let given = at_root.then_some((&data[..], 0));
    let envelope = call.carrying(&what, Carry::Place, len, given);
    let start = match envelope {
        // The root keeps its data: MPI never writes it.
        Some(_) if at_root => sys::carried(Memory::default(), data, Taking::Nothing),
        Some(_) => sys::carried(Memory::default(), data, Taking::From(0)),
        None => sys::starter(move |comm: RawComm<'_>| sys::ibcast(comm, data, root)),
    };
    issue_collective(
        call,
        token,
        (Payload::of::<B::Elem>(len), Peer::Root(root)),
        what,
        (start, envelope),
        move |done, call, origin| {
            B::result(&shape, completed(done, call, origin, None).recv.into_vec())
        },
    )
}

/// Starts an allreduce of `buf` with `op` (`MPI_Iallreduce`); [`wait`] returns the reduction,
/// the same on every rank.
///
/// `buf` is lent (`&buf`: copied, the result a new buffer of its kind and shape) or a `Vec`
/// handed over (reduced in place, no copy; the result is the `Vec`): see [`CollectiveBuf`].
#[track_caller]
pub fn iallreduce<'a, B, O>(
    buf: B,
    op: O,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, B::Back>, Token)
where
    B: CollectiveBuf,
    O: Reduces<B::Elem>,
{
    let _ = op;
    let call = Call::new("iallreduce", comm, &token);
    let len = buf.collective_count();
    call.count_arg("the buffer", len);
    let (data, shape) = buf.into_data(true);
    let data: Memory<B::Elem> = data.into();
    let what = crate::ops::reduction::fingerprint::<B::Elem, O>(len, None);
    let envelope = call.carrying(&what, Carry::Reduce(O::KIND), len, Some((&data[..], 0)));
    let start = match envelope {
        Some(_) => sys::carried(Memory::default(), data, Taking::From(0)),
        None => sys::starter(move |comm: RawComm<'_>| {
            sys::iallreduce(comm, Memory::default(), data, O::KIND)
        }),
    };
    issue_collective(
        call,
        token,
        (Payload::of::<B::Elem>(len), Peer::None),
        what,
        (start, envelope),
        move |done, call, origin| {
            B::result(&shape, completed(done, call, origin, None).recv.into_vec())
        },
    )
}

/// The agreement that carries a scan of this rank's `data` (of `iscan`, `iexscan` and their
/// `_into` forms), when every rank's data fits and `local` reduces the pair: each rank places
/// its data at its rank's offset, and takes the reduction of the blocks up to its own
/// (`Taking::Prefix`, also returned when nothing is carried).
fn prefix_carriage<T: Element, O: Reduces<T>>(
    call: &Call<'_>,
    what: &Collective,
    data: &[T],
    exclusive: bool,
) -> (Option<Envelope>, Taking) {
    let (rank, size, len) = (call.comm.rank(), call.comm.size(), data.len());
    let total = len
        .checked_mul(size)
        .filter(|_| crate::local::reduces_type::<T>(O::KIND));
    let envelope =
        total.and_then(|total| call.carrying(what, Carry::Place, total, Some((data, rank * len))));
    let prefix = Taking::Prefix {
        upto: rank + usize::from(!exclusive),
        kind: O::KIND,
    };
    (envelope, prefix)
}

/// [`iscan`] and [`iexscan`]: a prefix reduction of `buf`, in place in the request's memory.
#[track_caller]
fn iprefix<'a, B, O>(
    name: &'static str,
    exclusive: bool,
    buf: B,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, B::Back>, Token)
where
    B: CollectiveBuf,
    O: Reduces<B::Elem>,
{
    let call = Call::new(name, comm, &token);
    let len = buf.collective_count();
    call.count_arg("the buffer", len);
    let (data, shape) = buf.into_data(true);
    let data: Memory<B::Elem> = data.into();
    let first = comm.rank() == 0;
    let what = crate::ops::reduction::fingerprint::<B::Elem, O>(len, None);
    let (envelope, prefix) = prefix_carriage::<B::Elem, O>(&call, &what, &data, exclusive);
    let start = match envelope {
        Some(_) => sys::carried(Memory::default(), data, prefix),
        None => sys::starter(move |comm: RawComm<'_>| sys::iscan(comm, exclusive, data, O::KIND)),
    };
    issue_collective(
        call,
        token,
        (Payload::of::<B::Elem>(len), Peer::None),
        what,
        (start, envelope),
        move |done, call, origin| {
            let mut data = completed(done, call, origin, None).recv.into_vec();
            // MPI leaves rank 0's exclusive result undefined; ours is the operator's identity.
            if exclusive && first {
                data.fill(O::identity());
            }
            B::result(&shape, data)
        },
    )
}

/// Starts an inclusive prefix reduction of `buf` with `op` (`MPI_Iscan`); [`wait`] returns
/// rank `r`'s result: `buf` of ranks `0..=r` combined, as [`scan`](crate::scan) does.
///
/// `buf` is lent (`&buf`: copied, the result a new buffer of its kind and shape) or a `Vec`
/// handed over (reduced in place, no copy; the result is the `Vec`): see [`CollectiveBuf`].
#[track_caller]
pub fn iscan<'a, B, O>(buf: B, op: O, comm: &'a Comm, token: Token) -> (Request<'a, B::Back>, Token)
where
    B: CollectiveBuf,
    O: Reduces<B::Elem>,
{
    let _ = op;
    iprefix::<B, O>("iscan", false, buf, comm, token)
}

/// Starts an exclusive prefix reduction of `buf` with `op` (`MPI_Iexscan`); [`wait`] returns
/// rank `r`'s result: `buf` of ranks `0..r` combined, the operator's identity on rank 0, as
/// [`exscan`](crate::exscan) does. `buf` is lent or handed over, as [`iscan`]'s.
#[track_caller]
pub fn iexscan<'a, B, O>(
    buf: B,
    op: O,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, B::Back>, Token)
where
    B: CollectiveBuf,
    O: Reduces<B::Elem>,
{
    let _ = op;
    iprefix::<B, O>("iexscan", true, buf, comm, token)
}

/// Starts combining `buf` from every rank with `op` at `root` (`MPI_Ireduce`); [`wait`]
/// returns `Some(result)` at the root and `None` elsewhere, as [`reduce`](crate::reduce) does.
/// `buf` is copied when the op is issued.
#[track_caller]
pub fn ireduce<'a, B, O>(
    buf: &B,
    op: O,
    root: usize,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, Option<B::Owned>>, Token)
where
    B: Buffer + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    let call = Call::new("ireduce", comm, &token);
    let root = call.rank_arg("root", root);
    let len = buf.element_count();
    call.count_arg("the buffer", len);
    let at_root = comm.rank() == root as usize;
    let data = buf.into_memory(&call.lending);
    let shape = buf.shape_of();
    let what = crate::ops::reduction::fingerprint::<B::Elem, O>(len, Some(root));
    let envelope = call.carrying(&what, Carry::Reduce(O::KIND), len, Some((&data[..], 0)));
    let start = match envelope {
        Some(_) if at_root => sys::carried(data, zeroed(len).into(), Taking::From(0)),
        Some(_) => sys::carried(data, Memory::default(), Taking::Nothing),
        None => sys::starter(move |comm: RawComm<'_>| {
            let result = if at_root { zeroed(len) } else { Vec::new() };
            sys::ireduce(comm, data, result.into(), O::KIND, root)
        }),
    };
    issue_collective(
        call,
        token,
        (Payload::of::<B::Elem>(len), Peer::Root(root)),
        what,
        (start, envelope),
        move |done, call, origin| {
            let result = completed(done, call, origin, None).recv.into_vec();
            at_root.then(|| B::owned_from_shape(&shape, result))
        },
    )
}

/// Starts collecting `buf` from every rank at `root` (`MPI_Igather`); [`wait`] returns
/// `Some(stacked)` at the root (along a new first axis, in rank order) and `None` elsewhere, as
/// [`gather`](crate::gather) does. `buf` is copied when the op is issued.
#[track_caller]
pub fn igather<'a, B>(
    buf: &B,
    root: usize,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, Option<B::Stacked>>, Token)
where
    B: Stackable + ?Sized,
{
    let call = Call::new("igather", comm, &token);
    let root = call.rank_arg("root", root);
    let len = buf.element_count();
    call.count_arg("the buffer", len);
    let size = comm.size();
    let at_root = comm.rank() == root as usize;
    if at_root {
        call.count_arg("the gathered result", len.saturating_mul(size));
    }
    let data = buf.into_memory(&call.lending);
    let shape = buf.shape_of();
    let what = Collective::rooted(B::Elem::NAME, len, root);
    let given = Some((&data[..], comm.rank() * len));
    let envelope = call.carrying(&what, Carry::Place, len * size, given);
    let start = match envelope {
        Some(_) if at_root => sys::carried(data, zeroed(len * size).into(), Taking::From(0)),
        Some(_) => sys::carried(data, Memory::default(), Taking::Nothing),
        None => sys::starter(move |comm: RawComm<'_>| {
            let result = if at_root {
                zeroed(len * size)
            } else {
                Vec::new()
            };
            sys::igather(comm, data, result.into(), root)
        }),
    };
    issue_collective(
        call,
        token,
        (Payload::of::<B::Elem>(len), Peer::Root(root)),
        what,
        (start, envelope),
        move |done, call, origin| {
            let result = completed(done, call, origin, None).recv.into_vec();
            at_root.then(|| B::stacked_from_shape(&shape, size, result))
        },
    )
}

/// Starts combining `buf` from every rank with `op` and giving rank `r` block `r` of the
/// result (`MPI_Ireduce_scatter_block`): `buf` holds `comm.size()` blocks of equal length;
/// [`wait`] returns this rank's block, as [`reduce_scatter_block`](crate::reduce_scatter_block)
/// does. `buf` is copied when the op is issued.
#[track_caller]
pub fn ireduce_scatter_block<'a, B, O>(
    buf: &B,
    op: O,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, Vec<B::Elem>>, Token)
where
    B: Buffer + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    let call = Call::new("ireduce_scatter_block", comm, &token);
    let len = buf.element_count();
    call.count_arg("the buffer", len);
    let block = call.split_count(len);
    let data = buf.into_memory(&call.lending);
    issue_collective(
        call,
        token,
        (Payload::of::<B::Elem>(len), Peer::None),
        Collective::reducing(B::Elem::NAME, block, O::NAME),
        (
            sys::starter(move |comm: RawComm<'_>| {
                sys::ireduce_scatter_block(comm, data, zeroed(block).into(), O::KIND)
            }),
            None,
        ),
        move |done, call, origin| completed(done, call, origin, None).recv.into_vec(),
    )
}

/// Starts combining `buf` from every rank with `op` and giving rank `r` block `r` of the
/// result (`MPI_Ireduce_scatter`): `buf` holds the blocks of `counts` end to end (one count per
/// rank, the same `counts` on every rank, which the ranks agree on before any data moves);
/// [`wait`] returns this rank's block, as [`reduce_scatter`](crate::reduce_scatter) does. `buf`
/// and `counts` are copied when the op is issued.
#[track_caller]
pub fn ireduce_scatter<'a, B, O>(
    buf: &B,
    counts: &[usize],
    op: O,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, Vec<B::Elem>>, Token)
where
    B: Buffer + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    let call = Call::new("ireduce_scatter", comm, &token);
    let len = call.tiles(counts, "counts", buf.element_count(), "the buffer");
    let block = counts[comm.rank()];
    let what = crate::ops::varying::reduce_scatter_fingerprint::<B::Elem, O>(counts, len);
    let counts = counts.to_vec();
    let data = buf.into_memory(&call.lending);
    issue_collective(
        call,
        token,
        (Payload::of::<B::Elem>(len), Peer::None),
        what,
        (
            sys::starter(move |comm: RawComm<'_>| {
                sys::ireduce_scatter(comm, data, zeroed(block).into(), &counts, O::KIND)
            }),
            None,
        ),
        move |done, call, origin| completed(done, call, origin, None).recv.into_vec(),
    )
}

/// Starts [`ireduce_scatter`] into `recvbuf`, of this rank's count (`counts[rank]`): the
/// nonblocking [`reduce_scatter_into`](crate::reduce_scatter_into). [`wait`] returns what each
/// buffer hands back, as a pair (lent or handed over, as [`iallreduce_into`]'s).
#[track_caller]
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
pub fn ireduce_scatter_into<'a, S, R, O>(
    sendbuf: S,
    recvbuf: R,
    counts: &[usize],
    op: O,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
    O: Reduces<S::Elem>,
{
    let _ = op;
    let call = Call::new("ireduce_scatter_into", comm, &token);
    let len = call.tiles(counts, "counts", sendbuf.send_count(), "the send buffer");
    call.expect_len(
        "the receive buffer",
        recvbuf.result_room(),
        counts[comm.rank()],
        "give `ireduce_scatter_into` a receive buffer of `counts[rank]` elements",
    );
    let what = crate::ops::varying::reduce_scatter_fingerprint::<S::Elem, O>(counts, len);
    let counts = counts.to_vec();
    collective_into(
        call,
        token,
        (what, Peer::None, None),
        len,
        (sendbuf, recvbuf),
        move |comm, send, recv| sys::ireduce_scatter(comm, send, recv, &counts, O::KIND),
    )
}

/// Starts splitting `buf` at `root` into one block per rank and giving rank `r` block `r`
/// (`MPI_Iscatter`); [`wait`] returns this rank's block, as [`scatter`](crate::scatter) does.
/// `buf`'s first axis must equal `comm.size()` (for slices: its length must be a multiple of
/// it) on every rank: off the root it is a template (only its shape is used). The root's `buf`
/// is copied when the op is issued.
#[track_caller]
pub fn iscatter<'a, B>(
    buf: &B,
    root: usize,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, B::Block>, Token)
where
    B: Splittable + ?Sized,
{
    let call = Call::new("iscatter", comm, &token);
    let root = call.rank_arg("root", root);
    let block = call.split(buf);
    call.count_arg("one block", block);
    let size = comm.size();
    let at_root = comm.rank() == root as usize;
    let data = if at_root {
        buf.into_memory(&call.lending)
    } else {
        Memory::default()
    };
    let shape = buf.shape_of();
    let what = Collective::rooted(B::Elem::NAME, block, root);
    let given = at_root.then_some((&data[..], 0));
    let envelope = call.carrying(&what, Carry::Place, block * size, given);
    let start = match envelope {
        Some(_) => {
            let from = Taking::From(comm.rank() * block);
            sys::carried(data, zeroed(block).into(), from)
        }
        None => sys::starter(move |comm: RawComm<'_>| {
            sys::iscatter(comm, data, zeroed(block).into(), root)
        }),
    };
    issue_collective(
        call,
        token,
        (Payload::of::<B::Elem>(block), Peer::Root(root)),
        what,
        (start, envelope),
        move |done, call, origin| {
            let block = completed(done, call, origin, None).recv.into_vec();
            B::block_from_shape(&shape, size, block)
        },
    )
}

/// Starts [`iscatter`] into `recvbuf`, which receives one block (`MPI_Iscatter`), the
/// nonblocking [`scatter_into`](crate::scatter_into): at the root `sendbuf` holds
/// `comm.size()` times as many elements as `recvbuf`; off the root it is not used (pass an
/// empty one). [`wait`] returns what each buffer hands back, as a pair (lent or handed over,
/// as [`iallreduce_into`]'s).
#[track_caller]
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
pub fn iscatter_into<'a, S, R>(
    sendbuf: S,
    recvbuf: R,
    root: usize,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
{
    let call = Call::new("iscatter_into", comm, &token);
    let root = call.rank_arg("root", root);
    let block = recvbuf.result_room();
    call.count_arg("the receive buffer", block);
    if comm.rank() == root as usize {
        call.expect_len(
            "the send buffer",
            sendbuf.send_count(),
            block.saturating_mul(comm.size()),
            "at the root, give `iscatter_into` a send buffer of `comm.size()` times the \
             receive buffer's length",
        );
    }
    collective_into(
        call,
        token,
        (
            Collective::rooted(S::Elem::NAME, block, root),
            Peer::Root(root),
            Some(Carriage {
                carry: Carry::Place,
                total: block.saturating_mul(comm.size()),
                at: (comm.rank() == root as usize).then_some(0),
                taking: Taking::From(comm.rank() * block),
            }),
        ),
        block,
        (sendbuf, recvbuf),
        move |comm, send, recv| sys::iscatter(comm, send, recv, root),
    )
}

/// Starts gathering every rank's `buf` on every rank (`MPI_Iallgather`); [`wait`] returns
/// them stacked along a new first axis, as [`allgather`](crate::allgather) does.
#[track_caller]
pub fn iallgather<'a, B>(buf: &B, comm: &'a Comm, token: Token) -> (Request<'a, B::Stacked>, Token)
where
    B: Stackable + ?Sized,
{
    let call = Call::new("iallgather", comm, &token);
    let len = buf.element_count();
    call.count_arg("the buffer", len);
    let size = comm.size();
    call.count_arg("the gathered result", len * size);
    let data = buf.into_memory(&call.lending);
    let shape = buf.shape_of();
    let what = Collective::plain(B::Elem::NAME, len);
    let given = Some((&data[..], comm.rank() * len));
    let envelope = call.carrying(&what, Carry::Place, len * size, given);
    let start = match envelope {
        Some(_) => sys::carried(data, zeroed(len * size).into(), Taking::From(0)),
        None => sys::starter(move |comm: RawComm<'_>| {
            sys::iblocks(
                comm,
                Blocks::Allgather,
                data,
                zeroed(len * size).into(),
                len,
            )
        }),
    };
    issue_collective(
        call,
        token,
        (Payload::of::<B::Elem>(len), Peer::None),
        what,
        (start, envelope),
        move |done, call, origin| {
            B::stacked_from_shape(
                &shape,
                size,
                completed(done, call, origin, None).recv.into_vec(),
            )
        },
    )
}

/// Starts an all-to-all exchange of `buf`'s blocks (`MPI_Ialltoall`): block `i` (along the
/// first axis) goes to rank `i`; [`wait`] returns the blocks received, in rank order, as
/// [`alltoall`](crate::alltoall) does.
#[track_caller]
pub fn ialltoall<'a, B>(buf: &B, comm: &'a Comm, token: Token) -> (Request<'a, B::Owned>, Token)
where
    B: Splittable + ?Sized,
{
    let call = Call::new("ialltoall", comm, &token);
    let block = call.split(buf);
    let len = buf.element_count();
    call.count_arg("the buffer", len);
    let data = buf.into_memory(&call.lending);
    let shape = buf.shape_of();
    let what = Collective::plain(B::Elem::NAME, block);
    let (rank, size) = (comm.rank(), comm.size());
    let given = Some((&data[..], rank * len));
    let envelope = call.carrying(&what, Carry::Place, len * size, given);
    let start = match envelope {
        Some(_) => {
            let column = Taking::Column {
                block,
                index: rank,
                count: size,
            };
            sys::carried(data, zeroed(len).into(), column)
        }
        None => sys::starter(move |comm: RawComm<'_>| {
            sys::iblocks(comm, Blocks::Alltoall, data, zeroed(len).into(), block)
        }),
    };
    issue_collective(
        call,
        token,
        (Payload::of::<B::Elem>(len), Peer::None),
        what,
        (start, envelope),
        move |done, call, origin| {
            B::owned_from_shape(&shape, completed(done, call, origin, None).recv.into_vec())
        },
    )
}

/// Starts an allreduce of `sendbuf` with `op` into `recvbuf` (`MPI_Iallreduce`), the
/// nonblocking [`allreduce_into`](crate::allreduce_into): `recvbuf` holds exactly as many
/// elements as `sendbuf`; [`wait`] returns what each buffer hands back, as a pair.
///
/// Each buffer is lent or handed over ([`SendBuf`], [`ResultBuf`]): with `&sendbuf` and
/// `&mut recvbuf` the pair is `((), ())` and the reduction is in `recvbuf` after the wait
/// (copied through memory the call site reuses: no allocation once a loop has run a few
/// times); with `Vec`s it is `(sendbuf, recvbuf)`, both handed back, no copy. To reduce in
/// place, hand one `Vec` to [`iallreduce`].
#[track_caller]
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
pub fn iallreduce_into<'a, S, R, O>(
    sendbuf: S,
    recvbuf: R,
    op: O,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
    O: Reduces<S::Elem>,
{
    let _ = op;
    let call = Call::new("iallreduce_into", comm, &token);
    let len = sendbuf.send_count();
    call.count_arg("the send buffer", len);
    call.expect_len(
        "the receive buffer",
        recvbuf.result_room(),
        len,
        "give the receive buffer exactly as many elements as the send buffer",
    );
    collective_into(
        call,
        token,
        (
            crate::ops::reduction::fingerprint::<S::Elem, O>(len, None),
            Peer::None,
            Some(Carriage {
                carry: Carry::Reduce(O::KIND),
                total: len,
                at: Some(0),
                taking: Taking::From(0),
            }),
        ),
        len,
        (sendbuf, recvbuf),
        move |comm, send, recv| sys::iallreduce(comm, send, recv, O::KIND),
    )
}

/// Starts [`iscan`] of `sendbuf` into `recvbuf` (`MPI_Iscan`), the nonblocking
/// [`scan_into`](crate::scan_into): `recvbuf` holds exactly as many elements as `sendbuf`;
/// [`wait`] returns what each buffer hands back, as a pair (lent or handed over, as
/// [`iallreduce_into`]'s), rank `r`'s `recvbuf` holding `sendbuf` of ranks `0..=r` combined.
#[track_caller]
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
pub fn iscan_into<'a, S, R, O>(
    sendbuf: S,
    recvbuf: R,
    op: O,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
    O: Reduces<S::Elem>,
{
    let _ = op;
    iprefix_into::<S, R, O>("iscan_into", false, (sendbuf, recvbuf), comm, token)
}

/// Starts [`iexscan`] of `sendbuf` into `recvbuf` (`MPI_Iexscan`), the nonblocking
/// [`exscan_into`](crate::exscan_into): as [`iscan_into`], rank `r`'s `recvbuf` holding
/// `sendbuf` of ranks `0..r` combined, the operator's identity on rank 0.
#[track_caller]
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
pub fn iexscan_into<'a, S, R, O>(
    sendbuf: S,
    recvbuf: R,
    op: O,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
    O: Reduces<S::Elem>,
{
    let _ = op;
    iprefix_into::<S, R, O>("iexscan_into", true, (sendbuf, recvbuf), comm, token)
}

/// [`iscan_into`] and [`iexscan_into`].
#[track_caller]
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
fn iprefix_into<'a, S, R, O>(
    name: &'static str,
    exclusive: bool,
    (sendbuf, recvbuf): (S, R),
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
    O: Reduces<S::Elem>,
{
    let call = Call::new(name, comm, &token);
    let len = sendbuf.send_count();
    call.count_arg("the send buffer", len);
    call.expect_len(
        "the receive buffer",
        recvbuf.result_room(),
        len,
        "give the receive buffer exactly as many elements as the send buffer",
    );
    let first = comm.rank() == 0;
    let (recv, kept) = recvbuf.into_result_memory(&call.lending);
    let send = sendbuf.into_memory(&call.lending);
    let what = crate::ops::reduction::fingerprint::<S::Elem, O>(len, None);
    let (envelope, prefix) = prefix_carriage::<S::Elem, O>(&call, &what, &send, exclusive);
    let start = match envelope {
        Some(_) => sys::carried(send, recv, prefix),
        None => sys::starter(move |comm: RawComm<'_>| {
            sys::iscan_into(comm, exclusive, send, recv, O::KIND)
        }),
    };
    issue_collective(
        call,
        token,
        (Payload::of::<S::Elem>(len), Peer::None),
        what,
        (start, envelope),
        move |done, call, origin| {
            let mut done = completed(done, call, origin, None);
            // MPI leaves rank 0's exclusive result undefined; ours is the operator's identity.
            if exclusive && first {
                done.recv.fill(O::identity());
            }
            (S::back(done.send), R::result_back(kept, done.recv))
        },
    )
}

/// Starts [`ireduce`] of `sendbuf` into `recvbuf` at `root` (`MPI_Ireduce`), the nonblocking
/// [`reduce_into`](crate::reduce_into): at the root `recvbuf` holds exactly as many elements
/// as `sendbuf`; off the root it is not used (pass an empty one) and comes back as it was.
/// [`wait`] returns what each buffer hands back, as a pair (lent or handed over, as
/// [`iallreduce_into`]'s).
#[track_caller]
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
pub fn ireduce_into<'a, S, R, O>(
    sendbuf: S,
    recvbuf: R,
    op: O,
    root: usize,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
    O: Reduces<S::Elem>,
{
    let _ = op;
    let call = Call::new("ireduce_into", comm, &token);
    let root = call.rank_arg("root", root);
    let len = sendbuf.send_count();
    call.count_arg("the send buffer", len);
    let at_root = comm.rank() == root as usize;
    if at_root {
        call.expect_len(
            "the receive buffer",
            recvbuf.result_room(),
            len,
            "at the root, give the receive buffer exactly as many elements as the send buffer",
        );
    }
    rooted_into(
        call,
        token,
        (
            crate::ops::reduction::fingerprint::<S::Elem, O>(len, Some(root)),
            root,
            Carry::Reduce(O::KIND),
            len,
        ),
        (sendbuf, recvbuf),
        move |comm, send, recv| sys::ireduce(comm, send, recv, O::KIND, root),
    )
}

/// Starts [`igather`] of `sendbuf` into `recvbuf` at `root` (`MPI_Igather`), the nonblocking
/// [`gather_into`](crate::gather_into): at the root `recvbuf` holds exactly `comm.size()`
/// times `sendbuf`'s elements, rank `r`'s at block `r`; off the root it is not used (pass an
/// empty one) and comes back as it was. [`wait`] returns what each buffer hands back, as a
/// pair (lent or handed over, as [`iallreduce_into`]'s).
#[track_caller]
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
pub fn igather_into<'a, S, R>(
    sendbuf: S,
    recvbuf: R,
    root: usize,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
{
    let call = Call::new("igather_into", comm, &token);
    let root = call.rank_arg("root", root);
    let len = sendbuf.send_count();
    call.count_arg("the send buffer", len);
    let size = comm.size();
    if comm.rank() == root as usize {
        call.count_arg("the gathered result", len.saturating_mul(size));
        call.expect_len(
            "the receive buffer",
            recvbuf.result_room(),
            len * size,
            "at the root, give `igather_into` a receive buffer of `comm.size()` times the send \
             buffer's length",
        );
    }
    rooted_into(
        call,
        token,
        (
            Collective::rooted(S::Elem::NAME, len, root),
            root,
            Carry::Place,
            len.saturating_mul(size),
        ),
        (sendbuf, recvbuf),
        move |comm, send, recv| sys::igather(comm, send, recv, root),
    )
}

/// Issues a rooted collective `what` at `root` of an `_into` form (`ireduce_into`,
/// `igather_into`) whose `total` elements the agreement carries as `carry` when they fit: at
/// the root `start` (or the agreement) writes the result buffer's memory; elsewhere the result
/// buffer is not MPI's (MPI is given none) and the request hands it back as it was.
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
fn rooted_into<'a, S, R, F>(
    call: Call<'a>,
    token: Token,
    (what, root, carry, total): (Collective, c_int, Carry, usize),
    (sendbuf, recvbuf): (S, R),
    start: F,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
    F: for<'c> FnOnce(
            RawComm<'c>,
            Memory<S::Elem>,
            Memory<S::Elem>,
        ) -> SysResult<InFlight<'c, S::Elem, S::Elem>>
        + 'static,
{
    let comm = call.comm;
    let (rank, at_root) = (comm.rank(), comm.rank() == root as usize);
    let len = sendbuf.send_count();
    let (recv, kept) = recvbuf.into_result_memory(&call.lending);
    let send = sendbuf.into_memory(&call.lending);
    // Off the root the result buffer stays with the request, untouched.
    let (room, aside) = if at_root {
        (recv, None)
    } else {
        (Memory::default(), Some(recv))
    };
    // A gather's ranks place their data at their own blocks; a reduction's at the start.
    let at = match carry {
        Carry::Place => rank * len,
        Carry::Reduce(_) => 0,
    };
    let envelope = call.carrying(&what, carry, total, Some((&send[..], at)));
    let start = match envelope {
        Some(_) if at_root => sys::carried(send, room, Taking::From(0)),
        Some(_) => sys::carried(send, room, Taking::Nothing),
        None => sys::starter(move |comm: RawComm<'_>| start(comm, send, room)),
    };
    issue_collective(
        call,
        token,
        (Payload::of::<S::Elem>(len), Peer::Root(root)),
        what,
        (start, envelope),
        move |done, call, origin| {
            let done = completed(done, call, origin, None);
            let back = match aside {
                None => R::result_back(kept, done.recv),
                Some(recv) => R::untouched_back(kept, recv),
            };
            (S::back(done.send), back)
        },
    )
}

/// Starts gathering every rank's `sendbuf` into `recvbuf` on every rank (`MPI_Iallgather`),
/// the nonblocking [`allgather_into`](crate::allgather_into): `recvbuf` holds exactly
/// `comm.size()` times `sendbuf`'s elements, rank `r`'s at block `r`; [`wait`] returns what
/// each buffer hands back, as a pair (lent or handed over, as [`iallreduce_into`]'s).
#[track_caller]
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
pub fn iallgather_into<'a, S, R>(
    sendbuf: S,
    recvbuf: R,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
{
    let call = Call::new("iallgather_into", comm, &token);
    let len = sendbuf.send_count();
    call.count_arg("the send buffer", len);
    let size = comm.size();
    call.count_arg("the gathered result", len.saturating_mul(size));
    call.expect_len(
        "the receive buffer",
        recvbuf.result_room(),
        len * size,
        "give `iallgather_into` a receive buffer of `comm.size()` times the send buffer's length",
    );
    collective_into(
        call,
        token,
        (
            Collective::plain(S::Elem::NAME, len),
            Peer::None,
            Some(Carriage {
                carry: Carry::Place,
                total: len * size,
                at: Some(comm.rank() * len),
                taking: Taking::From(0),
            }),
        ),
        len,
        (sendbuf, recvbuf),
        move |comm, send, recv| sys::iblocks(comm, Blocks::Allgather, send, recv, len),
    )
}

/// Starts an all-to-all exchange of `sendbuf`'s blocks into `recvbuf` (`MPI_Ialltoall`), the
/// nonblocking [`alltoall_into`](crate::alltoall_into): `sendbuf`'s elements, in logical
/// order, are split into `comm.size()` equal blocks, block `i` going to rank `i`; `recvbuf`
/// holds as many elements and receives rank `r`'s block at block `r`. [`wait`] returns what
/// each buffer hands back, as a pair (lent or handed over, as [`iallreduce_into`]'s).
#[track_caller]
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
pub fn ialltoall_into<'a, S, R>(
    sendbuf: S,
    recvbuf: R,
    comm: &'a Comm,
    token: Token,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
{
    let call = Call::new("ialltoall_into", comm, &token);
    let len = sendbuf.send_count();
    let block = call.split_count(len);
    call.count_arg("one block", block);
    call.expect_len(
        "the receive buffer",
        recvbuf.result_room(),
        len,
        "give `ialltoall_into` a receive buffer as long as the send buffer",
    );
    collective_into(
        call,
        token,
        (
            Collective::plain(S::Elem::NAME, block),
            Peer::None,
            Some(Carriage {
                carry: Carry::Place,
                total: len * comm.size(),
                at: Some(comm.rank() * len),
                taking: Taking::Column {
                    block,
                    index: comm.rank(),
                    count: comm.size(),
                },
            }),
        ),
        len,
        (sendbuf, recvbuf),
        move |comm, send, recv| sys::iblocks(comm, Blocks::Alltoall, send, recv, block),
    )
}

/// How an `_into` collective's data travels inside its agreement, when it fits the envelope:
/// `total` elements carried as `carry`, this rank's send buffer put from element `at` on
/// (`None`: it puts nothing), its result taken as `taking` says.
struct Carriage {
    carry: Carry,
    total: usize,
    at: Option<usize>,
    taking: Taking,
}

/// Issues the collective `what` of an `_into` form, moving `len` elements (with `peer`, for the
/// records): `start` gets the memory of both buffers (the send's, and the result's that
/// `recvbuf` lends or hands over), and the request hands both back. With a `carriage`, the
/// agreement carries the data when it fits, and `start` is not called.
// The pair of what each buffer hands back, written out: what the reader needs to see.
#[allow(clippy::type_complexity)]
fn collective_into<'a, S, R, F>(
    call: Call<'a>,
    token: Token,
    (what, peer, carriage): (Collective, Peer, Option<Carriage>),
    len: usize,
    (sendbuf, recvbuf): (S, R),
    start: F,
) -> (Request<'a, (S::Back, R::Back)>, Token)
where
    S: SendBuf<'a>,
    R: ResultBuf<'a, Elem = S::Elem>,
    F: for<'c> FnOnce(
            RawComm<'c>,
            Memory<S::Elem>,
            Memory<S::Elem>,
        ) -> SysResult<InFlight<'c, S::Elem, S::Elem>>
        + 'static,
{
    let (recv, kept) = recvbuf.into_result_memory(&call.lending);
    let send = sendbuf.into_memory(&call.lending);
    let (envelope, taking) = match carriage {
        Some(Carriage {
            carry,
            total,
            at,
            taking,
        }) => {
            let given = at.map(|at| (&send[..], at));
            (call.carrying(&what, carry, total, given), taking)
        }
        None => (None, Taking::Nothing),
    };
    let start = match envelope {
        Some(_) => sys::carried(send, recv, taking),
        None => sys::starter(move |comm: RawComm<'_>| start(comm, send, recv)),
    };
    issue_collective(
        call,
        token,
        (Payload::of::<S::Elem>(len), peer),
        what,
        (start, envelope),
        move |done, call, origin| {
            let done = completed(done, call, origin, None);
            (S::back(done.send), R::result_back(kept, done.recv))
        },
    )
}

// ---- completion -------------------------------------------------------------------------------

/// Waits for `request` to complete and returns its result (`MPI_Wait`) and the next token.
///
/// Under `SPMD_TIMEOUT`, a wait that blocks too long is reported with the op that issued the
/// request, its peer and call site; under `SPMD_DEBUG` it logs one line, as the issue did.
#[track_caller]
pub fn wait<T>(request: Request<'_, T>, token: Token) -> (T, Token) {
    let comm = request.comm;
    let call = Call::new("wait", comm, &token);
    let (payload, peer) = request.moved();
    let value = request.complete(&call);
    (value, call.finish(token, payload, peer))
}

/// Requests that [`wait_all`] completes together: a `Vec` of requests of one kind, or a tuple
/// of up to eight requests of any kinds.
pub trait Requests {
    /// What the requests return: a `Vec`, or a tuple of their results.
    type Output;
    /// Completes every request in order within the `wait_all`.
    #[doc(hidden)]
    fn complete_all(self, within: Within<'_, '_>) -> Self::Output;
}

/// The `wait_all` that completes [`Requests`] (opaque).
#[doc(hidden)]
#[derive(Clone, Copy)]
#[allow(missing_debug_implementations)]
pub struct Within<'a, 'c>(&'a Call<'c>);

impl<T> Requests for Vec<Request<'_, T>> {
    type Output = Vec<T>;
    fn complete_all(self, within: Within<'_, '_>) -> Vec<T> {
        self.into_iter()
            .map(|request| request.complete(within.0))
            .collect()
    }
}

macro_rules! tuple_requests {
    ($($name:ident $t:ident),+) => {
        impl<$($t),+> Requests for ($(Request<'_, $t>,)+) {
            type Output = ($($t,)+);
            fn complete_all(self, within: Within<'_, '_>) -> Self::Output {
                let ($($name,)+) = self;
                ($($name.complete(within.0),)+)
            }
        }
    };
}

tuple_requests!(a A);
tuple_requests!(a A, b B);
tuple_requests!(a A, b B, c C);
tuple_requests!(a A, b B, c C, d D);
tuple_requests!(a A, b B, c C, d D, e E);
tuple_requests!(a A, b B, c C, d D, e E, f F);
tuple_requests!(a A, b B, c C, d D, e E, f F, g G);
tuple_requests!(a A, b B, c C, d D, e E, f F, g G, h H);

/// Waits for every request of `requests` (a `Vec` of requests, or a tuple of requests of any
/// kinds) and returns their results in the same shape, with the next token: one op in the
/// token chain.
#[track_caller]
pub fn wait_all<R: Requests>(requests: R, comm: &Comm, token: Token) -> (R::Output, Token) {
    let call = Call::new("wait_all", comm, &token);
    let value = requests.complete_all(Within(&call));
    (value, call.finish(token, Payload::NONE, Peer::None))
}

/// Whether `request` has completed, without blocking (`MPI_Test`): `Ok` with its result if it
/// has, `Err` with the request back if not. Calling `test` also lets MPI progress the other
/// requests in flight, which is how a long computation keeps communication moving.
#[track_caller]
pub fn test<'a, T>(request: Request<'a, T>, token: Token) -> (Result<T, Request<'a, T>>, Token) {
    let mut request = request;
    let comm = request.comm;
    let call = Call::new("test", comm, &token);
    let done = match request.held_mut().test() {
        Ok(done) => done,
        Err(error) => call.failed_request(error, &request.held().head().origin, None),
    };
    let (payload, peer) = request.moved();
    let outcome = if done {
        Ok(request.complete(&call))
    } else {
        Err(request)
    };
    (outcome, call.finish(token, payload, peer))
}

impl Call<'_> {
    /// The status of a completed receive, checked in check mode against the sender's header
    /// (which the sender sent when it issued the message, so that this check cannot block the
    /// issue of receives before sends).
    fn request_status<E: Element>(
        &self,
        raw: Option<RawStatus>,
        origin: &OpId,
        len: usize,
        exact: bool,
    ) -> Status {
        let raw = match raw {
            Some(raw) => raw,
            None => self.fail(
                format!(
                    "the receive issued at {} has no status",
                    origin.site_label()
                ),
                "this is an internal error of spmd; please report it",
            ),
        };
        if self.comm.check_raw().is_some() {
            let peer = (raw.source(), raw.tag());
            let _ = self.expect_as(origin, None, E::NAME, len, exact, peer);
        }
        Status::of::<E>(raw)
    }

    /// Reports a failed request: the error, and which op issued it where.
    #[cold]
    #[inline(never)]
    fn failed_request(&self, error: sys::SysError, origin: &OpId, room: Option<Room<'_>>) -> ! {
        if settings::debug_enabled() {
            settings::write_stderr(&format!(
                "[spmd] rank {} `{}` failed on the request of `{}` issued at {}\n",
                self.comm.rank(),
                self.op(),
                origin.op,
                origin.site_label()
            ));
        }
        match room {
            Some(room) => self.received(Err(error), room),
            None => self.mpi(Err(error)),
        }
    }
}
