//! Point-to-point ops: `send`, `recv`, `sendrecv`, with tags, any-source, any-tag and status.

use std::ffi::c_int;
use std::fmt;
use std::marker::PhantomData;

use crate::buffer::{Buffer, BufferMut, zeroed};
use crate::call::{Call, Room};
use crate::comm::Comm;
use crate::element::Element;
use crate::ident::{Payload, Peer};
use crate::sys::{self, RawStatus};
use crate::token::Token;

/// Where a message goes: a rank and a tag (0 unless set), or no one.
///
/// A plain `usize` converts into a destination with tag 0: `send(&x, 1, comm)`.
/// [`Dest::none()`] is no one (MPI's `MPI_PROC_NULL`): a send to no one completes at once and
/// sends nothing, which is what a rank on the edge of a non-periodic grid does towards the
/// outside ([`Cartesian::shift`](crate::Cartesian::shift) gives such peers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dest {
    /// `None`: no one.
    rank: Option<usize>,
    tag: i32,
}

impl Dest {
    /// The rank `rank`, tag 0.
    pub const fn rank(rank: usize) -> Dest {
        Dest {
            rank: Some(rank),
            tag: 0,
        }
    }

    /// No one (`MPI_PROC_NULL`): a send to no one completes at once and sends nothing.
    pub const fn none() -> Dest {
        Dest { rank: None, tag: 0 }
    }

    /// The rank, or no one for `None`: `Dest::rank_or_none(grid.neighbour(0, 1))`.
    pub const fn rank_or_none(rank: Option<usize>) -> Dest {
        Dest { rank, tag: 0 }
    }

    /// The same rank, with tag `tag` (non-negative, at most the MPI library's `MPI_TAG_UB`).
    pub const fn tag(self, tag: i32) -> Dest {
        Dest { tag, ..self }
    }

    /// The rank, or `None` for no one.
    pub const fn peer(self) -> Option<usize> {
        self.rank
    }

    /// Whether this is no one ([`Dest::none`]).
    pub const fn is_none(self) -> bool {
        self.rank.is_none()
    }
}

/// Which ranks a receive accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Rank(usize),
    Any,
    NoOne,
}

/// Where a message may come from: a rank or any rank, and a tag or any tag; or no one.
///
/// A plain `usize` converts into "that rank, any tag" (as mpi4jax's `recv` does); [`ANY_SOURCE`]
/// accepts a message from any rank. [`Source::none()`] is no one (MPI's `MPI_PROC_NULL`): a
/// receive from no one completes at once, leaves its buffer as it is (a receive that makes a
/// new buffer returns a copy of its template), and says so in its [`Status`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    from: Origin,
    tag: Option<i32>,
}

/// Any rank, any tag.
pub const ANY_SOURCE: Source = Source::any();

impl Source {
    /// The rank `rank`, any tag.
    pub const fn rank(rank: usize) -> Source {
        Source {
            from: Origin::Rank(rank),
            tag: None,
        }
    }

    /// Any rank, any tag.
    pub const fn any() -> Source {
        Source {
            from: Origin::Any,
            tag: None,
        }
    }

    /// No one (`MPI_PROC_NULL`): a receive from no one completes at once and receives nothing.
    pub const fn none() -> Source {
        Source {
            from: Origin::NoOne,
            tag: None,
        }
    }

    /// The rank (any tag), or no one for `None` (not any rank: that is [`Source::any`]).
    pub const fn rank_or_none(rank: Option<usize>) -> Source {
        match rank {
            Some(rank) => Source::rank(rank),
            None => Source::none(),
        }
    }

    /// Only messages with tag `tag`.
    pub const fn tag(self, tag: i32) -> Source {
        Source {
            tag: Some(tag),
            ..self
        }
    }

    /// The rank, if the source is one rank (`None` for any rank and for no one).
    pub const fn peer(self) -> Option<usize> {
        match self.from {
            Origin::Rank(rank) => Some(rank),
            Origin::Any | Origin::NoOne => None,
        }
    }

    /// Whether this is no one ([`Source::none`]).
    pub const fn is_none(self) -> bool {
        matches!(self.from, Origin::NoOne)
    }
}

/// Converts into a [`Dest`]: a `usize` rank or a `Dest`.
pub trait IntoDest {
    /// The destination.
    fn into_dest(self) -> Dest;
}

impl IntoDest for usize {
    #[inline]
    fn into_dest(self) -> Dest {
        Dest::rank(self)
    }
}

impl IntoDest for Dest {
    #[inline]
    fn into_dest(self) -> Dest {
        self
    }
}

/// Converts into a [`Source`]: a `usize` rank or a `Source`.
pub trait IntoSource {
    /// The source.
    fn into_source(self) -> Source;
}

impl IntoSource for usize {
    #[inline]
    fn into_source(self) -> Source {
        Source::rank(self)
    }
}

impl IntoSource for Source {
    #[inline]
    fn into_source(self) -> Source {
        self
    }
}

/// The source argument of [`sendrecv`], [`sendrecv_with_status`] and [`sendrecv_into`]: a
/// [`Source`], never a bare rank.
///
/// `sendrecv` takes two peers, and the two orders in use disagree: mpi4jax passes the source
/// first, rsmpi's `send_receive` the destination first. With two plain `usize`s a swap compiles
/// and delivers the wrong neighbour's data, so the peers of `sendrecv` are typed: write
/// `Source::rank(from), Dest::rank(to)`, or take both from [`Comm::shift`]. Sealed.
#[diagnostic::on_unimplemented(
    message = "`sendrecv`'s source must be a `Source`, not `{Self}`",
    label = "write `Source::rank(..)` here",
    note = "the peers of `sendrecv` come as (source, destination), as in mpi4jax: \
            `sendrecv(&send, &recv, Source::rank(from), Dest::rank(to), comm)`; \
            `comm.shift(1)` gives both for a ring",
    note = "rsmpi's `send_receive` takes the destination first: typed peers make a swap a \
            compile error instead of the wrong neighbour's data"
)]
pub trait SendrecvSource: sealed::Peer {
    /// The source.
    fn into_source(self) -> Source;
}

impl SendrecvSource for Source {
    #[inline]
    fn into_source(self) -> Source {
        self
    }
}

/// The destination argument of [`sendrecv`], [`sendrecv_with_status`] and [`sendrecv_into`]:
/// a [`Dest`], never a bare rank (see [`SendrecvSource`] for why). Sealed.
#[diagnostic::on_unimplemented(
    message = "`sendrecv`'s destination must be a `Dest`, not `{Self}`",
    label = "write `Dest::rank(..)` here",
    note = "the peers of `sendrecv` come as (source, destination), as in mpi4jax: \
            `sendrecv(&send, &recv, Source::rank(from), Dest::rank(to), comm)`; \
            `comm.shift(1)` gives both for a ring",
    note = "rsmpi's `send_receive` takes the destination first: typed peers make a swap a \
            compile error instead of the wrong neighbour's data"
)]
pub trait SendrecvDest: sealed::Peer {
    /// The destination.
    fn into_dest(self) -> Dest;
}

impl SendrecvDest for Dest {
    #[inline]
    fn into_dest(self) -> Dest {
        self
    }
}

mod sealed {
    /// Only [`Source`](super::Source) and [`Dest`](super::Dest) are peers of `sendrecv`.
    pub trait Peer {}
    impl Peer for super::Source {}
    impl Peer for super::Dest {}
}

/// What a receive got: who sent it, with which tag, how many elements.
///
/// A receive from no one ([`Source::none`]) got nothing:
/// [`is_from_no_one`](Status::is_from_no_one) is true, `source` is [`Status::NO_ONE`], `tag` is
/// [`Status::NO_TAG`] and the count is 0.
///
/// Not `Send`: [`count`](Status::count) asks MPI, which only the thread that received may do
/// (MPI is initialised for the threads that own communicators).
#[derive(Clone, Copy)]
pub struct Status {
    /// The rank that sent the message ([`Status::NO_ONE`] after a receive from no one).
    pub source: usize,
    /// The message's tag ([`Status::NO_TAG`] after a receive from no one).
    pub tag: i32,
    /// MPI's status of the receive, asked for the count on demand.
    raw: RawStatus,
    /// Bytes per element received (a struct's fields, without its padding).
    element_size: usize,
    _thread_bound: PhantomData<*const ()>,
}

impl Status {
    /// The `source` of a receive from no one: not a rank (`usize::MAX`).
    pub const NO_ONE: usize = usize::MAX;

    /// The `tag` of a receive from no one: not a tag (-1, as `MPI_ANY_TAG`).
    pub const NO_TAG: i32 = -1;

    /// The number of elements received (0 from no one).
    ///
    /// Computed when asked (`MPI_Get_count`), so that receives that do not need it do not pay
    /// for it.
    pub fn count(&self) -> usize {
        if self.is_from_no_one() {
            return 0;
        }
        match self.raw.bytes() {
            Ok(bytes) => bytes / self.element_size,
            Err(error) => panic!("spmd: MPI_Get_count failed on a receive's status: {error:?}"),
        }
    }

    /// Whether the receive was from no one ([`Source::none`]): nothing arrived, and the buffer
    /// was left as it was.
    pub fn is_from_no_one(&self) -> bool {
        self.source == Status::NO_ONE
    }

    pub(crate) fn of<T: Element>(raw: RawStatus) -> Status {
        let (source, tag) = if raw.is_from_no_one() {
            (Status::NO_ONE, Status::NO_TAG)
        } else {
            (raw.source() as usize, raw.tag())
        };
        Status {
            source,
            tag,
            raw,
            element_size: T::WIRE_SIZE,
            _thread_bound: PhantomData,
        }
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_from_no_one() {
            return f.write_str("Status { from no one }");
        }
        f.debug_struct("Status")
            .field("source", &self.source)
            .field("tag", &self.tag)
            .field("count", &self.count())
            .finish()
    }
}

impl PartialEq for Status {
    fn eq(&self, other: &Status) -> bool {
        (self.source, self.tag, self.count()) == (other.source, other.tag, other.count())
    }
}

impl Eq for Status {}

impl Call<'_> {
    /// The rank (`MPI_PROC_NULL` for no one) and tag of a destination, checked.
    pub(crate) fn dest_arg(&self, dest: Dest) -> (c_int, c_int) {
        let rank = match dest.rank {
            Some(rank) => self.rank_arg("destination rank", rank),
            None => sys::proc_null(),
        };
        (rank, self.tag_arg(dest.tag))
    }

    /// The rank (`MPI_ANY_SOURCE` for any, `MPI_PROC_NULL` for no one) and tag of a source,
    /// checked.
    pub(crate) fn source_arg(&self, source: Source) -> (c_int, c_int) {
        let rank = match source.from {
            Origin::Rank(rank) => self.rank_arg("source rank", rank),
            Origin::Any => sys::any_source(),
            Origin::NoOne => sys::proc_null(),
        };
        let tag = source
            .tag
            .map_or_else(sys::any_tag, |tag| self.tag_arg(tag));
        (rank, tag)
    }

    /// Checks that a receive got `expected` elements (or came from no one).
    pub(crate) fn exact_count<T: Element>(&self, status: &Status, expected: usize) {
        if status.is_from_no_one() {
            return;
        }
        let count = status.count();
        if count != expected {
            self.fail(
                format!(
                    "received {count} elements of {} from rank {} (tag {}), but the template holds {expected}",
                    T::NAME,
                    status.source,
                    status.tag
                ),
                "give the receive a template with as many elements as the sender sends, or use \
                 `recv_into` and read `Status::count`",
            );
        }
    }
}

/// The memory a receive that makes a new buffer receives into: zeros, or, from no one
/// (`source` is `MPI_PROC_NULL`), a copy of the template, which the receive then returns as
/// it is (as a receive from no one leaves a buffer).
pub(crate) fn received_or_kept<B: Buffer + ?Sized>(template: &B, source: c_int) -> Vec<B::Elem> {
    if source == sys::proc_null() {
        template.with_elements(<[B::Elem]>::to_vec)
    } else {
        zeroed::<B::Elem>(template.element_count())
    }
}

/// Sends `buf` to `dest` (`MPI_Send`): a rank (`usize`, tag 0) or a [`Dest`] with a tag.
///
/// Returns the next token. Blocks until the buffer may be reused, which for large messages
/// means until the receiver has started receiving.
#[track_caller]
pub fn send<B>(buf: &B, dest: impl IntoDest, comm: &Comm, token: Token) -> Token
where
    B: Buffer + ?Sized,
{
    let call = Call::new("send", comm, &token);
    let (rank, tag) = call.dest_arg(dest.into_dest());
    // Checked before staging, which may copy a non-contiguous array.
    call.count_arg("the send buffer", buf.element_count());
    let count = buf.with_elements(|data| {
        call.announce((B::Elem::NAME, data.len(), rank, tag));
        call.mpi(sys::send(comm.raw(), data, rank, tag));
        data.len()
    });
    call.finish(token, Payload::of::<B::Elem>(count), Peer::To(rank))
}

/// Receives into a new buffer of `template`'s kind and shape; the message must fill it.
fn recv_impl<B>(call: &Call<'_>, template: &B, source: Source) -> (B::Owned, Status)
where
    B: Buffer + ?Sized,
{
    let len = template.element_count();
    call.count_arg("the receive template", len);
    let (rank, tag) = call.expect(None, B::Elem::NAME, len, true, call.source_arg(source));
    let mut data = received_or_kept(template, rank);
    let raw = call.received(
        sys::recv(call.comm.raw(), &mut data, rank, tag),
        Room {
            what: "the receive template",
            len,
            elem: B::Elem::NAME,
            elem_size: <B::Elem as crate::element::sealed::Sealed>::WIRE_SIZE,
            issued_by: None,
            source: rank,
        },
    );
    let status = Status::of::<B::Elem>(raw);
    call.exact_count::<B::Elem>(&status, len);
    (template.owned_from(data), status)
}

/// Receives a message shaped like `template` (`MPI_Mprobe` + `MPI_Mrecv`: its size is known
/// before any byte lands) from `source`: a rank (`usize`, any
/// tag), [`ANY_SOURCE`] or a [`Source`] with a tag.
///
/// Returns a new buffer of the template's kind and shape; the template's values are not read.
/// A message with more or fewer elements than the template is an error, never a truncation.
#[track_caller]
pub fn recv<B>(
    template: &B,
    source: impl IntoSource,
    comm: &Comm,
    token: Token,
) -> (B::Owned, Token)
where
    B: Buffer + ?Sized,
{
    let (data, _, token) = recv_with_status_at("recv", template, source.into_source(), comm, token);
    (data, token)
}

/// [`recv`], also returning the [`Status`] (source, tag, count) of the message.
#[track_caller]
pub fn recv_with_status<B>(
    template: &B,
    source: impl IntoSource,
    comm: &Comm,
    token: Token,
) -> (B::Owned, Status, Token)
where
    B: Buffer + ?Sized,
{
    recv_with_status_at(
        "recv_with_status",
        template,
        source.into_source(),
        comm,
        token,
    )
}

#[track_caller]
#[inline]
fn recv_with_status_at<B>(
    op: &'static str,
    template: &B,
    source: Source,
    comm: &Comm,
    token: Token,
) -> (B::Owned, Status, Token)
where
    B: Buffer + ?Sized,
{
    let call = Call::new(op, comm, &token);
    let (data, status) = recv_impl(&call, template, source);
    let len = template.element_count();
    let token = call.finish(
        token,
        Payload::of::<B::Elem>(len),
        Peer::From(status.raw.source()),
    );
    (data, status, token)
}

/// Receives into `buf` (`MPI_Mprobe` + `MPI_Mrecv`), for hot loops: no allocation when `buf` is
/// contiguous.
///
/// The message may be shorter than `buf` (the [`Status`] says how many elements came); a longer
/// one is an error.
#[track_caller]
pub fn recv_into<B>(
    buf: &mut B,
    source: impl IntoSource,
    comm: &Comm,
    token: Token,
) -> (Status, Token)
where
    B: BufferMut + ?Sized,
{
    let call = Call::new("recv_into", comm, &token);
    let source = call.source_arg(source.into_source());
    let status = buf.with_elements_out(
        |data| {
            call.count_arg("the receive buffer", data.len());
            let (rank, tag) = call.expect(None, B::Elem::NAME, data.len(), false, source);
            let room = Room {
                what: "the receive buffer",
                len: data.len(),
                elem: B::Elem::NAME,
                elem_size: <B::Elem as crate::element::sealed::Sealed>::WIRE_SIZE,
                issued_by: None,
                source: rank,
            };
            Status::of::<B::Elem>(call.received(sys::recv(comm.raw(), data, rank, tag), room))
        },
        Status::count,
    );
    let token = call.finish_lazy(
        token,
        || Payload::of::<B::Elem>(status.count()),
        Peer::From(source.0),
    );
    (status, token)
}

/// Sends `sendbuf`, receives into a new buffer of `template`'s kind; the message must fill it.
fn sendrecv_impl<S, B>(
    call: &Call<'_>,
    sendbuf: &S,
    template: &B,
    source: Source,
    dest: Dest,
) -> (B::Owned, Status)
where
    S: Buffer + ?Sized,
    B: Buffer + ?Sized,
{
    let (dest_rank, send_tag) = call.dest_arg(dest);
    let source = call.source_arg(source);
    // Checked before staging, which may copy a non-contiguous array.
    call.count_arg("the send buffer", sendbuf.element_count());
    let len = template.element_count();
    call.count_arg("the receive template", len);
    let mut data = received_or_kept(template, source.0);
    let raw = sendbuf.with_elements(|outgoing| {
        let send = (S::Elem::NAME, outgoing.len(), dest_rank, send_tag);
        let (source_rank, recv_tag) = call.expect(Some(send), B::Elem::NAME, len, true, source);
        call.received(
            sys::sendrecv(
                call.comm.raw(),
                outgoing,
                dest_rank,
                send_tag,
                &mut data,
                source_rank,
                recv_tag,
            ),
            Room {
                what: "the receive template",
                len,
                elem: B::Elem::NAME,
                elem_size: <B::Elem as crate::element::sealed::Sealed>::WIRE_SIZE,
                issued_by: None,
                source: source_rank,
            },
        )
    });
    let status = Status::of::<B::Elem>(raw);
    call.exact_count::<B::Elem>(&status, len);
    (template.owned_from(data), status)
}

/// Sends `sendbuf` to `dest` and receives a message shaped like `template` from `source`, in
/// one deadlock-free step (`MPI_Isend`, then `MPI_Mprobe` + `MPI_Mrecv`, then the send's wait).
/// The argument order follows mpi4jax:
/// send buffer, receive template, source, destination; the peers are typed ([`Source`],
/// [`Dest`], see [`SendrecvSource`]) so that a swap does not compile:
///
/// ```no_run
/// # use spmd::{Dest, Source, sendrecv};
/// # let universe = spmd::init();
/// # let comm = universe.world();
/// # let token = spmd::token();
/// let (from, to) = comm.shift(1); // the left and right neighbours on a ring
/// let (got, token) = sendrecv(&[1.0f64; 4], &[0.0f64; 4], from, to, &comm, token);
/// // The same peers, written out:
/// let left = (comm.rank() + comm.size() - 1) % comm.size();
/// let right = (comm.rank() + 1) % comm.size();
/// let (got, token) = sendrecv(&got, &got, Source::rank(left), Dest::rank(right), &comm, token);
/// # drop((got, token));
/// ```
#[track_caller]
pub fn sendrecv<S, B>(
    sendbuf: &S,
    template: &B,
    source: impl SendrecvSource,
    dest: impl SendrecvDest,
    comm: &Comm,
    token: Token,
) -> (B::Owned, Token)
where
    S: Buffer + ?Sized,
    B: Buffer + ?Sized,
{
    let (data, _, token) = sendrecv_with_status_at(
        "sendrecv",
        sendbuf,
        template,
        source.into_source(),
        dest.into_dest(),
        comm,
        token,
    );
    (data, token)
}

/// [`sendrecv`], also returning the [`Status`] of the received message.
#[track_caller]
pub fn sendrecv_with_status<S, B>(
    sendbuf: &S,
    template: &B,
    source: impl SendrecvSource,
    dest: impl SendrecvDest,
    comm: &Comm,
    token: Token,
) -> (B::Owned, Status, Token)
where
    S: Buffer + ?Sized,
    B: Buffer + ?Sized,
{
    sendrecv_with_status_at(
        "sendrecv_with_status",
        sendbuf,
        template,
        source.into_source(),
        dest.into_dest(),
        comm,
        token,
    )
}

#[track_caller]
#[inline]
fn sendrecv_with_status_at<S, B>(
    op: &'static str,
    sendbuf: &S,
    template: &B,
    source: Source,
    dest: Dest,
    comm: &Comm,
    token: Token,
) -> (B::Owned, Status, Token)
where
    S: Buffer + ?Sized,
    B: Buffer + ?Sized,
{
    let call = Call::new(op, comm, &token);
    let (data, status) = sendrecv_impl(&call, sendbuf, template, source, dest);
    let peer = Peer::Exchange {
        to: dest.rank.map_or_else(sys::proc_null, |rank| rank as c_int),
        from: status.raw.source(),
    };
    let token = call.finish(
        token,
        Payload::of::<B::Elem>(template.element_count()),
        peer,
    );
    (data, status, token)
}

/// [`sendrecv`] into an existing buffer (as `sendrecv` calls MPI), for hot loops such as halo
/// exchanges: no allocation when both buffers are contiguous. The message may be shorter than
/// `recvbuf`; the [`Status`] says how many elements came.
#[track_caller]
pub fn sendrecv_into<S, B>(
    sendbuf: &S,
    recvbuf: &mut B,
    source: impl SendrecvSource,
    dest: impl SendrecvDest,
    comm: &Comm,
    token: Token,
) -> (Status, Token)
where
    S: Buffer + ?Sized,
    B: BufferMut + ?Sized,
{
    let call = Call::new("sendrecv_into", comm, &token);
    let (dest_rank, send_tag) = call.dest_arg(dest.into_dest());
    let source = call.source_arg(source.into_source());
    // Checked before staging, which may copy a non-contiguous array.
    call.count_arg("the send buffer", sendbuf.element_count());
    let status = sendbuf.with_elements(|outgoing| {
        recvbuf.with_elements_out(
            |data| {
                call.count_arg("the receive buffer", data.len());
                let send = (S::Elem::NAME, outgoing.len(), dest_rank, send_tag);
                let (source_rank, recv_tag) =
                    call.expect(Some(send), B::Elem::NAME, data.len(), false, source);
                let room = Room {
                    what: "the receive buffer",
                    len: data.len(),
                    elem: B::Elem::NAME,
                    elem_size: <B::Elem as crate::element::sealed::Sealed>::WIRE_SIZE,
                    issued_by: None,
                    source: source_rank,
                };
                let raw = call.received(
                    sys::sendrecv(
                        comm.raw(),
                        outgoing,
                        dest_rank,
                        send_tag,
                        data,
                        source_rank,
                        recv_tag,
                    ),
                    room,
                );
                Status::of::<B::Elem>(raw)
            },
            Status::count,
        )
    });
    let token = call.finish_lazy(
        token,
        || Payload::of::<B::Elem>(status.count()),
        Peer::Exchange {
            to: dest_rank,
            from: source.0,
        },
    );
    (status, token)
}
