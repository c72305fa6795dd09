//! Reductions: `allreduce`, `reduce`, `scan`, `exscan`, and their in-place variants.

use std::ffi::c_int;
use std::ptr;

use mpi::ffi;

use crate::buffer::{Buffer, BufferMut, every_element, filled_by};
use crate::call::{Call, Peer};
use crate::check::Collective;
use crate::comm::Comm;
use crate::element::{Element, Reduces};
use crate::raw;
use crate::token::Token;

/// The MPI reduction functions, which share one signature.
#[derive(Clone, Copy)]
enum Kind {
    Allreduce,
    Scan,
    Exscan,
}

impl Kind {
    fn mpi_name(self) -> &'static str {
        match self {
            Kind::Allreduce => "MPI_Allreduce",
            Kind::Scan => "MPI_Scan",
            Kind::Exscan => "MPI_Exscan",
        }
    }

    /// # Safety
    /// `send` (or `MPI_IN_PLACE`) and `recv` must be valid for `count` elements of `datatype`.
    unsafe fn run(
        self,
        send: *const std::ffi::c_void,
        recv: *mut std::ffi::c_void,
        count: c_int,
        datatype: ffi::MPI_Datatype,
        op: ffi::MPI_Op,
        comm: ffi::MPI_Comm,
    ) -> c_int {
        // SAFETY: forwarded to the caller.
        unsafe {
            match self {
                Kind::Allreduce => ffi::MPI_Allreduce(send, recv, count, datatype, op, comm),
                Kind::Scan => ffi::MPI_Scan(send, recv, count, datatype, op, comm),
                Kind::Exscan => ffi::MPI_Exscan(send, recv, count, datatype, op, comm),
            }
        }
    }
}

fn reduce_all<B, O>(call: Call<'_>, kind: Kind, buf: &B) -> B::Owned
where
    B: Buffer + ?Sized,
    O: Reduces<B::Elem>,
{
    // Checked before staging, which may copy a non-contiguous array.
    let count = call.count_arg("the buffer", buf.element_count());
    let input = buf.elements();
    call.agree(Collective::reducing(B::Elem::NAME, count as usize, O::NAME));
    // SAFETY: `input` holds `count` elements; `filled_by` provides room for as many, which a
    // successful call writes in full (rank 0's undefined exscan result is overwritten below).
    let data = unsafe {
        filled_by::<B::Elem>(input.len(), |out| {
            let code = kind.run(
                input.as_ptr().cast(),
                out.cast(),
                count,
                B::Elem::datatype(),
                O::raw(),
                call.comm.raw(),
            );
            call.check(code, kind.mpi_name());
            if matches!(kind, Kind::Exscan) && call.comm.rank() == 0 {
                // MPI leaves rank 0's exscan result undefined; ours is the operator's identity.
                for i in 0..input.len() {
                    out.add(i).write(O::identity());
                }
            }
        })
    };
    call.done(B::Elem::NAME, input.len(), Peer::None);
    buf.owned_from(data)
}

fn reduce_all_in_place<B, O>(call: Call<'_>, kind: Kind, buf: &mut B)
where
    B: BufferMut + ?Sized,
    O: Reduces<B::Elem>,
{
    let count = buf.with_elements_mut(|data| {
        let count = call.count_arg("the buffer", data.len());
        call.agree(Collective::reducing(B::Elem::NAME, count as usize, O::NAME));
        // SAFETY: `data` is valid for reads and writes of `count` elements; MPI_IN_PLACE tells
        // MPI to take the input from the receive buffer.
        let code = unsafe {
            kind.run(
                raw::in_place(),
                data.as_mut_ptr().cast(),
                count,
                B::Elem::datatype(),
                O::raw(),
                call.comm.raw(),
            )
        };
        call.check(code, kind.mpi_name());
        if matches!(kind, Kind::Exscan) && call.comm.rank() == 0 {
            data.fill(O::identity());
        }
        data.len()
    });
    call.done(B::Elem::NAME, count, Peer::None);
}

/// Combines `buf` from every rank with `op` and gives every rank the result (`MPI_Allreduce`).
///
/// `op` is a type ([`Sum`](crate::Sum), [`Max`](crate::Max), ...): an operator that makes no
/// sense for the element type is a compile error.
#[track_caller]
pub fn allreduce<B, O>(buf: &B, op: O, comm: &Comm, token: Token) -> (B::Owned, Token)
where
    B: Buffer + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    let call = Call::new("allreduce", comm, &token);
    (
        reduce_all::<B, O>(call, Kind::Allreduce, buf),
        token.advance(),
    )
}

/// [`allreduce`] into an existing buffer (`MPI_Allreduce`), for hot loops: the result lands in
/// `recvbuf`, which must hold as many elements as `sendbuf`. No allocation when both buffers are
/// contiguous (non-contiguous arrays are staged in the call site's cache).
#[track_caller]
pub fn allreduce_into<S, R, O>(
    sendbuf: &S,
    recvbuf: &mut R,
    op: O,
    comm: &Comm,
    token: Token,
) -> Token
where
    S: Buffer + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
    O: Reduces<S::Elem>,
{
    let _ = op;
    let call = Call::new("allreduce_into", comm, &token);
    let count = call.count_arg("the send buffer", sendbuf.element_count());
    let room = recvbuf.element_count();
    if room != count as usize {
        call.fail(
            format!(
                "the receive buffer holds {room} elements of {} but the send buffer {count}",
                S::Elem::NAME
            ),
            "give the receive buffer exactly as many elements as the send buffer",
        );
    }
    call.agree(Collective::reducing(S::Elem::NAME, count as usize, O::NAME));
    sendbuf.with_elements(|input| {
        recvbuf.with_elements_out(
            |out| {
                // SAFETY: `input` holds `count` elements and `out` has room for as many
                // (checked above).
                let code = unsafe {
                    ffi::MPI_Allreduce(
                        input.as_ptr().cast(),
                        out.as_mut_ptr().cast(),
                        count,
                        S::Elem::datatype(),
                        O::raw(),
                        call.comm.raw(),
                    )
                };
                call.check(code, "MPI_Allreduce");
            },
            every_element,
        )
    });
    call.done(S::Elem::NAME, count as usize, Peer::None);
    token.advance()
}

/// [`allreduce`] in place (`MPI_Allreduce` with `MPI_IN_PLACE`): no allocation when `buf` is
/// contiguous.
#[track_caller]
pub fn allreduce_in_place<B, O>(buf: &mut B, op: O, comm: &Comm, token: Token) -> Token
where
    B: BufferMut + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    let call = Call::new("allreduce_in_place", comm, &token);
    reduce_all_in_place::<B, O>(call, Kind::Allreduce, buf);
    token.advance()
}

/// Inclusive prefix reduction (`MPI_Scan`): rank `r` gets `buf` of ranks `0..=r` combined.
#[track_caller]
pub fn scan<B, O>(buf: &B, op: O, comm: &Comm, token: Token) -> (B::Owned, Token)
where
    B: Buffer + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    let call = Call::new("scan", comm, &token);
    (reduce_all::<B, O>(call, Kind::Scan, buf), token.advance())
}

/// [`scan`] in place (`MPI_Scan` with `MPI_IN_PLACE`).
#[track_caller]
pub fn scan_in_place<B, O>(buf: &mut B, op: O, comm: &Comm, token: Token) -> Token
where
    B: BufferMut + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    let call = Call::new("scan_in_place", comm, &token);
    reduce_all_in_place::<B, O>(call, Kind::Scan, buf);
    token.advance()
}

/// Exclusive prefix reduction (`MPI_Exscan`): rank `r` gets `buf` of ranks `0..r` combined.
///
/// Rank 0, for which MPI leaves the result undefined, gets the operator's identity (0 for
/// `Sum`, 1 for `Prod`, the largest value for `Min`, ...).
#[track_caller]
pub fn exscan<B, O>(buf: &B, op: O, comm: &Comm, token: Token) -> (B::Owned, Token)
where
    B: Buffer + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    let call = Call::new("exscan", comm, &token);
    (reduce_all::<B, O>(call, Kind::Exscan, buf), token.advance())
}

/// [`exscan`] in place (`MPI_Exscan` with `MPI_IN_PLACE`); rank 0 gets the identity.
#[track_caller]
pub fn exscan_in_place<B, O>(buf: &mut B, op: O, comm: &Comm, token: Token) -> Token
where
    B: BufferMut + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    let call = Call::new("exscan_in_place", comm, &token);
    reduce_all_in_place::<B, O>(call, Kind::Exscan, buf);
    token.advance()
}

/// Combines `buf` from every rank with `op` at `root` (`MPI_Reduce`).
///
/// The root gets the result; the other ranks get their input back unchanged (as in mpi4jax).
#[track_caller]
pub fn reduce<B, O>(buf: &B, op: O, root: usize, comm: &Comm, token: Token) -> (B::Owned, Token)
where
    B: Buffer + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    let call = Call::new("reduce", comm, &token);
    let root = call.rank_arg("root", root);
    // Checked before staging, which may copy a non-contiguous array.
    let count = call.count_arg("the buffer", buf.element_count());
    let input = buf.elements();
    call.agree(Collective {
        root: Some(root),
        ..Collective::reducing(B::Elem::NAME, count as usize, O::NAME)
    });
    let data = if call.comm.rank() == root as usize {
        // SAFETY: `input` holds `count` elements; the root's receive buffer has room for as
        // many, all written by a successful call.
        unsafe {
            filled_by::<B::Elem>(input.len(), |out| {
                let code = ffi::MPI_Reduce(
                    input.as_ptr().cast(),
                    out.cast(),
                    count,
                    B::Elem::datatype(),
                    O::raw(),
                    root,
                    comm.raw(),
                );
                call.check(code, "MPI_Reduce");
            })
        }
    } else {
        // SAFETY: `input` holds `count` elements; the receive buffer is ignored off the root.
        let code = unsafe {
            ffi::MPI_Reduce(
                input.as_ptr().cast(),
                ptr::null_mut(),
                count,
                B::Elem::datatype(),
                O::raw(),
                root,
                comm.raw(),
            )
        };
        call.check(code, "MPI_Reduce");
        input.to_vec()
    };
    call.done(B::Elem::NAME, data.len(), Peer::Root(root));
    (buf.owned_from(data), token.advance())
}

/// [`reduce`] in place (`MPI_Reduce`, with `MPI_IN_PLACE` at the root): the root's `buf` gets
/// the result, the other ranks' `buf` is left unchanged.
#[track_caller]
pub fn reduce_in_place<B, O>(buf: &mut B, op: O, root: usize, comm: &Comm, token: Token) -> Token
where
    B: BufferMut + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    let call = Call::new("reduce_in_place", comm, &token);
    let root = call.rank_arg("root", root);
    let at_root = comm.rank() == root as usize;
    let count = buf.with_elements_mut(|data| {
        let count = call.count_arg("the buffer", data.len());
        call.agree(Collective {
            root: Some(root),
            ..Collective::reducing(B::Elem::NAME, count as usize, O::NAME)
        });
        let (send, recv) = if at_root {
            (raw::in_place().cast_const(), data.as_mut_ptr().cast())
        } else {
            (data.as_ptr().cast(), ptr::null_mut())
        };
        // SAFETY: `data` is valid for `count` elements; at the root MPI_IN_PLACE makes it both
        // input and output, elsewhere it is only read.
        let code = unsafe {
            ffi::MPI_Reduce(
                send,
                recv,
                count,
                B::Elem::datatype(),
                O::raw(),
                root,
                comm.raw(),
            )
        };
        call.check(code, "MPI_Reduce");
        data.len()
    });
    call.done(B::Elem::NAME, count, Peer::Root(root));
    token.advance()
}
