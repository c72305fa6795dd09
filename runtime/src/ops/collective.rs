//! Data-movement collectives: `bcast`, `gather`, `allgather`, `scatter`, `alltoall`, `barrier`,
//! and their in-place / `_into` variants.

use std::ffi::c_int;
use std::ptr;

use mpi::ffi;

use crate::buffer::{Buffer, BufferMut, Splittable, Stackable, every_element, filled_by};
use crate::call::{Call, Peer};
use crate::check::Collective;
use crate::comm::Comm;
use crate::element::Element;
use crate::token::Token;

impl Call<'_> {
    /// The block length of `buf` split into one block per rank, or a clear error.
    fn split<B: Splittable + ?Sized>(&self, buf: &B) -> usize {
        let size = self.comm.size();
        match buf.block_len(size) {
            Ok(len) => len,
            Err(problem) => self.fail(
                problem,
                format!(
                    "`{}` sends one block per rank: give it an array whose first axis equals \
                     `comm.size()` ({size}), or a slice whose length is a multiple of it",
                    self.op
                ),
            ),
        }
    }

    fn expect_len(&self, what: &str, actual: usize, expected: usize, help: &str) {
        if actual != expected {
            self.fail(
                format!("{what} has {actual} elements, but {expected} are needed"),
                help.to_string(),
            );
        }
    }
}

/// Waits until every rank of `comm` has reached the barrier (`MPI_Barrier`).
#[track_caller]
pub fn barrier(comm: &Comm, token: Token) -> Token {
    let call = Call::new("barrier", comm, &token);
    call.agree(Collective::plain("-", 0));
    // SAFETY: the communicator is valid.
    let code = unsafe { ffi::MPI_Barrier(comm.raw()) };
    call.check(code, "MPI_Barrier");
    call.done("-", 0, Peer::None);
    token.advance()
}

/// `MPI_Bcast` of `count` elements at `data` on the call's communicator, with its error check.
///
/// # Safety
/// `data` must be valid for reads (at the root) and writes (elsewhere) of `count` elements of
/// `T`.
unsafe fn broadcast<T: Element>(call: &Call<'_>, data: *mut T, count: c_int, root: c_int) {
    // SAFETY: forwarded to the caller; the communicator is valid for the call's lifetime.
    let code = unsafe { ffi::MPI_Bcast(data.cast(), count, T::datatype(), root, call.comm.raw()) };
    call.check(code, "MPI_Bcast");
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
    let count = call.count_arg("the buffer", len);
    call.agree(Collective::rooted(B::Elem::NAME, count as usize, root));
    let data = if comm.rank() == root as usize {
        let mut data = buf.elements().to_vec();
        // SAFETY: `data` holds `count` elements, read by MPI at the root.
        unsafe { broadcast::<B::Elem>(&call, data.as_mut_ptr(), count, root) };
        data
    } else {
        // SAFETY: room for `count` elements, all written by a successful broadcast.
        unsafe { filled_by::<B::Elem>(len, |out| broadcast::<B::Elem>(&call, out, count, root)) }
    };
    call.done(B::Elem::NAME, len, Peer::Root(root));
    (buf.owned_from(data), token.advance())
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
        let count = call.count_arg("the buffer", data.len());
        call.agree(Collective::rooted(B::Elem::NAME, count as usize, root));
        // SAFETY: `data` is valid for reads and writes of `count` elements.
        unsafe { broadcast::<B::Elem>(&call, data.as_mut_ptr(), count, root) };
        data.len()
    });
    call.done(B::Elem::NAME, len, Peer::Root(root));
    token.advance()
}

/// Collects `buf` from every rank at `root`, stacked along a new first axis in rank order
/// (`MPI_Gather`).
///
/// Returns `Some(stacked)` at the root and `None` elsewhere. (mpi4jax returns the input
/// unchanged off the root; a Rust value cannot be of two shapes, so `None` says "not here".)
#[track_caller]
pub fn gather<B>(buf: &B, root: usize, comm: &Comm, token: Token) -> (Option<B::Stacked>, Token)
where
    B: Stackable + ?Sized,
{
    let call = Call::new("gather", comm, &token);
    let root = call.rank_arg("root", root);
    // Checked before staging, which may copy a non-contiguous array.
    let count = call.count_arg("the buffer", buf.element_count());
    let input = buf.elements();
    call.agree(Collective::rooted(B::Elem::NAME, count as usize, root));
    let size = comm.size();
    let result = if comm.rank() == root as usize {
        let total = input.len() * size;
        call.count_arg("the gathered result", total);
        // SAFETY: `input` holds `count` elements; the root's buffer has room for `size * count`
        // elements, all written by a successful gather.
        let data = unsafe {
            filled_by::<B::Elem>(total, |out| {
                let code = ffi::MPI_Gather(
                    input.as_ptr().cast(),
                    count,
                    B::Elem::datatype(),
                    out.cast(),
                    count,
                    B::Elem::datatype(),
                    root,
                    comm.raw(),
                );
                call.check(code, "MPI_Gather");
            })
        };
        Some(buf.stacked_from(size, data))
    } else {
        // SAFETY: `input` holds `count` elements; the receive arguments are ignored off root.
        let code = unsafe {
            ffi::MPI_Gather(
                input.as_ptr().cast(),
                count,
                B::Elem::datatype(),
                ptr::null_mut(),
                0,
                B::Elem::datatype(),
                root,
                comm.raw(),
            )
        };
        call.check(code, "MPI_Gather");
        None
    };
    call.done(B::Elem::NAME, input.len(), Peer::Root(root));
    (result, token.advance())
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
    // Checked before staging, which may copy a non-contiguous array.
    let count = call.count_arg("the send buffer", sendbuf.element_count());
    let input = sendbuf.elements();
    call.agree(Collective::rooted(S::Elem::NAME, count as usize, root));
    if comm.rank() == root as usize {
        call.expect_len(
            "the receive buffer",
            recvbuf.element_count(),
            input.len() * comm.size(),
            "at the root, give `gather_into` a receive buffer of `comm.size()` times the send buffer's length",
        );
        recvbuf.with_elements_out(
            |out| {
                // SAFETY: `input` holds `count` elements and `out` has room for `size * count`.
                let code = unsafe {
                    ffi::MPI_Gather(
                        input.as_ptr().cast(),
                        count,
                        S::Elem::datatype(),
                        out.as_mut_ptr().cast(),
                        count,
                        S::Elem::datatype(),
                        root,
                        comm.raw(),
                    )
                };
                call.check(code, "MPI_Gather");
            },
            every_element,
        );
    } else {
        // SAFETY: `input` holds `count` elements; the receive arguments are ignored off root.
        let code = unsafe {
            ffi::MPI_Gather(
                input.as_ptr().cast(),
                count,
                S::Elem::datatype(),
                ptr::null_mut(),
                0,
                S::Elem::datatype(),
                root,
                comm.raw(),
            )
        };
        call.check(code, "MPI_Gather");
    }
    call.done(S::Elem::NAME, input.len(), Peer::Root(root));
    token.advance()
}

/// Collects `buf` from every rank at every rank, stacked along a new first axis in rank order
/// (`MPI_Allgather`).
#[track_caller]
pub fn allgather<B>(buf: &B, comm: &Comm, token: Token) -> (B::Stacked, Token)
where
    B: Stackable + ?Sized,
{
    let call = Call::new("allgather", comm, &token);
    // Checked before staging, which may copy a non-contiguous array.
    let count = call.count_arg("the buffer", buf.element_count());
    let input = buf.elements();
    call.agree(Collective::plain(B::Elem::NAME, count as usize));
    let size = comm.size();
    let total = input.len() * size;
    call.count_arg("the gathered result", total);
    // SAFETY: `input` holds `count` elements; the result has room for `size * count`, all
    // written by a successful allgather.
    let data = unsafe {
        filled_by::<B::Elem>(total, |out| {
            let code = ffi::MPI_Allgather(
                input.as_ptr().cast(),
                count,
                B::Elem::datatype(),
                out.cast(),
                count,
                B::Elem::datatype(),
                comm.raw(),
            );
            call.check(code, "MPI_Allgather");
        })
    };
    call.done(B::Elem::NAME, input.len(), Peer::None);
    (buf.stacked_from(size, data), token.advance())
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
    // Checked before staging, which may copy a non-contiguous array.
    let count = call.count_arg("the send buffer", sendbuf.element_count());
    call.agree(Collective::plain(S::Elem::NAME, count as usize));
    call.expect_len(
        "the receive buffer",
        recvbuf.element_count(),
        sendbuf.element_count() * comm.size(),
        "give `allgather_into` a receive buffer of `comm.size()` times the send buffer's length",
    );
    exchange_into(
        &call,
        sendbuf,
        recvbuf,
        count,
        ffi::MPI_Allgather,
        "MPI_Allgather",
    );
    call.done(S::Elem::NAME, sendbuf.element_count(), Peer::None);
    token.advance()
}

/// The MPI collectives that take (send buffer, count, type, receive buffer, count, type,
/// communicator): `MPI_Allgather`, `MPI_Alltoall`.
type Exchange = unsafe extern "C" fn(
    *const std::ffi::c_void,
    c_int,
    ffi::MPI_Datatype,
    *mut std::ffi::c_void,
    c_int,
    ffi::MPI_Datatype,
    ffi::MPI_Comm,
) -> c_int;

/// Runs `mpi` from `sendbuf` (`count` elements per rank's block) into the whole of `recvbuf`,
/// whose length the caller has checked (`comm.size()` blocks of `count`).
fn exchange_into<S, R>(
    call: &Call<'_>,
    sendbuf: &S,
    recvbuf: &mut R,
    count: c_int,
    mpi: Exchange,
    name: &'static str,
) where
    S: Buffer + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
{
    sendbuf.with_elements(|input| {
        recvbuf.with_elements_out(
            |out| {
                // SAFETY: `input` holds the send side's elements (`count` for allgather,
                // `size * count` for alltoall) and `out` has room for `size * count`, as the
                // caller checked; the communicator is valid while `call` lives.
                let code = unsafe {
                    mpi(
                        input.as_ptr().cast(),
                        count,
                        S::Elem::datatype(),
                        out.as_mut_ptr().cast(),
                        count,
                        S::Elem::datatype(),
                        call.comm.raw(),
                    )
                };
                call.check(code, name);
            },
            every_element,
        )
    });
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
    let count = call.count_arg("one block", block);
    call.agree(Collective::rooted(B::Elem::NAME, count as usize, root));
    let at_root = comm.rank() == root as usize;
    let input = if at_root { Some(buf.elements()) } else { None };
    let send = input
        .as_ref()
        .map_or(ptr::null(), |data| data.as_ptr().cast());
    // SAFETY: at the root `send` holds `size * count` elements (checked by `split`); the
    // result has room for `count`, all written by a successful scatter.
    let data = unsafe {
        filled_by::<B::Elem>(block, |out| {
            let code = ffi::MPI_Scatter(
                send,
                count,
                B::Elem::datatype(),
                out.cast(),
                count,
                B::Elem::datatype(),
                root,
                comm.raw(),
            );
            call.check(code, "MPI_Scatter");
        })
    };
    call.done(B::Elem::NAME, block, Peer::Root(root));
    (buf.block_from(comm.size(), data), token.advance())
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
    let count = call.count_arg("the receive buffer", block);
    call.agree(Collective::rooted(S::Elem::NAME, count as usize, root));
    let at_root = comm.rank() == root as usize;
    let input = if at_root {
        call.expect_len(
            "the send buffer",
            sendbuf.element_count(),
            block * comm.size(),
            "at the root, give `scatter_into` a send buffer of `comm.size()` times the receive buffer's length",
        );
        Some(sendbuf.elements())
    } else {
        None
    };
    let send = input
        .as_ref()
        .map_or(ptr::null(), |data| data.as_ptr().cast());
    recvbuf.with_elements_out(
        |out| {
            // SAFETY: at the root `send` holds `size * count` elements (checked above); `out` has
            // room for `count`.
            let code = unsafe {
                ffi::MPI_Scatter(
                    send,
                    count,
                    S::Elem::datatype(),
                    out.as_mut_ptr().cast(),
                    count,
                    S::Elem::datatype(),
                    root,
                    comm.raw(),
                )
            };
            call.check(code, "MPI_Scatter");
        },
        every_element,
    );
    call.done(S::Elem::NAME, block, Peer::Root(root));
    token.advance()
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
    let count = call.count_arg("one block", block);
    call.agree(Collective::plain(B::Elem::NAME, count as usize));
    let input = buf.elements();
    // SAFETY: `input` holds `size * count` elements (checked by `split`) and the result has
    // room for as many, all written by a successful alltoall.
    let data = unsafe {
        filled_by::<B::Elem>(input.len(), |out| {
            let code = ffi::MPI_Alltoall(
                input.as_ptr().cast(),
                count,
                B::Elem::datatype(),
                out.cast(),
                count,
                B::Elem::datatype(),
                comm.raw(),
            );
            call.check(code, "MPI_Alltoall");
        })
    };
    call.done(B::Elem::NAME, input.len(), Peer::None);
    (buf.owned_from(data), token.advance())
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
    let count = call.count_arg("one block", block);
    call.agree(Collective::plain(S::Elem::NAME, count as usize));
    call.expect_len(
        "the receive buffer",
        recvbuf.element_count(),
        sendbuf.element_count(),
        "give `alltoall_into` a receive buffer as long as the send buffer",
    );
    exchange_into(
        &call,
        sendbuf,
        recvbuf,
        count,
        ffi::MPI_Alltoall,
        "MPI_Alltoall",
    );
    call.done(S::Elem::NAME, sendbuf.element_count(), Peer::None);
    token.advance()
}
