//! Point-to-point ops: `send`, `recv`, `sendrecv`, with tags, any-source, any-tag and status.

use std::ffi::c_int;
use std::fmt;
use std::mem::MaybeUninit;

use mpi::ffi;

use crate::buffer::{Buffer, BufferMut, filled_by};
use crate::call::{Call, Peer};
use crate::comm::Comm;
use crate::element::Element;
use crate::token::Token;

/// Where a message goes: a rank and a tag (0 unless set).
///
/// A plain `usize` converts into a destination with tag 0: `send(&x, 1, comm)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dest {
    rank: usize,
    tag: i32,
}

impl Dest {
    /// The rank `rank`, tag 0.
    pub const fn rank(rank: usize) -> Dest {
        Dest { rank, tag: 0 }
    }

    /// The same rank, with tag `tag` (non-negative, at most the MPI library's `MPI_TAG_UB`).
    pub const fn tag(self, tag: i32) -> Dest {
        Dest { tag, ..self }
    }
}

/// Where a message may come from: a rank or any rank, and a tag or any tag.
///
/// A plain `usize` converts into "that rank, any tag" (as mpi4jax's `recv` does); [`ANY_SOURCE`]
/// accepts a message from any rank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Source {
    rank: Option<usize>,
    tag: Option<i32>,
}

/// Any rank, any tag.
pub const ANY_SOURCE: Source = Source::any();

impl Source {
    /// The rank `rank`, any tag.
    pub const fn rank(rank: usize) -> Source {
        Source {
            rank: Some(rank),
            tag: None,
        }
    }

    /// Any rank, any tag.
    pub const fn any() -> Source {
        Source {
            rank: None,
            tag: None,
        }
    }

    /// Only messages with tag `tag`.
    pub const fn tag(self, tag: i32) -> Source {
        Source {
            tag: Some(tag),
            ..self
        }
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

/// What a receive got: who sent it, with which tag, how many elements.
#[derive(Clone, Copy)]
pub struct Status {
    /// The rank that sent the message.
    pub source: usize,
    /// The message's tag.
    pub tag: i32,
    /// MPI's status of the receive, asked for the count on demand.
    raw: ffi::MPI_Status,
    /// Bytes per element received.
    element_size: usize,
}

impl Status {
    /// The number of elements received.
    ///
    /// Computed when asked (`MPI_Get_count`), so that receives that do not need it do not pay
    /// for it.
    pub fn count(&self) -> usize {
        let mut bytes: c_int = 0;
        // SAFETY: `raw` was filled by a successful receive; `bytes` is a valid out-pointer.
        // Counting in bytes (always defined) keeps `Status` free of datatype handles.
        let code = unsafe { ffi::MPI_Get_count(&self.raw, u8::datatype(), &mut bytes) };
        assert!(
            code == 0,
            "spmd: MPI_Get_count failed with error {code} on a receive's status"
        );
        bytes.max(0) as usize / self.element_size
    }
}

impl fmt::Debug for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
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

#[inline]
pub(crate) fn any_source_raw() -> c_int {
    // SAFETY: a constant initialised by mpi-sys's C shim; reading it has no side effects.
    unsafe { ffi::RSMPI_ANY_SOURCE }
}

#[inline]
fn any_tag_raw() -> c_int {
    // SAFETY: as above.
    unsafe { ffi::RSMPI_ANY_TAG }
}

impl Call<'_> {
    fn dest_arg(&self, dest: Dest) -> (c_int, c_int) {
        let rank = self.rank_arg("destination rank", dest.rank);
        (rank, self.tag_arg(dest.tag))
    }

    fn source_arg(&self, source: Source) -> (c_int, c_int) {
        let rank = match source.rank {
            Some(rank) => self.rank_arg("source rank", rank),
            None => any_source_raw(),
        };
        let tag = source.tag.map_or_else(any_tag_raw, |tag| self.tag_arg(tag));
        (rank, tag)
    }

    fn tag_arg(&self, tag: i32) -> c_int {
        if tag < 0 {
            self.fail(
                format!("tag {tag} is negative"),
                "tags are non-negative; to accept any tag, leave the tag unset on the receiving side",
            );
        }
        tag
    }

    #[inline]
    fn status_of<T: Element>(&self, status: &ffi::MPI_Status) -> Status {
        Status {
            source: status.MPI_SOURCE as usize,
            tag: status.MPI_TAG,
            raw: *status,
            element_size: size_of::<T>(),
        }
    }

    fn exact_count<T: Element>(&self, status: &Status, expected: usize) {
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
    let count = call.count_arg("the send buffer", buf.element_count());
    buf.with_elements(|data| {
        call.announce(B::Elem::NAME, data.len(), rank, tag);
        // SAFETY: `data` holds `count` initialised elements of the datatype for `B::Elem`, and
        // the communicator is valid for the lifetime of `comm`.
        let code = unsafe {
            ffi::MPI_Send(
                data.as_ptr().cast(),
                count,
                B::Elem::datatype(),
                rank,
                tag,
                comm.raw(),
            )
        };
        call.check(code, "MPI_Send");
    });
    call.done(B::Elem::NAME, count as usize, Peer::Dest(rank));
    token.advance()
}

fn recv_impl<B>(call: &Call<'_>, template: &B, source: Source) -> (B::Owned, Status)
where
    B: Buffer + ?Sized,
{
    let len = template.element_count();
    let count = call.count_arg("the receive template", len);
    let (rank, tag) = call.source_arg(source);
    let (rank, tag) = call.expect(B::Elem::NAME, len, true, rank, tag);
    let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
    let mut received = None;
    // SAFETY: `filled_by` hands a buffer with capacity for `len` elements; MPI writes at most
    // `count == len` of them and `exact_count` rejects fewer before `fill` returns.
    let data = unsafe {
        filled_by::<B::Elem>(len, |ptr| {
            let code = ffi::MPI_Recv(
                ptr.cast(),
                count,
                B::Elem::datatype(),
                rank,
                tag,
                call.comm.raw(),
                status.as_mut_ptr(),
            );
            call.check_receive(
                code,
                "MPI_Recv",
                "the receive template",
                len,
                B::Elem::NAME,
                rank,
            );
            let got = call.status_of::<B::Elem>(status.assume_init_ref());
            call.exact_count::<B::Elem>(&got, len);
            received = Some(got);
        })
    };
    let status = received.expect("spmd internal error: receive finished without a status");
    call.done(B::Elem::NAME, len, Peer::Source(rank));
    (template.owned_from(data), status)
}

/// Receives a message shaped like `template` (`MPI_Recv`) from `source`: a rank (`usize`, any
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
    let call = Call::new("recv", comm, &token);
    let (data, _) = recv_impl(&call, template, source.into_source());
    (data, token.advance())
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
    let call = Call::new("recv_with_status", comm, &token);
    let (data, status) = recv_impl(&call, template, source.into_source());
    (data, status, token.advance())
}

/// Receives into `buf` (`MPI_Recv`), for hot loops: no allocation when `buf` is contiguous.
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
    let (rank, tag) = call.source_arg(source.into_source());
    let status = buf.with_elements_out(
        |data| {
            let count = call.count_arg("the receive buffer", data.len());
            let (rank, tag) = call.expect(B::Elem::NAME, data.len(), false, rank, tag);
            let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
            // SAFETY: `data` is valid for writes of `count` elements of the datatype.
            let code = unsafe {
                ffi::MPI_Recv(
                    data.as_mut_ptr().cast(),
                    count,
                    B::Elem::datatype(),
                    rank,
                    tag,
                    comm.raw(),
                    status.as_mut_ptr(),
                )
            };
            call.check_receive(
                code,
                "MPI_Recv",
                "the receive buffer",
                data.len(),
                B::Elem::NAME,
                rank,
            );
            // SAFETY: the receive succeeded, so MPI filled the status.
            call.status_of::<B::Elem>(unsafe { status.assume_init_ref() })
        },
        Status::count,
    );
    call.done_lazy(B::Elem::NAME, || status.count(), Peer::Source(rank));
    (status, token.advance())
}

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
    let (source_rank, recv_tag) = call.source_arg(source);
    // Checked before staging, which may copy a non-contiguous array.
    let send_count = call.count_arg("the send buffer", sendbuf.element_count());
    let outgoing = sendbuf.elements();
    let len = template.element_count();
    let recv_count = call.count_arg("the receive template", len);
    let (source_rank, recv_tag) = call.exchange(
        (S::Elem::NAME, outgoing.len(), dest_rank, send_tag),
        B::Elem::NAME,
        len,
        true,
        source_rank,
        recv_tag,
    );
    let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
    let mut received = None;
    // SAFETY: `outgoing` holds `send_count` elements; `filled_by` provides room for `len ==
    // recv_count` elements and `exact_count` rejects a shorter message before `fill` returns.
    let data = unsafe {
        filled_by::<B::Elem>(len, |ptr| {
            let code = ffi::MPI_Sendrecv(
                outgoing.as_ptr().cast(),
                send_count,
                S::Elem::datatype(),
                dest_rank,
                send_tag,
                ptr.cast(),
                recv_count,
                B::Elem::datatype(),
                source_rank,
                recv_tag,
                call.comm.raw(),
                status.as_mut_ptr(),
            );
            call.check_receive(
                code,
                "MPI_Sendrecv",
                "the receive template",
                len,
                B::Elem::NAME,
                source_rank,
            );
            let got = call.status_of::<B::Elem>(status.assume_init_ref());
            call.exact_count::<B::Elem>(&got, len);
            received = Some(got);
        })
    };
    let status = received.expect("spmd internal error: sendrecv finished without a status");
    call.done(
        B::Elem::NAME,
        len,
        Peer::Exchange {
            dest: dest_rank,
            source: source_rank,
        },
    );
    (template.owned_from(data), status)
}

/// Sends `sendbuf` to `dest` and receives a message shaped like `template` from `source`, in
/// one deadlock-free step (`MPI_Sendrecv`). The argument order follows mpi4jax:
/// send buffer, receive template, source, destination.
#[track_caller]
pub fn sendrecv<S, B>(
    sendbuf: &S,
    template: &B,
    source: impl IntoSource,
    dest: impl IntoDest,
    comm: &Comm,
    token: Token,
) -> (B::Owned, Token)
where
    S: Buffer + ?Sized,
    B: Buffer + ?Sized,
{
    let call = Call::new("sendrecv", comm, &token);
    let (data, _) = sendrecv_impl(
        &call,
        sendbuf,
        template,
        source.into_source(),
        dest.into_dest(),
    );
    (data, token.advance())
}

/// [`sendrecv`], also returning the [`Status`] of the received message.
#[track_caller]
pub fn sendrecv_with_status<S, B>(
    sendbuf: &S,
    template: &B,
    source: impl IntoSource,
    dest: impl IntoDest,
    comm: &Comm,
    token: Token,
) -> (B::Owned, Status, Token)
where
    S: Buffer + ?Sized,
    B: Buffer + ?Sized,
{
    let call = Call::new("sendrecv_with_status", comm, &token);
    let (data, status) = sendrecv_impl(
        &call,
        sendbuf,
        template,
        source.into_source(),
        dest.into_dest(),
    );
    (data, status, token.advance())
}

/// [`sendrecv`] into an existing buffer (`MPI_Sendrecv`), for hot loops such as halo
/// exchanges: no allocation when both buffers are contiguous. The message may be shorter than
/// `recvbuf`; the [`Status`] says how many elements came.
#[track_caller]
pub fn sendrecv_into<S, B>(
    sendbuf: &S,
    recvbuf: &mut B,
    source: impl IntoSource,
    dest: impl IntoDest,
    comm: &Comm,
    token: Token,
) -> (Status, Token)
where
    S: Buffer + ?Sized,
    B: BufferMut + ?Sized,
{
    let call = Call::new("sendrecv_into", comm, &token);
    let (dest_rank, send_tag) = call.dest_arg(dest.into_dest());
    let (source_rank, recv_tag) = call.source_arg(source.into_source());
    // Checked before staging, which may copy a non-contiguous array.
    let send_count = call.count_arg("the send buffer", sendbuf.element_count());
    let status = sendbuf.with_elements(|outgoing| {
        recvbuf.with_elements_out(
            |data| {
                let recv_count = call.count_arg("the receive buffer", data.len());
                let (source_rank, recv_tag) = call.exchange(
                    (S::Elem::NAME, outgoing.len(), dest_rank, send_tag),
                    B::Elem::NAME,
                    data.len(),
                    false,
                    source_rank,
                    recv_tag,
                );
                let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
                // SAFETY: `outgoing` holds `send_count` elements, `data` has room for `recv_count`.
                let code = unsafe {
                    ffi::MPI_Sendrecv(
                        outgoing.as_ptr().cast(),
                        send_count,
                        S::Elem::datatype(),
                        dest_rank,
                        send_tag,
                        data.as_mut_ptr().cast(),
                        recv_count,
                        B::Elem::datatype(),
                        source_rank,
                        recv_tag,
                        comm.raw(),
                        status.as_mut_ptr(),
                    )
                };
                call.check_receive(
                    code,
                    "MPI_Sendrecv",
                    "the receive buffer",
                    data.len(),
                    B::Elem::NAME,
                    source_rank,
                );
                // SAFETY: the call succeeded, so MPI filled the status.
                call.status_of::<B::Elem>(unsafe { status.assume_init_ref() })
            },
            Status::count,
        )
    });
    call.done_lazy(
        B::Elem::NAME,
        || status.count(),
        Peer::Exchange {
            dest: dest_rank,
            source: source_rank,
        },
    );
    (status, token.advance())
}
