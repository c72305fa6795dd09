//! The collectives whose blocks vary in size from rank to rank (`MPI_Gatherv`,
//! `MPI_Allgatherv`, `MPI_Scatterv`, `MPI_Alltoallv`) and the reduce-scatters.
//!
//! Each takes its buffers as slices and the block sizes as `usize`s, and checks before calling
//! that the blocks tile the slices exactly: block `p` starts where block `p - 1` ends, and the
//! last ends at the slice's end. So MPI is never given a count or displacement that reaches
//! outside a slice. What another rank sends is bounded by the callers (the count exchange of
//! `ops::varying`), not by MPI: MPI libraries do not bound their writes on truncation.

use std::ffi::c_int;
use std::ptr;

use mpi::ffi;

use super::{RawComm, SysResult, addr, addr_mut, count, op_handle, written};
use crate::element::{Element, OpKind};

/// Runs `f` on `n` zeroed `c_int`s: on the stack up to [`ROOM`] (the counts and displacements
/// of both sides of a v-collective on 64 ranks), so that a v-collective on a communicator of
/// that size makes no heap allocation for them, and borrowed, never moved (moving an array of
/// a few hundred bytes costs more than the collective's own bookkeeping on a few ranks).
#[inline]
fn with_room<R>(n: usize, f: impl FnOnce(&mut [c_int]) -> R) -> R {
    if n <= SMALL_ROOM {
        let mut room = [0; SMALL_ROOM];
        f(&mut room[..n])
    } else if n <= ROOM {
        let mut room = [0; ROOM];
        f(&mut room[..n])
    } else {
        f(&mut vec![0; n])
    }
}

/// The `c_int`s [`with_room`] keeps on the stack: up to 64 ranks, four per rank.
const ROOM: usize = 4 * 64;
/// The room of a few ranks, which [`with_room`] zeroes without touching [`ROOM`]'s.
const SMALL_ROOM: usize = 4 * 8;

/// The counts and displacements of `counts` blocks laid end to end, which must tile `len`
/// elements and be one per rank of a communicator of `size`, in room lent by [`with_room`].
struct Layout<'a> {
    counts: &'a [c_int],
    displs: &'a [c_int],
}

impl<'a> Layout<'a> {
    /// The layout of `counts` in the first `2 * size` ints of `room`.
    fn of(
        what: &str,
        counts: &[usize],
        len: usize,
        size: usize,
        room: &'a mut [c_int],
    ) -> SysResult<Layout<'a>> {
        owned_layout(what, counts, len, size, room)?;
        let (counts, displs) = room[..2 * size].split_at(size);
        Ok(Layout { counts, displs })
    }
}

/// Checks that `counts` blocks laid end to end tile `len` elements, one per rank of a
/// communicator of `size`, and that every count and displacement fits MPI's `int`.
fn tiling(what: &str, counts: &[usize], len: usize, size: usize) -> SysResult {
    assert!(
        counts.len() == size,
        "spmd internal error: {what} has {} counts for {size} ranks",
        counts.len()
    );
    let total = counts
        .iter()
        .try_fold(0usize, |total, &count| total.checked_add(count));
    assert!(
        total == Some(len),
        "spmd internal error: {what}'s counts add up to {total:?}, not its {len} elements"
    );
    // The last displacement is at most `len`, and every count is at most `len`.
    count(len)?;
    Ok(())
}

/// Where each block of `counts` starts, the blocks laid end to end (after [`tiling`]: each
/// fits an `int`).
fn displacements(counts: &[usize]) -> impl Iterator<Item = c_int> + '_ {
    counts.iter().scan(0usize, |at, &block| {
        let start = *at;
        *at += block;
        Some(start as c_int)
    })
}

/// [`Layout::of`] for a nonblocking v-collective, which MPI may read until it completes: the
/// counts into `out[..size]`, their displacements into `out[size..2 * size]` (`out` is memory
/// the operation owns).
pub(super) fn owned_layout(
    what: &str,
    counts: &[usize],
    len: usize,
    size: usize,
    out: &mut [c_int],
) -> SysResult {
    tiling(what, counts, len, size)?;
    let (out_counts, out_displs) = out[..2 * size].split_at_mut(size);
    for (slot, &block) in out_counts.iter_mut().zip(counts) {
        *slot = block as c_int;
    }
    for (slot, displ) in out_displs.iter_mut().zip(displacements(counts)) {
        *slot = displ;
    }
    Ok(())
}

/// `MPI_Gatherv` of `send` to `root`; at the root `recv` holds the blocks of `counts` (one per
/// rank, tiling it), elsewhere it is not used.
pub(crate) fn gatherv<T: Element>(
    comm: RawComm<'_>,
    send: &[T],
    recv: Option<(&mut [T], &[usize])>,
    root: c_int,
) -> SysResult {
    let n = count(send.len())?;
    let at_root = comm.rank == root as usize;
    with_room(if at_root { 2 * comm.size } else { 0 }, |room| {
        let (mut recv, layout) = match recv {
            Some((recv, counts)) if at_root => {
                let layout = Layout::of(
                    "a gatherv's receive buffer",
                    counts,
                    recv.len(),
                    comm.size,
                    room,
                )?;
                (Some(recv), Some(layout))
            }
            None if at_root => panic!("spmd internal error: gatherv without a buffer at the root"),
            _ => (None, None),
        };
        let recv_ptr = recv
            .as_deref_mut()
            .map_or(ptr::null_mut(), |recv| addr_mut(recv));
        let (counts, displs) = layout
            .as_ref()
            .map_or((ptr::null(), ptr::null()), |layout| {
                (layout.counts.as_ptr(), layout.displs.as_ptr())
            });
        // SAFETY: `send` holds `n` elements; at the root the blocks of `counts` and `displs` tile
        // `recv` (checked above), elsewhere the receive arguments are null and MPI ignores them.
        let result = unsafe {
            ffi::MPI_Gatherv(
                addr(send),
                n,
                T::datatype(),
                recv_ptr.cast(),
                counts,
                displs,
                T::datatype(),
                root,
                comm.handle,
            )
        };
        written("MPI_Gatherv", result, recv.unwrap_or_default())
    })
}

/// `MPI_Allgatherv` of `send` into `recv`, which holds the blocks of `counts` (one per rank,
/// tiling it).
pub(crate) fn allgatherv<T: Element>(
    comm: RawComm<'_>,
    send: &[T],
    recv: &mut [T],
    counts: &[usize],
) -> SysResult {
    let n = count(send.len())?;
    with_room(2 * comm.size, |room| {
        let layout = Layout::of(
            "an allgatherv's receive buffer",
            counts,
            recv.len(),
            comm.size,
            room,
        )?;
        // SAFETY: `send` holds `n` elements; the blocks of `layout` tile `recv` (checked above).
        let result = unsafe {
            ffi::MPI_Allgatherv(
                addr(send),
                n,
                T::datatype(),
                addr_mut(recv),
                layout.counts.as_ptr(),
                layout.displs.as_ptr(),
                T::datatype(),
                comm.handle,
            )
        };
        written("MPI_Allgatherv", result, recv)
    })
}

/// `MPI_Scatterv` from `root`, whose `send` holds the blocks of `counts` (one per rank, tiling
/// it; not used elsewhere), into `recv`.
pub(crate) fn scatterv<T: Element>(
    comm: RawComm<'_>,
    send: Option<(&[T], &[usize])>,
    recv: &mut [T],
    root: c_int,
) -> SysResult {
    let n = count(recv.len())?;
    let at_root = comm.rank == root as usize;
    with_room(if at_root { 2 * comm.size } else { 0 }, |room| {
        let (send, layout) = match send {
            Some((send, counts)) if at_root => {
                let layout = Layout::of(
                    "a scatterv's send buffer",
                    counts,
                    send.len(),
                    comm.size,
                    room,
                )?;
                (addr(send), Some(layout))
            }
            None if at_root => panic!("spmd internal error: scatterv without a buffer at the root"),
            _ => (ptr::null(), None),
        };
        let (counts, displs) = layout
            .as_ref()
            .map_or((ptr::null(), ptr::null()), |layout| {
                (layout.counts.as_ptr(), layout.displs.as_ptr())
            });
        // SAFETY: `recv` holds `n` elements; at the root the blocks of `counts` and `displs` tile
        // `send` (checked above), elsewhere the send arguments are null and MPI ignores them.
        let result = unsafe {
            ffi::MPI_Scatterv(
                send,
                counts,
                displs,
                T::datatype(),
                addr_mut(recv),
                n,
                T::datatype(),
                root,
                comm.handle,
            )
        };
        written("MPI_Scatterv", result, recv)
    })
}

/// `MPI_Alltoallv` of `send`, whose blocks of `send_counts` go one to each rank, into `recv`,
/// whose blocks of `recv_counts` come one from each rank (both tiling their buffers).
pub(crate) fn alltoallv<T: Element>(
    comm: RawComm<'_>,
    send: &[T],
    send_counts: &[usize],
    recv: &mut [T],
    recv_counts: &[usize],
) -> SysResult {
    with_room(4 * comm.size, |room| {
        let (sent_room, received_room) = room.split_at_mut(2 * comm.size);
        let sent = Layout::of(
            "an alltoallv's send buffer",
            send_counts,
            send.len(),
            comm.size,
            sent_room,
        )?;
        let received = Layout::of(
            "an alltoallv's receive buffer",
            recv_counts,
            recv.len(),
            comm.size,
            received_room,
        )?;
        // SAFETY: the blocks of `sent` tile `send` and those of `received` tile `recv` (checked
        // above).
        let result = unsafe {
            ffi::MPI_Alltoallv(
                addr(send),
                sent.counts.as_ptr(),
                sent.displs.as_ptr(),
                T::datatype(),
                addr_mut(recv),
                received.counts.as_ptr(),
                received.displs.as_ptr(),
                T::datatype(),
                comm.handle,
            )
        };
        written("MPI_Alltoallv", result, recv)
    })
}

/// `MPI_Reduce_scatter`: `send` (the blocks of `counts`, one per rank, tiling it) reduced with
/// `op` over the ranks, this rank's block into `recv` (of `counts[rank]` elements).
pub(crate) fn reduce_scatter<T: Element>(
    comm: RawComm<'_>,
    send: &[T],
    recv: &mut [T],
    counts: &[usize],
    op: OpKind,
) -> SysResult {
    with_room(2 * comm.size, |room| {
        let layout = Layout::of(
            "a reduce-scatter's send buffer",
            counts,
            send.len(),
            comm.size,
            room,
        )?;
        assert!(
            counts[comm.rank] == recv.len(),
            "spmd internal error: a reduce-scatter's receive buffer holds {} elements, not {}",
            recv.len(),
            counts[comm.rank]
        );
        // SAFETY: `send` holds the sum of `counts` (checked above) and `recv` this rank's count.
        let result = unsafe {
            ffi::MPI_Reduce_scatter(
                addr(send),
                addr_mut(recv),
                layout.counts.as_ptr(),
                T::datatype(),
                op_handle::<T>(op),
                comm.handle,
            )
        };
        written("MPI_Reduce_scatter", result, recv)
    })
}

/// `MPI_Reduce_scatter_block`: `send` (`size` blocks of `recv.len()`) reduced with `op` over
/// the ranks, this rank's block into `recv`.
pub(crate) fn reduce_scatter_block<T: Element>(
    comm: RawComm<'_>,
    send: &[T],
    recv: &mut [T],
    op: OpKind,
) -> SysResult {
    let n = count(recv.len())?;
    assert!(
        recv.len().checked_mul(comm.size) == Some(send.len()),
        "spmd internal error: a reduce-scatter's send buffer holds {} elements, not {} blocks \
         of {}",
        send.len(),
        comm.size,
        recv.len()
    );
    // SAFETY: `send` holds `size` blocks of `n` elements (checked above), `recv` one.
    let result = unsafe {
        ffi::MPI_Reduce_scatter_block(
            addr(send),
            addr_mut(recv),
            n,
            T::datatype(),
            op_handle::<T>(op),
            comm.handle,
        )
    };
    written("MPI_Reduce_scatter_block", result, recv)
}
