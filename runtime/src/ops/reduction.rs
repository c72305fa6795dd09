//! Reductions: `allreduce`, `reduce`, `scan`, `exscan`, each with `_in_place` and `_into`
//! forms.

use crate::buffer::{Buffer, BufferMut, every_element, zeroed};
use crate::call::Call;
use crate::check::Collective;
use crate::comm::Comm;
use crate::element::{Element, Reduces};
use crate::guard::{Mine, Take};
use crate::ident::{Payload, Peer};
use crate::local;
use crate::sys::fused::Carry;
use crate::sys::{self, RawComm, Reduction};
use crate::token::Token;

/// MPI leaves rank 0's exscan result undefined; ours is the operator's identity.
#[inline]
fn settle_exscan<T: Element, O: Reduces<T>>(call: &Call<'_>, reduction: Reduction, out: &mut [T]) {
    if reduction == Reduction::Exscan && call.comm.rank() == 0 {
        out.fill(O::identity());
    }
}

/// What a reduction tells check mode.
pub(crate) fn fingerprint<T: Element, O: Reduces<T>>(len: usize, root: Option<i32>) -> Collective {
    Collective {
        root,
        ..Collective::reducing(T::NAME, len, O::NAME)
    }
}

/// The agreement before an allreduce, scan or exscan of `input` (of `out` itself when `None`)
/// into `out`, whose length is fixed by the buffer's type when `len_by_type`: returns the
/// communicator to reduce the data on, `None` when the agreement carried the data (see
/// `guard::agree_carrying`): an allreduce's reduced on the way, a scan's placed by rank and
/// reduced here, up to this rank, by `local`'s functions. An allreduce in a streak of a proven
/// function skips its agreement (`crate::proof`) and reduces on the streak's communicator.
#[inline]
fn agree<'c, T: Element, O: Reduces<T>>(
    call: &Call<'c>,
    reduction: Reduction,
    input: Option<&[T]>,
    out: &mut [T],
    len_by_type: bool,
) -> Option<RawComm<'c>> {
    let what = fingerprint::<T, O>(out.len(), None);
    if reduction == Reduction::All {
        if let Some(fast) = call.skips(&what, len_by_type) {
            return Some(fast);
        }
        let mine = input.map_or(Mine::Out, Mine::Given);
        let carried = call.agree_carrying(
            what,
            Carry::Reduce(O::KIND),
            out.len(),
            mine,
            Take::Whole(out),
        );
        (!carried).then(|| call.comm.raw())
    } else {
        let (rank, size) = (call.comm.rank(), call.comm.size());
        let total = out
            .len()
            .checked_mul(size)
            .filter(|_| local::reduces_type::<T>(O::KIND));
        let Some(total) = total else {
            call.agree(what);
            return Some(call.comm.raw());
        };
        let mine = input.map_or(Mine::Out, |input| Mine::At(input, rank * input.len()));
        let take = Take::Prefix {
            out,
            rank,
            inclusive: reduction == Reduction::Scan,
            kind: O::KIND,
        };
        let carried = call.agree_carrying(what, Carry::Place, total, mine, take);
        (!carried).then(|| call.comm.raw())
    }
}

/// The allocating form of allreduce, scan and exscan.
#[track_caller]
#[inline]
fn reduce_all<B, O>(
    op: &'static str,
    reduction: Reduction,
    buf: &B,
    comm: &Comm,
    token: Token,
) -> (B::Owned, Token)
where
    B: Buffer + ?Sized,
    O: Reduces<B::Elem>,
{
    let call = Call::new(op, comm, &token);
    let len = buf.element_count();
    // Checked before staging, which may copy a non-contiguous array.
    call.count_arg("the buffer", len);
    let mut data = zeroed(len);
    buf.with_elements(|input| {
        if let Some(raw) =
            agree::<B::Elem, O>(&call, reduction, Some(input), &mut data, B::LEN_BY_TYPE)
        {
            call.mpi(sys::reduce_all(raw, reduction, input, &mut data, O::KIND));
        }
    });
    settle_exscan::<B::Elem, O>(&call, reduction, &mut data);
    let token = call.finish(token, Payload::of::<B::Elem>(len), Peer::None);
    (buf.owned_from(data), token)
}

/// The `_into` form of allreduce, scan and exscan.
#[track_caller]
#[inline]
fn reduce_all_into<S, R, O>(
    op: &'static str,
    reduction: Reduction,
    sendbuf: &S,
    recvbuf: &mut R,
    comm: &Comm,
    token: Token,
) -> Token
where
    S: Buffer + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
    O: Reduces<S::Elem>,
{
    let call = Call::new(op, comm, &token);
    let len = sendbuf.element_count();
    call.count_arg("the send buffer", len);
    call.expect_len(
        "the receive buffer",
        recvbuf.element_count(),
        len,
        "give the receive buffer exactly as many elements as the send buffer",
    );
    sendbuf.with_elements(|input| {
        recvbuf.with_elements_out(
            |out| {
                let len_by_type = S::LEN_BY_TYPE;
                if let Some(raw) =
                    agree::<S::Elem, O>(&call, reduction, Some(input), out, len_by_type)
                {
                    call.mpi(sys::reduce_all(raw, reduction, input, out, O::KIND));
                }
                settle_exscan::<S::Elem, O>(&call, reduction, out);
            },
            every_element,
        )
    });
    call.finish(token, Payload::of::<S::Elem>(len), Peer::None)
}

/// The `_in_place` form of allreduce, scan and exscan.
#[track_caller]
#[inline]
fn reduce_all_in_place<B, O>(
    op: &'static str,
    reduction: Reduction,
    buf: &mut B,
    comm: &Comm,
    token: Token,
) -> Token
where
    B: BufferMut + ?Sized,
    O: Reduces<B::Elem>,
{
    let call = Call::new(op, comm, &token);
    let len = buf.with_elements_mut(|data| {
        call.count_arg("the buffer", data.len());
        if let Some(raw) = agree::<B::Elem, O>(&call, reduction, None, data, B::LEN_BY_TYPE) {
            call.mpi(sys::reduce_all_in_place(raw, reduction, data, O::KIND));
        }
        settle_exscan::<B::Elem, O>(&call, reduction, data);
        data.len()
    });
    call.finish(token, Payload::of::<B::Elem>(len), Peer::None)
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
    reduce_all::<B, O>("allreduce", Reduction::All, buf, comm, token)
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
    reduce_all_into::<S, R, O>(
        "allreduce_into",
        Reduction::All,
        sendbuf,
        recvbuf,
        comm,
        token,
    )
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
    reduce_all_in_place::<B, O>("allreduce_in_place", Reduction::All, buf, comm, token)
}

/// Inclusive prefix reduction (`MPI_Scan`): rank `r` gets `buf` of ranks `0..=r` combined.
#[track_caller]
pub fn scan<B, O>(buf: &B, op: O, comm: &Comm, token: Token) -> (B::Owned, Token)
where
    B: Buffer + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    reduce_all::<B, O>("scan", Reduction::Scan, buf, comm, token)
}

/// [`scan`] into an existing buffer as long as `sendbuf` (`MPI_Scan`).
#[track_caller]
pub fn scan_into<S, R, O>(sendbuf: &S, recvbuf: &mut R, op: O, comm: &Comm, token: Token) -> Token
where
    S: Buffer + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
    O: Reduces<S::Elem>,
{
    let _ = op;
    reduce_all_into::<S, R, O>("scan_into", Reduction::Scan, sendbuf, recvbuf, comm, token)
}

/// [`scan`] in place (`MPI_Scan` with `MPI_IN_PLACE`).
#[track_caller]
pub fn scan_in_place<B, O>(buf: &mut B, op: O, comm: &Comm, token: Token) -> Token
where
    B: BufferMut + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    reduce_all_in_place::<B, O>("scan_in_place", Reduction::Scan, buf, comm, token)
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
    reduce_all::<B, O>("exscan", Reduction::Exscan, buf, comm, token)
}

/// [`exscan`] into an existing buffer as long as `sendbuf` (`MPI_Exscan`); rank 0 gets the
/// identity.
#[track_caller]
pub fn exscan_into<S, R, O>(sendbuf: &S, recvbuf: &mut R, op: O, comm: &Comm, token: Token) -> Token
where
    S: Buffer + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
    O: Reduces<S::Elem>,
{
    let _ = op;
    reduce_all_into::<S, R, O>(
        "exscan_into",
        Reduction::Exscan,
        sendbuf,
        recvbuf,
        comm,
        token,
    )
}

/// [`exscan`] in place (`MPI_Exscan` with `MPI_IN_PLACE`); rank 0 gets the identity.
#[track_caller]
pub fn exscan_in_place<B, O>(buf: &mut B, op: O, comm: &Comm, token: Token) -> Token
where
    B: BufferMut + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    reduce_all_in_place::<B, O>("exscan_in_place", Reduction::Exscan, buf, comm, token)
}

/// Combines `buf` from every rank with `op` at `root` (`MPI_Reduce`).
///
/// Returns `Some(result)` at the root and `None` elsewhere, as [`gather`](crate::gather) does.
#[track_caller]
pub fn reduce<B, O>(
    buf: &B,
    op: O,
    root: usize,
    comm: &Comm,
    token: Token,
) -> (Option<B::Owned>, Token)
where
    B: Buffer + ?Sized,
    O: Reduces<B::Elem>,
{
    let _ = op;
    let call = Call::new("reduce", comm, &token);
    let root = call.rank_arg("root", root);
    let len = buf.element_count();
    // Checked before staging, which may copy a non-contiguous array.
    call.count_arg("the buffer", len);
    let what = fingerprint::<B::Elem, O>(len, Some(root));
    let result = buf.with_elements(|input| {
        let mut data = (comm.rank() == root as usize).then(|| zeroed(len));
        let mine = Mine::Given(input);
        let carry = Carry::Reduce(O::KIND);
        if !call.agree_carrying(what, carry, len, mine, data.as_deref_mut().into()) {
            call.mpi(sys::reduce(
                comm.raw(),
                input,
                data.as_deref_mut(),
                O::KIND,
                root,
            ));
        }
        data
    });
    let token = call.finish(token, Payload::of::<B::Elem>(len), Peer::Root(root));
    (result.map(|data| buf.owned_from(data)), token)
}

/// [`reduce`] into an existing buffer (`MPI_Reduce`): at the root `recvbuf` (as long as
/// `sendbuf`) gets the result; off the root it is not touched.
#[track_caller]
pub fn reduce_into<S, R, O>(
    sendbuf: &S,
    recvbuf: &mut R,
    op: O,
    root: usize,
    comm: &Comm,
    token: Token,
) -> Token
where
    S: Buffer + ?Sized,
    R: BufferMut<Elem = S::Elem> + ?Sized,
    O: Reduces<S::Elem>,
{
    let _ = op;
    let call = Call::new("reduce_into", comm, &token);
    let root = call.rank_arg("root", root);
    let len = sendbuf.element_count();
    call.count_arg("the send buffer", len);
    let what = fingerprint::<S::Elem, O>(len, Some(root));
    let carry = Carry::Reduce(O::KIND);
    if comm.rank() == root as usize {
        call.expect_len(
            "the receive buffer",
            recvbuf.element_count(),
            len,
            "at the root, give `reduce_into` a receive buffer as long as the send buffer",
        );
        sendbuf.with_elements(|input| {
            recvbuf.with_elements_out(
                |out| {
                    if !call.agree_carrying(what, carry, len, Mine::Given(input), Take::Whole(out))
                    {
                        call.mpi(sys::reduce(comm.raw(), input, Some(out), O::KIND, root));
                    }
                },
                every_element,
            )
        });
    } else {
        sendbuf.with_elements(|input| {
            if !call.agree_carrying(what, carry, len, Mine::Given(input), Take::Nothing) {
                call.mpi(sys::reduce(comm.raw(), input, None, O::KIND, root));
            }
        });
    }
    call.finish(token, Payload::of::<S::Elem>(len), Peer::Root(root))
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
    let len = buf.with_elements_mut(|data| {
        call.count_arg("the buffer", data.len());
        let (what, len) = (
            fingerprint::<B::Elem, O>(data.len(), Some(root)),
            data.len(),
        );
        let carry = Carry::Reduce(O::KIND);
        let done = if comm.rank() == root as usize {
            call.agree_carrying(what, carry, len, Mine::Out, Take::Whole(&mut *data))
        } else {
            call.agree_carrying(what, carry, len, Mine::Given(&*data), Take::Nothing)
        };
        if !done {
            call.mpi(sys::reduce_in_place(comm.raw(), data, O::KIND, root));
        }
        len
    });
    call.finish(token, Payload::of::<B::Elem>(len), Peer::Root(root))
}
