//! The nonblocking collectives whose blocks vary in size from rank to rank (`MPI_Igatherv`,
//! `MPI_Iallgatherv`, `MPI_Iscatterv`, `MPI_Ialltoallv`) and `MPI_Ireduce_scatter`.
//!
//! As in [`varying`](super::varying), the blocks of the counts must tile the memory exactly,
//! checked before the call; MPI reads the counts and displacements until the operation
//! completes, so they live in the [`InFlight`], as its memory does. What another rank sends is
//! bounded by the callers (the count exchange of `ops::nonblocking::varying`).

use std::ffi::c_int;
use std::ptr;

use mpi::ffi;

use super::flight::Arrays;
use super::varying::owned_layout;
use super::{InFlight, Memory, RawComm, SysResult, count, op_handle};
use crate::element::{Element, OpKind};

/// The counts and displacements of one buffer in `arrays` (as [`owned_layout`] lays them out,
/// `size` of each, from `at`), or null pointers when there are none on this rank.
fn layout_at(arrays: *const c_int, at: Option<usize>, size: usize) -> (*const c_int, *const c_int) {
    match at {
        Some(at) => (arrays.wrapping_add(at), arrays.wrapping_add(at + size)),
        None => (ptr::null(), ptr::null()),
    }
}

/// `MPI_Igatherv` of `send` to `root`; at the root `recv` holds the blocks of `counts` (one per
/// rank, tiling it), elsewhere neither is used (`recv`, of any length, is handed back as it
/// was).
pub(crate) fn igatherv<'c, T: Element>(
    comm: RawComm<'c>,
    send: Memory<T>,
    recv: Memory<T>,
    counts: &[usize],
    root: c_int,
) -> SysResult<InFlight<'c, T, T>> {
    let n = count(send.len())?;
    let at_root = comm.rank == root as usize;
    let mut arrays = Arrays::None;
    if at_root {
        arrays = Arrays::zeroed(2 * comm.size);
        owned_layout(
            "an igatherv's receive buffer",
            counts,
            recv.len(),
            comm.size,
            &mut arrays,
        )?;
    }
    let size = comm.size;
    InFlight::start_one_with_arrays(
        "MPI_Igatherv",
        send,
        recv,
        arrays,
        |send, recv, arrays, request| {
            let (counts, displs) = layout_at(arrays, at_root.then_some(0), size);
            // SAFETY: `send` holds `n` elements; at the root the blocks of `counts` and
            // `displs` tile `recv` (checked above); all of it is owned by the `InFlight` until
            // completion. Elsewhere the receive arguments are not used.
            unsafe {
                ffi::MPI_Igatherv(
                    send.cast(),
                    n,
                    T::datatype(),
                    recv.cast(),
                    counts,
                    displs,
                    T::datatype(),
                    root,
                    comm.handle,
                    request,
                )
            }
        },
    )
}

/// `MPI_Iallgatherv` of `send` into `recv`, which holds the blocks of `counts` (one per rank,
/// tiling it).
pub(crate) fn iallgatherv<'c, T: Element>(
    comm: RawComm<'c>,
    send: Memory<T>,
    recv: Memory<T>,
    counts: &[usize],
) -> SysResult<InFlight<'c, T, T>> {
    let n = count(send.len())?;
    let mut arrays = Arrays::zeroed(2 * comm.size);
    owned_layout(
        "an iallgatherv's receive buffer",
        counts,
        recv.len(),
        comm.size,
        &mut arrays,
    )?;
    let size = comm.size;
    InFlight::start_one_with_arrays(
        "MPI_Iallgatherv",
        send,
        recv,
        arrays,
        |send, recv, arrays, request| {
            let (counts, displs) = layout_at(arrays, Some(0), size);
            // SAFETY: `send` holds `n` elements; the blocks of `counts` and `displs` tile
            // `recv` (checked above); all of it is owned by the `InFlight` until completion.
            unsafe {
                ffi::MPI_Iallgatherv(
                    send.cast(),
                    n,
                    T::datatype(),
                    recv.cast(),
                    counts,
                    displs,
                    T::datatype(),
                    comm.handle,
                    request,
                )
            }
        },
    )
}

/// `MPI_Iscatterv` from `root`, whose `send` holds the blocks of `counts` (one per rank,
/// tiling it; elsewhere neither is used, and `send`, of any length, is handed back as it was),
/// into `recv`.
pub(crate) fn iscatterv<'c, T: Element>(
    comm: RawComm<'c>,
    send: Memory<T>,
    counts: &[usize],
    recv: Memory<T>,
    root: c_int,
) -> SysResult<InFlight<'c, T, T>> {
    let n = count(recv.len())?;
    let at_root = comm.rank == root as usize;
    let mut arrays = Arrays::None;
    if at_root {
        arrays = Arrays::zeroed(2 * comm.size);
        owned_layout(
            "an iscatterv's send buffer",
            counts,
            send.len(),
            comm.size,
            &mut arrays,
        )?;
    }
    let size = comm.size;
    InFlight::start_one_with_arrays(
        "MPI_Iscatterv",
        send,
        recv,
        arrays,
        |send, recv, arrays, request| {
            let (counts, displs) = layout_at(arrays, at_root.then_some(0), size);
            // SAFETY: `recv` holds `n` elements; at the root the blocks of `counts` and
            // `displs` tile `send` (checked above); all of it is owned by the `InFlight` until
            // completion. Elsewhere the send arguments are not used.
            unsafe {
                ffi::MPI_Iscatterv(
                    send.cast(),
                    counts,
                    displs,
                    T::datatype(),
                    recv.cast(),
                    n,
                    T::datatype(),
                    root,
                    comm.handle,
                    request,
                )
            }
        },
    )
}

/// `MPI_Ialltoallv` of `send`, whose blocks of `send_counts` go one to each rank, into `recv`,
/// whose blocks of `recv_counts` come one from each rank (both tiling their buffers).
pub(crate) fn ialltoallv<'c, T: Element>(
    comm: RawComm<'c>,
    send: Memory<T>,
    send_counts: &[usize],
    recv: Memory<T>,
    recv_counts: &[usize],
) -> SysResult<InFlight<'c, T, T>> {
    let size = comm.size;
    let mut arrays = Arrays::zeroed(4 * size);
    owned_layout(
        "an ialltoallv's send buffer",
        send_counts,
        send.len(),
        size,
        &mut arrays,
    )?;
    owned_layout(
        "an ialltoallv's receive buffer",
        recv_counts,
        recv.len(),
        size,
        &mut arrays[2 * size..],
    )?;
    InFlight::start_one_with_arrays(
        "MPI_Ialltoallv",
        send,
        recv,
        arrays,
        |send, recv, arrays, request| {
            let (send_counts, send_displs) = layout_at(arrays, Some(0), size);
            let (recv_counts, recv_displs) = layout_at(arrays, Some(2 * size), size);
            // SAFETY: the blocks of the send counts and displacements tile `send`, those of the
            // receive ones `recv` (checked above); all of it is owned by the `InFlight` until
            // completion.
            unsafe {
                ffi::MPI_Ialltoallv(
                    send.cast(),
                    send_counts,
                    send_displs,
                    T::datatype(),
                    recv.cast(),
                    recv_counts,
                    recv_displs,
                    T::datatype(),
                    comm.handle,
                    request,
                )
            }
        },
    )
}

/// `MPI_Ireduce_scatter`: `send` (the blocks of `counts`, one per rank, tiling it) reduced with
/// `op` over the ranks, this rank's block into `recv` (of `counts[rank]` elements).
pub(crate) fn ireduce_scatter<'c, T: Element>(
    comm: RawComm<'c>,
    send: Memory<T>,
    recv: Memory<T>,
    counts: &[usize],
    op: OpKind,
) -> SysResult<InFlight<'c, T, T>> {
    let mut arrays = Arrays::zeroed(2 * comm.size);
    owned_layout(
        "an ireduce_scatter's send buffer",
        counts,
        send.len(),
        comm.size,
        &mut arrays,
    )?;
    assert!(
        counts[comm.rank] == recv.len(),
        "spmd internal error: an ireduce_scatter's receive buffer holds {} elements, not {}",
        recv.len(),
        counts[comm.rank]
    );
    InFlight::start_one_with_arrays(
        "MPI_Ireduce_scatter",
        send,
        recv,
        arrays,
        |send, recv, arrays, request| {
            // SAFETY: `send` holds the sum of the counts at `arrays` (checked above) and `recv`
            // this rank's count; all of it is owned by the `InFlight` until completion.
            unsafe {
                ffi::MPI_Ireduce_scatter(
                    send.cast(),
                    recv.cast(),
                    arrays,
                    T::datatype(),
                    op_handle::<T>(op),
                    comm.handle,
                    request,
                )
            }
        },
    )
}
