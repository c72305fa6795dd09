//! Data-movement collectives: `bcast`, `gather`, `allgather`, `scatter`, `alltoall`, `barrier`,
//! and their in-place / `_into` variants.

use crate::buffer::{Buffer, BufferMut, Splittable, Stackable, every_element, zeroed};
use crate::call::Call;
use crate::check::Collective;
use crate::comm::Comm;
use crate::element::Element;
use crate::guard::{Mine, Take};
use crate::ident::{Payload, Peer};
use crate::sys::{self, fused::Carry};
use crate::token::Token;

impl Call<'_> {
    /// The block length of `buf` split into one block per rank, or a clear error.
    pub(crate) fn split<B: Splittable + ?Sized>(&self, buf: &B) -> usize {
        let size = self.comm.size();
        match buf.block_len(size) {
            Ok(len) => len,
            Err(problem) => self.fail(
                problem,
                format!(
                    "`{}` sends one block per rank: give it an array whose first axis equals \
                     `comm.size()` ({size}), or a slice whose length is a multiple of it",
                    self.op()
                ),
            ),
        }
    }
}

impl Call<'_> {
    /// The block length of `len` elements split into one block per rank, or a clear error.
    pub(crate) fn split_count(&self, len: usize) -> usize {
        let size = self.comm.size();
        match crate::buffer::flat_block_len(len, size) {
            Ok(block) => block,
            Err(problem) => self.fail(
                problem,
                format!(
                    "`{}` sends one block per rank: give it a send buffer whose length is a \
                     multiple of `comm.size()` ({size})",
                    self.op()
                ),
            ),
        }
    }
}

/// Waits until every rank of `comm` has reached the barrier.
///
/// The agreement that precedes every collective (an `MPI_Allreduce` on the communicator's
/// private duplicate, see the reference's "What another rank cannot do") is the barrier: no
/// rank leaves it before every rank has entered it, so no `MPI_Barrier` follows it (except on
/// a communicator made by [`Comm::without_agreement`], where it is `MPI_Barrier`).
#[track_caller]
pub fn barrier(comm: &Comm, token: Token) -> Token {
    let call = Call::new("barrier", comm, &token);
    let what = Collective::plain("-", 0);
    if let Some(fast) = call.skips(&what, true) {
        call.mpi(sys::barrier(fast));
    } else if !call.agree(what) {
        call.mpi(sys::barrier(comm.raw()));
    }
    call.finish(token, Payload::NONE, Peer::None)
}

/// The communicator of the ranks of `comm` that pass the same `color` (`MPI_Comm_split`):
/// every rank of `comm` calls it, each gets the communicator of its colour, and the ranks in
/// it are numbered from 0 in the order of their ranks in `comm`.
///
/// It is a collective on `comm` like any other: it takes the token, agrees with the other
/// ranks first (a rank that calls another collective instead gets `spmd`'s error, not a hang in
/// MPI), and appears in `SPMD_DEBUG` logs and the watchdog's reports. The new communicator has
/// `comm`'s settings: check mode, agreement and guarded receives. Inside `#[spmd_jit]`, the
/// compile-time check follows it: with colours computed from the rank and size, it knows every
/// rank's communicator and checks the ops on it (see the book's "Sub-communicators").
///
/// # Panics
/// When `color` is above `i32::MAX` (MPI's colours are non-negative `int`s).
#[track_caller]
pub fn split(color: usize, comm: &Comm, token: Token) -> (Comm, Token) {
    let call = Call::new("split", comm, &token);
    let Ok(mpi_color) = i32::try_from(color) else {
        call.fail(
            format!("the colour {color} is above `i32::MAX`, the largest colour MPI takes"),
            "pass a colour between 0 and `i32::MAX` (ranks with equal colours share a \
             communicator; any numbering of the groups will do)",
        )
    };
    call.agree(Collective::plain("-", 0));
    let sub = comm.split_off(mpi_color);
    (sub, call.finish(token, Payload::NONE, Peer::None))
}

/// Sends `buf` from `root` to every rank (`MPI_Bcast`); every rank returns the root's data.
///
/// Off the root, `buf` is a template: only its shape and element type are used.
#[track_caller]
pub fn bcast<B>(buf: &B, root: usize, comm: &Comm, token: Token) -> (B::Owned, Token)
where
    B: Buffer + ?Sized,
{
    let call = Call::new("bcast", comm, &token);
    let root = call.rank_arg("root", root);
    let len = buf.element_count();
    call.count_arg("the buffer", len);
    let at_root = comm.rank() == root as usize;
    let mut data = if at_root {
        buf.elements().to_vec()
    } else {
        // Initialised: a root that sends fewer elements leaves zeros, never stale memory.
        zeroed(len)
    };
    let what = Collective::rooted(B::Elem::NAME, len, root);
    // The root's data is never written, as MPI leaves it: it takes nothing back.
    let (mine, take) = if at_root {
        (Mine::Given(&data[..]), Take::Nothing)
    } else {
        (Mine::Nothing, Take::Whole(&mut data[..]))
    };
    if !call.agree_carrying(what, Carry::Place, len, mine, take) {
        call.mpi(sys::bcast(comm.raw(), &mut data, root));
    }
    let token = call.finish(token, Payload::of::<B::Elem>(len), Peer::Root(root));
    (buf.owned_from(data), token)
}

/// [`bcast`] in place (`MPI_Bcast`): the root's `buf` is sent, every other rank's `buf` is
/// overwritten with it.
#[track_caller]
pub fn bcast_in_place<B>(buf: &mut B, root: usize, comm: &Comm, token: Token) -> Token
where
    B: BufferMut + ?Sized,
{
    let call = Call::new("bcast_in_place", comm, &token);
    let root = call.rank_arg("root", root);
    let len = buf.with_elements_mut(|data| {
        call.count_arg("the buffer", data.len());
        let (what, len) = (
            Collective::rooted(B::Elem::NAME, data.len(), root),
            data.len(),
        );
        // The root's data is never written, as MPI leaves it: it takes nothing back.
        let done = if comm.rank() == root as usize {
            call.agree_carrying(what, Carry::Place, len, Mine::Given(&*data), Take::Nothing)
        } else {
            call.agree_carrying(
                what,
                Carry::Place,
                len,
                Mine::Nothing,
                Take::Whole(&mut *data),
            )
        };
        if !done {
            call.mpi(sys::bcast(comm.raw(), data, root));
        }
        data.len()
    });
    call.finish(token, Payload::of::<B::Elem>(len), Peer::Root(root))
}

/// Collects `buf` from every rank at `root`, stacked along a new first axis in rank order
/// (`MPI_Gather`).
///
/// Returns `Some(stacked)` at the root and `None` elsewhere, as [`reduce`](crate::reduce)
/// does. (mpi4jax returns the input unchanged off the root; a Rust value cannot be of two
/// shapes, so `None` says "not here".)
#[track_caller]
pub fn gather<B>(buf: &B, root: usize, comm: &Comm, token: Token) -> (Option<B::Stacked>, Token)
where
    B: Stackable + ?Sized,
{
    let call = Call::new("gather", comm, &token);
    let root = call.rank_arg("root", root);
    let len = buf.element_count();
    // Checked before staging, which may copy a non-contiguous array.
    call.count_arg("the buffer", len);
    let size = comm.size();
    let what = Collective::rooted(B::Elem::NAME, len, root);
    let at = comm.rank() * len;
    let result = buf.with_elements(|input| {
        let mut data = (comm.rank() == root as usize).then(|| {
            call.count_arg("the gathered result", len * size);
            zeroed(len * size)
        });
        let (mine, take) = (Mine::At(input, at), data.as_deref_mut().into());
        if !call.agree_carrying(what, Carry::Place, len * size, mine, take) {
            call.mpi(sys::gather(comm.raw(), input, data.as_deref_mut(), root));
        }
        data
    });
    let token = call.finish(token, Payload::of::<B::Elem>(len), Peer::Root(root));
    (result.map(|data| buf.stacked_from(size, data)), token)
}

/// [`gather`] into an existing buffer (`MPI_Gather`): at the root, `recvbuf` must hold
/// `comm.size()` times as many elements as `sendbuf`; off the root it is not touched.
#[track_caller]
pub fn gather_into<S, R>(
    sendbuf: &S,
    recvbuf: &mut R,
    root: usize,
    comm: &Comm,
    token: Token,
) -> Token
where
    S: Buffer + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
{
    let call = Call::new("gather_into", comm, &token);
    let root = call.rank_arg("root", root);
    let len = sendbuf.element_count();
    // Checked before staging, which may copy a non-contiguous array.
    call.count_arg("the send buffer", len);
    let what = Collective::rooted(S::Elem::NAME, len, root);
    let (at, total) = (comm.rank() * len, len * comm.size());
    if comm.rank() == root as usize {
        call.expect_len(
            "the receive buffer",
            recvbuf.element_count(),
            len * comm.size(),
            "at the root, give `gather_into` a receive buffer of `comm.size()` times the send \
             buffer's length",
        );
        sendbuf.with_elements(|input| {
            recvbuf.with_elements_out(
                |out| {
                    let (mine, take) = (Mine::At(input, at), Take::Whole(&mut *out));
                    if !call.agree_carrying(what, Carry::Place, total, mine, take) {
                        call.mpi(sys::gather(comm.raw(), input, Some(out), root));
                    }
                },
                every_element,
            )
        });
    } else {
        sendbuf.with_elements(|input| {
            let (mine, take) = (Mine::At(input, at), Take::Nothing);
            if !call.agree_carrying(what, Carry::Place, total, mine, take) {
                call.mpi(sys::gather(comm.raw(), input, None, root));
            }
        });
    }
    call.finish(token, Payload::of::<S::Elem>(len), Peer::Root(root))
}

/// Collects `buf` from every rank at every rank, stacked along a new first axis in rank order
/// (`MPI_Allgather`).
#[track_caller]
pub fn allgather<B>(buf: &B, comm: &Comm, token: Token) -> (B::Stacked, Token)
where
    B: Stackable + ?Sized,
{
    let call = Call::new("allgather", comm, &token);
    let len = buf.element_count();
    // Checked before staging, which may copy a non-contiguous array.
    call.count_arg("the buffer", len);
    let size = comm.size();
    call.count_arg("the gathered result", len * size);
    let mut data = zeroed(len * size);
    let what = Collective::plain(B::Elem::NAME, len);
    let at = comm.rank() * len;
    buf.with_elements(|input| {
        if let Some(fast) = call.skips(&what, B::LEN_BY_TYPE) {
            call.mpi(sys::allgather(fast, input, &mut data));
            return;
        }
        let (mine, take) = (Mine::At(input, at), Take::Whole(&mut data[..]));
        if !call.agree_carrying(what, Carry::Place, len * size, mine, take) {
            call.mpi(sys::allgather(comm.raw(), input, &mut data));
        }
    });
    let token = call.finish(token, Payload::of::<B::Elem>(len), Peer::None);
    (buf.stacked_from(size, data), token)
}

/// [`allgather`] into an existing buffer of `comm.size()` times the send buffer's length
/// (`MPI_Allgather`).
#[track_caller]
pub fn allgather_into<S, R>(sendbuf: &S, recvbuf: &mut R, comm: &Comm, token: Token) -> Token
where
    S: Buffer + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
{
    let call = Call::new("allgather_into", comm, &token);
    let len = sendbuf.element_count();
    // Checked before staging, which may copy a non-contiguous array.
    call.count_arg("the send buffer", len);
    call.expect_len(
        "the receive buffer",
        recvbuf.element_count(),
        len * comm.size(),
        "give `allgather_into` a receive buffer of `comm.size()` times the send buffer's length",
    );
    let what = Collective::plain(S::Elem::NAME, len);
    let (at, total) = (comm.rank() * len, len * comm.size());
    sendbuf.with_elements(|input| {
        recvbuf.with_elements_out(
            |out| {
                if let Some(fast) = call.skips(&what, S::LEN_BY_TYPE) {
                    call.mpi(sys::allgather(fast, input, out));
                    return;
                }
                let (mine, take) = (Mine::At(input, at), Take::Whole(&mut *out));
                if !call.agree_carrying(what, Carry::Place, total, mine, take) {
                    call.mpi(sys::allgather(comm.raw(), input, out));
                }
            },
            every_element,
        )
    });
    call.finish(token, Payload::of::<S::Elem>(len), Peer::None)
}

/// Splits `buf` at `root` into one block per rank along its first axis and gives rank `p`
/// block `p` (`MPI_Scatter`).
///
/// Every rank passes a buffer of the same shape, whose first axis equals `comm.size()` (for
/// slices: whose length is a multiple of it); off the root only the shape is used. Returns one
/// block: for arrays, the sub-array without the first axis.
#[track_caller]
pub fn scatter<B>(buf: &B, root: usize, comm: &Comm, token: Token) -> (B::Block, Token)
where
    B: Splittable + ?Sized,
{
    let call = Call::new("scatter", comm, &token);
    let root = call.rank_arg("root", root);
    let block = call.split(buf);
    call.count_arg("one block", block);
    let what = Collective::rooted(B::Elem::NAME, block, root);
    let (from, total) = (comm.rank() * block, block * comm.size());
    let mut data = zeroed(block);
    if comm.rank() == root as usize {
        buf.with_elements(|input| {
            let (mine, take) = (Mine::Given(input), Take::From(&mut data[..], from));
            if !call.agree_carrying(what, Carry::Place, total, mine, take) {
                call.mpi(sys::scatter(comm.raw(), Some(input), &mut data, root));
            }
        });
    } else {
        let (mine, take) = (Mine::Nothing, Take::From(&mut data[..], from));
        if !call.agree_carrying(what, Carry::Place, total, mine, take) {
            call.mpi(sys::scatter(comm.raw(), None, &mut data, root));
        }
    }
    let token = call.finish(token, Payload::of::<B::Elem>(block), Peer::Root(root));
    (buf.block_from(comm.size(), data), token)
}

/// [`scatter`] into an existing buffer (`MPI_Scatter`): `recvbuf` receives one block; at the
/// root `sendbuf` must hold `comm.size()` times as many elements as `recvbuf`.
#[track_caller]
pub fn scatter_into<S, R>(
    sendbuf: &S,
    recvbuf: &mut R,
    root: usize,
    comm: &Comm,
    token: Token,
) -> Token
where
    S: Buffer + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
{
    let call = Call::new("scatter_into", comm, &token);
    let root = call.rank_arg("root", root);
    let block = recvbuf.element_count();
    call.count_arg("the receive buffer", block);
    let what = Collective::rooted(S::Elem::NAME, block, root);
    let (from, total) = (comm.rank() * block, block * comm.size());
    if comm.rank() == root as usize {
        call.expect_len(
            "the send buffer",
            sendbuf.element_count(),
            block * comm.size(),
            "at the root, give `scatter_into` a send buffer of `comm.size()` times the receive \
             buffer's length",
        );
        sendbuf.with_elements(|input| {
            recvbuf.with_elements_out(
                |out| {
                    let (mine, take) = (Mine::Given(input), Take::From(&mut *out, from));
                    if !call.agree_carrying(what, Carry::Place, total, mine, take) {
                        call.mpi(sys::scatter(comm.raw(), Some(input), out, root));
                    }
                },
                every_element,
            )
        });
    } else {
        recvbuf.with_elements_out(
            |out| {
                let (mine, take) = (Mine::Nothing, Take::From(&mut *out, from));
                if !call.agree_carrying(what, Carry::Place, total, mine, take) {
                    call.mpi(sys::scatter(comm.raw(), None, out, root));
                }
            },
            every_element,
        );
    }
    call.finish(token, Payload::of::<S::Elem>(block), Peer::Root(root))
}

/// Every rank sends block `p` of `buf` to rank `p` and receives rank `p`'s block into block `p`
/// of the result (`MPI_Alltoall`). `buf`'s first axis must equal `comm.size()` (for slices: its
/// length must be a multiple of it); the result has `buf`'s shape.
#[track_caller]
pub fn alltoall<B>(buf: &B, comm: &Comm, token: Token) -> (B::Owned, Token)
where
    B: Splittable + ?Sized,
{
    let call = Call::new("alltoall", comm, &token);
    let block = call.split(buf);
    call.count_arg("one block", block);
    let what = Collective::plain(B::Elem::NAME, block);
    let len = buf.element_count();
    let mut data = zeroed(len);
    let (rank, size) = (comm.rank(), comm.size());
    buf.with_elements(|input| {
        if let Some(fast) = call.skips(&what, B::LEN_BY_TYPE) {
            call.mpi(sys::alltoall(fast, input, &mut data));
            return;
        }
        let mine = Mine::At(input, rank * len);
        let take = Take::Column {
            out: &mut data[..],
            block,
            index: rank,
            count: size,
        };
        if !call.agree_carrying(what, Carry::Place, len * size, mine, take) {
            call.mpi(sys::alltoall(comm.raw(), input, &mut data));
        }
    });
    let token = call.finish(token, Payload::of::<B::Elem>(len), Peer::None);
    (buf.owned_from(data), token)
}

/// [`alltoall`] into an existing buffer with as many elements as `sendbuf` (`MPI_Alltoall`).
#[track_caller]
pub fn alltoall_into<S, R>(sendbuf: &S, recvbuf: &mut R, comm: &Comm, token: Token) -> Token
where
    S: Splittable + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
{
    let call = Call::new("alltoall_into", comm, &token);
    let block = call.split(sendbuf);
    call.count_arg("one block", block);
    let what = Collective::plain(S::Elem::NAME, block);
    let len = sendbuf.element_count();
    call.expect_len(
        "the receive buffer",
        recvbuf.element_count(),
        len,
        "give `alltoall_into` a receive buffer as long as the send buffer",
    );
    let (rank, size) = (comm.rank(), comm.size());
    sendbuf.with_elements(|input| {
        recvbuf.with_elements_out(
            |out| {
                if let Some(fast) = call.skips(&what, S::LEN_BY_TYPE) {
                    call.mpi(sys::alltoall(fast, input, out));
                    return;
                }
                let mine = Mine::At(input, rank * len);
                let take = Take::Column {
                    out: &mut *out,
                    block,
                    index: rank,
                    count: size,
                };
                if !call.agree_carrying(what, Carry::Place, len * size, mine, take) {
                    call.mpi(sys::alltoall(comm.raw(), input, out));
                }
            },
            every_element,
        )
    });
    call.finish(token, Payload::of::<S::Elem>(len), Peer::None)
}
