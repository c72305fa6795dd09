//! Every call into the MPI library, each behind a small safe function.
//!
//! This is the only module with `unsafe` MPI calls. Each function takes its buffers as slices,
//! so pointer and element count always travel together, and checks the relations MPI relies on
//! (a root's gather buffer holds `size` blocks, ...) before calling: whatever the caller passes,
//! MPI reads and writes only inside the slices it was given. Every buffer MPI writes into is
//! initialised memory of the element type, so elements a short or mismatched message leaves
//! untouched keep a valid value; and after every receive the elements are validated for types
//! with invalid bit patterns (`bool`): a byte other than 0 or 1 is repaired to 1 and reported
//! as [`SysError::NotABool`], so no invalid `bool` ever reaches safe code, whatever a peer sends.
//!
//! Communicator handles come as [`RawComm`], which borrows the [`Comm`](crate::Comm) it was
//! taken from: the handle cannot outlive the communicator, and a communicator keeps MPI
//! initialised (see `env`), so no call here runs after `MPI_Finalize`.

use std::ffi::{c_int, c_void};
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::ptr;

use mpi::ffi;

use crate::element::{Element, OpHandle, OpKind, UserOp};

mod agreement;
mod flight;
pub(crate) mod fused;
mod ivarying;
mod matching;
mod single;
mod varying;

pub(crate) use agreement::{
    CARRIED_COUNTS, Gated, Start, Taking, carried, staged, staged_carried, start_now, starter,
};
pub(crate) use flight::{
    Blocks, Completed, InFlight, Memory, iallreduce, ibarrier, ibcast, iblocks, igather, ireduce,
    ireduce_scatter_block, iscan, iscan_into, iscatter,
};
pub(crate) use ivarying::{iallgatherv, ialltoallv, igatherv, ireduce_scatter, iscatterv};
pub(crate) use matching::{settle, started};
pub(crate) use single::Single;
pub(crate) use varying::{
    allgatherv, alltoallv, gatherv, reduce_scatter, reduce_scatter_block, scatterv,
};

/// A communicator handle valid for `'c`, with this rank and the size.
#[derive(Clone, Copy, Debug)]
pub(crate) struct RawComm<'c> {
    handle: ffi::MPI_Comm,
    pub(crate) rank: usize,
    pub(crate) size: usize,
    /// Whether receives trust the sender's count (see `Comm::unguarded`): MPI then receives
    /// straight into the buffer, without a matched probe first.
    trusts_sizes: bool,
    _borrow: PhantomData<&'c ()>,
}

impl RawComm<'_> {
    /// What tells this communicator apart from the others alive (its handle's value).
    pub(crate) fn key(&self) -> ffi::MPI_Comm {
        self.handle
    }

    /// # Safety
    /// `handle` must be a valid communicator with `size` ranks of which this process is `rank`,
    /// and stay valid (and MPI initialised) for the returned lifetime.
    pub(crate) unsafe fn new<'c>(handle: ffi::MPI_Comm, rank: usize, size: usize) -> RawComm<'c> {
        RawComm {
            handle,
            rank,
            size,
            trusts_sizes: false,
            _borrow: PhantomData,
        }
    }

    /// Whether receives trust the sender's count (`Comm::unguarded`): MPI receives straight
    /// into the buffer.
    #[inline]
    pub(crate) fn trusts_sizes(&self) -> bool {
        self.trusts_sizes
    }

    /// The same handle, whose receives trust the sender's count when `trusts` (the caller's
    /// `unsafe` contract, `Comm::unguarded`), else guarded.
    pub(crate) fn trusting_sizes(self, trusts: bool) -> Self {
        RawComm {
            trusts_sizes: trusts,
            ..self
        }
    }
}

/// Why a call failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SysError {
    /// MPI returned an error code.
    Mpi {
        /// The MPI function, e.g. `"MPI_Recv"`.
        function: &'static str,
        code: c_int,
    },
    /// A buffer holds more elements than MPI's `int` counts.
    TooLong { len: usize },
    /// A matched message of `bytes` bytes is longer than its receive buffer, or not a whole
    /// number of elements: it was received into scratch memory and refused, the buffer is
    /// untouched.
    Oversized {
        /// The MPI function that received it, e.g. `"MPI_Mrecv"`.
        function: &'static str,
        /// The rank that sent it.
        source: c_int,
        /// The message's size.
        bytes: usize,
    },
    /// A received element of type `bool` had another byte than 0 or 1 (it now holds `true`).
    NotABool {
        function: &'static str,
        index: usize,
        byte: u8,
    },
}

impl SysError {
    /// Whether a message was larger than its receive buffer: refused before it landed
    /// ([`SysError::Oversized`]), or reported by MPI as `MPI_ERR_TRUNCATE`.
    pub(crate) fn is_truncation(self) -> bool {
        match self {
            SysError::Oversized { .. } => true,
            SysError::Mpi { code, .. } => error_class(code) == err_truncate(),
            _ => false,
        }
    }
}

/// The result of a call.
pub(crate) type SysResult<T = ()> = Result<T, SysError>;

#[inline]
fn count(len: usize) -> SysResult<c_int> {
    c_int::try_from(len).map_err(|_| SysError::TooLong { len })
}

#[inline]
fn code(function: &'static str, code: c_int) -> SysResult {
    if code == 0 {
        Ok(())
    } else {
        Err(SysError::Mpi { function, code })
    }
}

/// The address MPI gets for `data`: its own, but a spare one for an empty slice. An empty
/// slice's address is dangling, the element type's alignment: 1 for bytes and `bool`s, which is
/// the value of `MPI_IN_PLACE` in Open MPI (a send buffer taken as "in place", a receive buffer
/// refused with `MPI_ERR_ARG`), and two empty slices of one type share it (refused as an alias).
/// MPI reads and writes no element of an empty buffer, so any other address serves.
#[inline]
pub(crate) fn addr<T>(data: &[T]) -> *const c_void {
    static SPARE: u64 = 0;
    if data.is_empty() {
        (&raw const SPARE).cast()
    } else {
        data.as_ptr().cast()
    }
}

/// [`addr`] for a buffer MPI writes: a spare address of its own for an empty slice.
#[inline]
pub(crate) fn addr_mut<T>(data: &mut [T]) -> *mut c_void {
    static SPARE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    if data.is_empty() {
        SPARE.as_ptr().cast()
    } else {
        data.as_mut_ptr().cast()
    }
}

/// The end of a call that wrote into `data`: MPI's error code, then the written elements
/// validated (see [`validate`]).
#[inline]
fn written<T: Element>(function: &'static str, result: c_int, data: &mut [T]) -> SysResult {
    code(function, result)?;
    validate(function, data)
}

/// After MPI wrote `data`: repairs and reports bytes that are not a `bool` (no-op for every
/// element type all of whose bit patterns are values). Only the bytes of `bool`s are read: a
/// struct's other fields and its padding are never looked at.
#[inline]
fn validate<T: Element>(function: &'static str, data: &mut [T]) -> SysResult {
    if T::ANY_BITS_VALID || data.is_empty() {
        return Ok(());
    }
    let offsets = T::bool_offsets();
    if size_of::<T>() != 1 || offsets != [0] {
        return validate_fields(function, data, offsets);
    }
    let len = size_of_val(data);
    // SAFETY: `bytes` covers exactly the memory of `data`, which it reborrows exclusively
    // until `validate_bytes` returns. `T` is one byte, all of it a `bool`'s (`bool` itself):
    // every byte is initialised, as the memory held valid elements before MPI wrote bytes into
    // it. Every initialised byte is a valid `u8`, and `validate_bytes` writes only 0 and 1.
    let bytes = unsafe { std::slice::from_raw_parts_mut(data.as_mut_ptr().cast::<u8>(), len) };
    validate_bytes(function, bytes)
}

/// [`validate`] for elements with `bool`s among other bytes (structs): repairs every byte at
/// one of `offsets` of an element that is not 0 or 1 to 1, and reports the first, by element.
#[cold]
#[inline(never)]
fn validate_fields<T: Element>(
    function: &'static str,
    data: &mut [T],
    offsets: &[usize],
) -> SysResult {
    let base = data.as_mut_ptr().cast::<u8>();
    let mut first = None;
    for index in 0..data.len() {
        for &offset in offsets {
            debug_assert!(offset < size_of::<T>());
            // SAFETY: `offset` lies inside one element (the layout's bool bytes, made from the
            // struct's field offsets), so the byte lies inside `data`, which is borrowed
            // exclusively. It is the byte of a `bool` field: initialised, as the memory held a
            // valid element before MPI wrote the field (the receive buffers are filled with
            // `ZERO` or are the caller's values). Reading it as `u8` is valid for any
            // initialised byte; only 0 or 1, valid for a `bool`, is written back.
            unsafe {
                let byte = base.add(index * size_of::<T>() + offset);
                let value = byte.read();
                if value > 1 {
                    first.get_or_insert(SysError::NotABool {
                        function,
                        index,
                        byte: value,
                    });
                    byte.write(1);
                }
            }
        }
    }
    first.map_or(Ok(()), Err)
}

/// Repairs every byte of `bytes` other than 0 and 1 to 1, and reports the first.
#[cold]
#[inline(never)]
fn validate_bytes(function: &'static str, bytes: &mut [u8]) -> SysResult {
    let mut first = None;
    for (index, byte) in bytes.iter_mut().enumerate() {
        if *byte > 1 {
            first.get_or_insert(SysError::NotABool {
                function,
                index,
                byte: *byte,
            });
            *byte = 1;
        }
    }
    first.map_or(Ok(()), Err)
}

/// MPI's status of a receive: the sender, the tag and (on demand) the count.
#[derive(Clone, Copy)]
pub(crate) struct RawStatus(ffi::MPI_Status);

impl RawStatus {
    #[inline]
    pub(crate) fn source(&self) -> c_int {
        self.0.MPI_SOURCE
    }

    #[inline]
    pub(crate) fn tag(&self) -> c_int {
        self.0.MPI_TAG
    }

    /// The status of a receive from no one (`MPI_PROC_NULL`), as MPI makes it: source
    /// `MPI_PROC_NULL`, tag `MPI_ANY_TAG`, no bytes.
    pub(crate) fn no_one() -> RawStatus {
        // SAFETY: `MPI_Status` is a plain C struct of integers, valid when zeroed.
        let mut status: ffi::MPI_Status = unsafe { std::mem::zeroed() };
        status.MPI_SOURCE = proc_null();
        status.MPI_TAG = any_tag();
        // SAFETY: `status` is a valid status; setting its count of bytes to 0 is how MPI
        // makes a status `MPI_Get_count` reads (the count's field is the library's own).
        let result = unsafe { ffi::MPI_Status_set_elements(&mut status, u8::datatype(), 0) };
        debug_assert_eq!(result, 0, "MPI_Status_set_elements failed");
        RawStatus(status)
    }

    /// Whether the receive was from no one (`MPI_PROC_NULL`).
    #[inline]
    pub(crate) fn is_from_no_one(&self) -> bool {
        self.0.MPI_SOURCE == proc_null()
    }

    /// The number of bytes received (`MPI_Get_count` in bytes, always defined).
    pub(crate) fn bytes(&self) -> SysResult<usize> {
        let mut bytes: c_int = 0;
        // SAFETY: the status was filled by a successful receive; `bytes` is a valid out-pointer.
        let result = unsafe { ffi::MPI_Get_count(&self.0, u8::datatype(), &mut bytes) };
        code("MPI_Get_count", result)?;
        Ok(bytes.max(0) as usize)
    }
}

// ---- point to point -------------------------------------------------------------------------

/// `MPI_Send` of `data` to `dest` with `tag`.
#[inline]
pub(crate) fn send<T: Element>(
    comm: RawComm<'_>,
    data: &[T],
    dest: c_int,
    tag: c_int,
) -> SysResult {
    let n = count(data.len())?;
    // SAFETY: `data` holds `n` elements of `T`'s datatype; the communicator is valid for 'c.
    let result = unsafe {
        blocking(
            || ffi::MPI_Send(addr(data), n, T::datatype(), dest, tag, comm.handle),
            |request| {
                ffi::MPI_Isend(
                    addr(data),
                    n,
                    T::datatype(),
                    dest,
                    tag,
                    comm.handle,
                    request,
                )
            },
        )
    };
    code("MPI_Send", result)
}

/// A send of bytes that nobody waits for: `MPI_Isend` of memory the send owns, for messages
/// (check mode's headers of nonblocking sends) whose sender must not block until they are
/// received, e.g. a rank announcing a nonblocking send to itself before it posts the receive.
#[derive(Debug)]
pub(crate) struct Posted {
    request: ffi::MPI_Request,
    /// Read by MPI until the request completes; leaked if it never does (see `Drop`).
    bytes: Box<[u8]>,
}

impl Posted {
    /// Starts sending `bytes` to `dest` with `tag` on `comm`.
    pub(crate) fn start(
        comm: RawComm<'_>,
        bytes: Box<[u8]>,
        dest: c_int,
        tag: c_int,
    ) -> SysResult<Posted> {
        let n = count(bytes.len())?;
        let mut request = MaybeUninit::<ffi::MPI_Request>::uninit();
        // SAFETY: `bytes` holds `n` bytes on the heap; the box moves into the returned value,
        // which keeps it (or leaks it) until the request completes; `request` is a valid
        // out-pointer and the communicator is valid for the borrow of `comm`.
        let result = unsafe {
            ffi::MPI_Isend(
                addr(&bytes),
                n,
                u8::datatype(),
                dest,
                tag,
                comm.handle,
                request.as_mut_ptr(),
            )
        };
        code("MPI_Isend", result)?;
        // SAFETY: MPI_Isend succeeded, so it wrote the request.
        let request = unsafe { request.assume_init() };
        Ok(Posted { request, bytes })
    }

    /// Whether the send has completed (`MPI_Test`); an error counts as completed (the request
    /// is then freed by MPI and its memory no longer read).
    pub(crate) fn done(&mut self) -> bool {
        let mut flag = 0;
        let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
        // SAFETY: the request is an active send request of this value; `flag` and `status` are
        // valid out-pointers.
        let result = unsafe { ffi::MPI_Test(&mut self.request, &mut flag, status.as_mut_ptr()) };
        result != 0 || flag != 0
    }
}

impl Drop for Posted {
    /// A send still in flight is released to MPI (`MPI_Request_free`, which lets it complete on
    /// its own) and its bytes are leaked, since MPI may still read them. The owner drops a
    /// `Posted` only while MPI is initialised (the communicator's `Drop` forgets them otherwise).
    fn drop(&mut self) {
        if self.done() {
            return;
        }
        // SAFETY: the request is active; after this call MPI owns it.
        unsafe { ffi::MPI_Request_free(&mut self.request) };
        std::mem::forget(std::mem::take(&mut self.bytes));
    }
}

/// `MPI_Mprobe` + `MPI_Mrecv` into `data` (at most `data.len()` elements) from `source` with
/// `tag` (either may be the "any" value).
///
/// The message is matched and its size read before any byte of it lands: MPI libraries do not
/// bound their writes to the count they were given when a message is longer (Open MPI 4.1
/// writes all of it past the buffer, then reports `MPI_ERR_TRUNCATE`), so a plain `MPI_Recv`
/// would let another rank's mistake write outside `data`. A longer message, or one that is not
/// a whole number of elements, is received into scratch memory of its own size and refused
/// ([`SysError::Oversized`]); `data` is then untouched.
#[inline]
pub(crate) fn recv<T: Element>(
    comm: RawComm<'_>,
    data: &mut [T],
    source: c_int,
    tag: c_int,
) -> SysResult<RawStatus> {
    count(data.len())?;
    if source == proc_null() {
        // From no one: nothing arrives, and `data` is left as it is.
        return Ok(RawStatus::no_one());
    }
    if comm.trusts_sizes && matching::idle() {
        return recv_trusted(comm, data, source, tag);
    }
    let (message, probed) = probe(comm, source, tag)?;
    receive_matched(message, &probed, data, "MPI_Mrecv")
}

/// `MPI_Recv` straight into `data`, on a communicator whose receives trust the sender's count
/// (`Comm::unguarded`) and a thread with no waiting nonblocking receive (whose matching spmd
/// does, see [`matching`]); the elements that arrived are validated.
#[inline]
fn recv_trusted<T: Element>(
    comm: RawComm<'_>,
    data: &mut [T],
    source: c_int,
    tag: c_int,
) -> SysResult<RawStatus> {
    // `recv` checked that the length fits an `int`.
    let n = data.len() as c_int;
    let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
    // SAFETY: `data` is valid for writes of `n` elements, and the message fits them: the
    // communicator trusts sizes only when made by the `unsafe` `Comm::unguarded`, whose
    // caller promised that every message fits its receive (MPI may write past a buffer
    // otherwise, which that contract rules out); `status` is a valid out-pointer.
    let result = unsafe {
        ffi::MPI_Recv(
            addr_mut(data),
            n,
            T::datatype(),
            source,
            tag,
            comm.handle,
            status.as_mut_ptr(),
        )
    };
    code("MPI_Recv", result)?;
    // SAFETY: the receive succeeded, so MPI filled the status.
    let status = RawStatus(unsafe { status.assume_init() });
    let elements = (status.bytes()? / T::WIRE_SIZE).min(data.len());
    validate("MPI_Recv", &mut data[..elements])?;
    Ok(status)
}

/// Matches the next message from `source` with `tag` on `comm` for a blocking receive: at once
/// (`MPI_Mprobe`) when this thread has no waiting nonblocking receive, else after those, which
/// were issued before it (see [`matching`]).
#[inline]
fn probe(comm: RawComm<'_>, source: c_int, tag: c_int) -> SysResult<(ffi::MPI_Message, RawStatus)> {
    if matching::idle() {
        mprobe(comm, source, tag, "MPI_Mprobe")
    } else {
        matching::probe_after(comm.handle, source, tag)
    }
}

/// A blocking MPI call, `blocking`, when this thread has no waiting nonblocking receive; else
/// its nonblocking form `start` (given the request to fill), waited for while matching those
/// receives (see [`matching`]): a peer blocked in a send to one of them can then go on. Returns
/// MPI's error code either way.
///
/// # Safety
/// Each closure must make its MPI call valid: the buffers they name stay valid, and are not
/// otherwise used, until this returns (it returns after the nonblocking form completed).
#[inline]
unsafe fn blocking(
    blocking: impl FnOnce() -> c_int,
    start: impl FnOnce(*mut ffi::MPI_Request) -> c_int,
) -> c_int {
    if matching::idle() {
        return blocking();
    }
    let mut request = MaybeUninit::<ffi::MPI_Request>::uninit();
    let started = start(request.as_mut_ptr());
    if started != 0 {
        return started;
    }
    // SAFETY: the call started, so MPI wrote the request.
    let mut request = unsafe { request.assume_init() };
    match matching::block_on(&mut request, "MPI_Wait") {
        Ok(_) => 0,
        Err(SysError::Mpi { code, .. }) => code,
        Err(_) => unreachable!("MPI_Test fails only with an MPI error code"),
    }
}

/// `MPI_Sendrecv`'s exchange, with the receive's size known before it lands: `MPI_Isend` of
/// `send` to `dest` with `send_tag`, then [`recv`]'s matched probe and receive into `recv` from
/// `source` with `recv_tag`, then `MPI_Wait` for the send. Every path waits for the send
/// before returning, so MPI never reads `send` after its borrow ends.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(crate) fn sendrecv<S: Element, R: Element>(
    comm: RawComm<'_>,
    send: &[S],
    dest: c_int,
    send_tag: c_int,
    recv: &mut [R],
    source: c_int,
    recv_tag: c_int,
) -> SysResult<RawStatus> {
    let send_count = count(send.len())?;
    count(recv.len())?;
    if source == proc_null() {
        // Nothing to receive (and `recv` left as it is): the send alone.
        self::send(comm, send, dest, send_tag)?;
        return Ok(RawStatus::no_one());
    }
    if comm.trusts_sizes && matching::idle() {
        return sendrecv_trusted(comm, send, dest, send_tag, recv, source, recv_tag);
    }
    let mut request = MaybeUninit::<ffi::MPI_Request>::uninit();
    // SAFETY: `send` holds `send_count` elements and stays borrowed, unmodified, until the wait
    // below, which every path after a successful start reaches; `request` is a valid
    // out-pointer.
    let result = unsafe {
        ffi::MPI_Isend(
            addr(send),
            send_count,
            S::datatype(),
            dest,
            send_tag,
            comm.handle,
            request.as_mut_ptr(),
        )
    };
    code("MPI_Isend", result)?;
    // SAFETY: MPI_Isend succeeded, so it wrote the request.
    let mut request = unsafe { request.assume_init() };
    let received = probe(comm, source, recv_tag)
        .and_then(|(message, probed)| receive_matched(message, &probed, recv, "MPI_Mrecv"));
    let waited = matching::wait(&mut request);
    let status = received?;
    waited?;
    Ok(status)
}

/// `MPI_Sendrecv` straight into `recv`, under [`recv_trusted`]'s conditions; the elements
/// that arrived are validated.
#[allow(clippy::too_many_arguments)]
#[inline]
fn sendrecv_trusted<S: Element, R: Element>(
    comm: RawComm<'_>,
    send: &[S],
    dest: c_int,
    send_tag: c_int,
    recv: &mut [R],
    source: c_int,
    recv_tag: c_int,
) -> SysResult<RawStatus> {
    // `sendrecv` checked that both lengths fit an `int`.
    let (send_count, recv_count) = (send.len() as c_int, recv.len() as c_int);
    let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
    // SAFETY: `send` is valid for reads of `send_count` elements and `recv` for writes of
    // `recv_count`, both borrowed for the call; the message fits `recv` by the contract of the
    // `unsafe` `Comm::unguarded` (see `recv_trusted`); `status` is a valid out-pointer.
    let result = unsafe {
        ffi::MPI_Sendrecv(
            addr(send),
            send_count,
            S::datatype(),
            dest,
            send_tag,
            addr_mut(recv),
            recv_count,
            R::datatype(),
            source,
            recv_tag,
            comm.handle,
            status.as_mut_ptr(),
        )
    };
    code("MPI_Sendrecv", result)?;
    // SAFETY: the call succeeded, so MPI filled the status.
    let status = RawStatus(unsafe { status.assume_init() });
    let elements = (status.bytes()? / R::WIRE_SIZE).min(recv.len());
    validate("MPI_Sendrecv", &mut recv[..elements])?;
    Ok(status)
}

/// `MPI_Mprobe`: matches the next message from `source` with `tag` on `comm`, which only
/// [`receive_matched`] may receive, and its status (sender, tag, size).
#[inline]
fn mprobe(
    comm: RawComm<'_>,
    source: c_int,
    tag: c_int,
    function: &'static str,
) -> SysResult<(ffi::MPI_Message, RawStatus)> {
    let mut message = MaybeUninit::<ffi::MPI_Message>::uninit();
    let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
    // SAFETY: `message` and `status` are valid out-pointers; the communicator is valid for
    // the borrow of `comm`.
    let result = unsafe {
        ffi::MPI_Mprobe(
            source,
            tag,
            comm.handle,
            message.as_mut_ptr(),
            status.as_mut_ptr(),
        )
    };
    code(function, result)?;
    // SAFETY: the probe succeeded, so MPI wrote the message handle and the status.
    Ok(unsafe { (message.assume_init(), RawStatus(status.assume_init())) })
}

/// `MPI_Mrecv` of the matched `message`, whose probe gave `probed`, into `data`: exactly the
/// message's elements when they fit, so MPI is never asked to write more than `data` holds nor
/// more than the message brings. A message that does not fit, or is not a whole number of
/// elements, is received into scratch memory of its size instead (a matched message must be
/// received) and refused.
fn receive_matched<T: Element>(
    mut message: ffi::MPI_Message,
    probed: &RawStatus,
    data: &mut [T],
    function: &'static str,
) -> SysResult<RawStatus> {
    let bytes = probed.bytes()?;
    let elements = bytes / T::WIRE_SIZE;
    if elements > data.len() || !bytes.is_multiple_of(T::WIRE_SIZE) {
        return Err(drain(message, probed.source(), bytes, function));
    }
    // `elements <= data.len()`, which `count` accepted.
    let n = elements as c_int;
    let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
    // SAFETY: `data` is valid for writes of `n >= elements` elements, and the matched message
    // holds exactly `elements` elements of `T`'s size on the wire (`WIRE_SIZE`: a struct's
    // fields without its padding, which MPI neither sends nor writes), so MPI writes inside `data` whatever it
    // does with counts; `message` is the handle of a matched, not yet received message;
    // `status` is a valid out-pointer.
    let result = unsafe {
        ffi::MPI_Mrecv(
            addr_mut(data),
            n,
            T::datatype(),
            &mut message,
            status.as_mut_ptr(),
        )
    };
    code(function, result)?;
    validate(function, &mut data[..elements])?;
    // SAFETY: the receive succeeded, so MPI filled the status.
    Ok(RawStatus(unsafe { status.assume_init() }))
}

/// Receives the matched `message` of `bytes` bytes from `source` into scratch memory of its
/// size, and gives the error that refuses it.
#[cold]
#[inline(never)]
fn drain(
    mut message: ffi::MPI_Message,
    source: c_int,
    bytes: usize,
    function: &'static str,
) -> SysError {
    let oversized = SysError::Oversized {
        function,
        source,
        bytes,
    };
    let Ok(n) = count(bytes) else {
        return oversized;
    };
    let mut scratch = vec![0u8; bytes];
    // SAFETY: `scratch` holds exactly the message's `bytes` bytes; `message` is a matched
    // message not yet received; the status is ignored.
    let result = unsafe {
        ffi::MPI_Mrecv(
            addr_mut(&mut scratch),
            n,
            u8::datatype(),
            &mut message,
            ffi::RSMPI_STATUS_IGNORE,
        )
    };
    match code(function, result) {
        Ok(()) => oversized,
        Err(error) => error,
    }
}

/// Forgets the waiting nonblocking receives and the collectives waiting for their agreement of
/// the communicator `handle`, which is about to be freed: they belong to forgotten requests
/// (MPI never got the receives' memory; the agreements' memory is leaked).
pub(crate) fn forget_waiting(handle: ffi::MPI_Comm) {
    matching::release(handle);
    agreement::release(handle);
}

// ---- collectives ----------------------------------------------------------------------------

/// `MPI_Barrier`.
#[inline]
pub(crate) fn barrier(comm: RawComm<'_>) -> SysResult {
    // SAFETY: the communicator is valid for 'c.
    code("MPI_Barrier", unsafe { ffi::MPI_Barrier(comm.handle) })
}

/// `MPI_Bcast` of `data` from `root`: read at the root, written elsewhere.
#[inline]
pub(crate) fn bcast<T: Element>(comm: RawComm<'_>, data: &mut [T], root: c_int) -> SysResult {
    let n = count(data.len())?;
    // SAFETY: `data` is valid for reads and writes of `n` elements.
    let result = unsafe { ffi::MPI_Bcast(addr_mut(data), n, T::datatype(), root, comm.handle) };
    written("MPI_Bcast", result, data)
}

/// Panics (an internal error of this crate) unless `len` is `size * block`.
#[track_caller]
#[inline]
fn assert_blocks(what: &str, len: usize, block: usize, size: usize) {
    assert!(
        block.checked_mul(size) == Some(len),
        "spmd internal error: {what} holds {len} elements, not {size} blocks of {block}"
    );
}

/// `MPI_Gather` of `send` to `root`; at the root `recv` must hold `size` blocks of
/// `send.len()`, elsewhere it is not used.
#[inline]
pub(crate) fn gather<T: Element>(
    comm: RawComm<'_>,
    send: &[T],
    recv: Option<&mut [T]>,
    root: c_int,
) -> SysResult {
    let n = count(send.len())?;
    let at_root = comm.rank == root as usize;
    // Only the root's buffer is written; elsewhere MPI ignores the receive arguments.
    let mut recv = match recv {
        Some(recv) if at_root => {
            assert_blocks(
                "a gather's receive buffer",
                recv.len(),
                send.len(),
                comm.size,
            );
            Some(recv)
        }
        None if at_root => panic!("spmd internal error: gather without a buffer at the root"),
        _ => None,
    };
    let recv_ptr = recv
        .as_deref_mut()
        .map_or(ptr::null_mut(), |recv| addr_mut(recv));
    // SAFETY: `send` holds `n` elements; at the root `recv_ptr` has room for `size * n` (checked
    // above), elsewhere it is null and MPI ignores the receive arguments.
    let result = unsafe {
        ffi::MPI_Gather(
            addr(send),
            n,
            T::datatype(),
            recv_ptr.cast(),
            n,
            T::datatype(),
            root,
            comm.handle,
        )
    };
    written("MPI_Gather", result, recv.unwrap_or_default())
}

/// `MPI_Allgather` of `send` into `recv`, which must hold `size` blocks of `send.len()`.
#[inline]
pub(crate) fn allgather<T: Element>(comm: RawComm<'_>, send: &[T], recv: &mut [T]) -> SysResult {
    let n = count(send.len())?;
    assert_blocks(
        "an allgather's receive buffer",
        recv.len(),
        send.len(),
        comm.size,
    );
    // SAFETY: `send` holds `n` elements, `recv` room for `size * n` (checked above).
    let result = unsafe {
        ffi::MPI_Allgather(
            addr(send),
            n,
            T::datatype(),
            addr_mut(recv),
            n,
            T::datatype(),
            comm.handle,
        )
    };
    written("MPI_Allgather", result, recv)
}

/// `MPI_Scatter` from `root` into `recv`; at the root `send` must hold `size` blocks of
/// `recv.len()`, elsewhere it is not used.
#[inline]
pub(crate) fn scatter<T: Element>(
    comm: RawComm<'_>,
    send: Option<&[T]>,
    recv: &mut [T],
    root: c_int,
) -> SysResult {
    let n = count(recv.len())?;
    let at_root = comm.rank == root as usize;
    let send_ptr = match send {
        Some(send) if at_root => {
            assert_blocks("a scatter's send buffer", send.len(), recv.len(), comm.size);
            addr(send)
        }
        None if at_root => panic!("spmd internal error: scatter without a buffer at the root"),
        _ => ptr::null(),
    };
    // SAFETY: at the root `send_ptr` holds `size * n` elements (checked above), elsewhere MPI
    // ignores it; `recv` has room for `n`.
    let result = unsafe {
        ffi::MPI_Scatter(
            send_ptr.cast(),
            n,
            T::datatype(),
            addr_mut(recv),
            n,
            T::datatype(),
            root,
            comm.handle,
        )
    };
    written("MPI_Scatter", result, recv)
}

/// `MPI_Alltoall` of `send` into `recv`: both hold `size` blocks of the same length.
#[inline]
pub(crate) fn alltoall<T: Element>(comm: RawComm<'_>, send: &[T], recv: &mut [T]) -> SysResult {
    let block = send.len() / comm.size.max(1);
    assert_blocks("an alltoall's send buffer", send.len(), block, comm.size);
    assert_blocks("an alltoall's receive buffer", recv.len(), block, comm.size);
    let n = count(block)?;
    // SAFETY: both buffers hold `size * n` elements (checked above).
    let result = unsafe {
        ffi::MPI_Alltoall(
            addr(send),
            n,
            T::datatype(),
            addr_mut(recv),
            n,
            T::datatype(),
            comm.handle,
        )
    };
    written("MPI_Alltoall", result, recv)
}

/// The reductions that share one signature: every rank gets a result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reduction {
    /// `MPI_Allreduce`.
    All,
    /// `MPI_Scan`.
    Scan,
    /// `MPI_Exscan` (rank 0's result is undefined in MPI: callers overwrite it).
    Exscan,
}

impl Reduction {
    #[inline]
    fn name(self) -> &'static str {
        match self {
            Reduction::All => "MPI_Allreduce",
            Reduction::Scan => "MPI_Scan",
            Reduction::Exscan => "MPI_Exscan",
        }
    }

    /// # Safety
    /// `send` (or `MPI_IN_PLACE`) and `recv` must be valid for `n` elements of `datatype`.
    #[inline]
    unsafe fn call(
        self,
        send: *const c_void,
        recv: *mut c_void,
        n: c_int,
        datatype: ffi::MPI_Datatype,
        op: ffi::MPI_Op,
        comm: ffi::MPI_Comm,
    ) -> c_int {
        // SAFETY: forwarded to the caller.
        unsafe {
            match self {
                Reduction::All => ffi::MPI_Allreduce(send, recv, n, datatype, op, comm),
                Reduction::Scan => ffi::MPI_Scan(send, recv, n, datatype, op, comm),
                Reduction::Exscan => ffi::MPI_Exscan(send, recv, n, datatype, op, comm),
            }
        }
    }
}

/// A [`Reduction`] of `send` into `recv`, which must be as long.
#[inline]
pub(crate) fn reduce_all<T: Element>(
    comm: RawComm<'_>,
    reduction: Reduction,
    send: &[T],
    recv: &mut [T],
    op: OpKind,
) -> SysResult {
    assert_blocks("a reduction's receive buffer", recv.len(), send.len(), 1);
    // SAFETY: `send` holds as many elements as `recv` (checked above).
    unsafe { run_reduction(comm, reduction, addr(send), recv, op) }
}

/// A [`Reduction`] in place (`MPI_IN_PLACE`): `data` is input and output.
#[inline]
pub(crate) fn reduce_all_in_place<T: Element>(
    comm: RawComm<'_>,
    reduction: Reduction,
    data: &mut [T],
    op: OpKind,
) -> SysResult {
    // SAFETY: MPI_IN_PLACE makes MPI take the input from `data`.
    unsafe { run_reduction(comm, reduction, in_place(), data, op) }
}

/// Runs `reduction` from `send` into `recv`, then validates what MPI wrote.
///
/// # Safety
/// `send` must be `MPI_IN_PLACE` or valid for reads of `recv.len()` elements of `T`.
#[inline]
unsafe fn run_reduction<T: Element>(
    comm: RawComm<'_>,
    reduction: Reduction,
    send: *const c_void,
    recv: &mut [T],
    op: OpKind,
) -> SysResult {
    let n = count(recv.len())?;
    // SAFETY: `recv` is valid for reads and writes of `n` elements; `send` is the caller's.
    let result = unsafe {
        reduction.call(
            send,
            addr_mut(recv),
            n,
            T::datatype(),
            op_handle::<T>(op),
            comm.handle,
        )
    };
    written(reduction.name(), result, recv)
}

/// `MPI_Reduce` of `send` at `root`, into `recv` (as long as `send`) at the root; `recv` is not
/// used elsewhere.
#[inline]
pub(crate) fn reduce<T: Element>(
    comm: RawComm<'_>,
    send: &[T],
    recv: Option<&mut [T]>,
    op: OpKind,
    root: c_int,
) -> SysResult {
    let n = count(send.len())?;
    let at_root = comm.rank == root as usize;
    // Only the root's buffer is written; elsewhere MPI ignores the receive argument.
    let mut recv = match recv {
        Some(recv) if at_root => {
            assert_blocks("a reduce's receive buffer", recv.len(), send.len(), 1);
            Some(recv)
        }
        None if at_root => panic!("spmd internal error: reduce without a buffer at the root"),
        _ => None,
    };
    let recv_ptr = recv
        .as_deref_mut()
        .map_or(ptr::null_mut(), |recv| addr_mut(recv));
    // SAFETY: `send` holds `n` elements; at the root `recv_ptr` has room for as many (checked
    // above), elsewhere it is null and MPI ignores it.
    let result = unsafe {
        ffi::MPI_Reduce(
            addr(send),
            recv_ptr.cast(),
            n,
            T::datatype(),
            op_handle::<T>(op),
            root,
            comm.handle,
        )
    };
    written("MPI_Reduce", result, recv.unwrap_or_default())
}

/// `MPI_Reduce` in place: at the root `data` is input and output (`MPI_IN_PLACE`), elsewhere
/// it is only read.
#[inline]
pub(crate) fn reduce_in_place<T: Element>(
    comm: RawComm<'_>,
    data: &mut [T],
    op: OpKind,
    root: c_int,
) -> SysResult {
    let n = count(data.len())?;
    let at_root = comm.rank == root as usize;
    let (send, recv) = if at_root {
        (in_place().cast_const(), addr_mut(data))
    } else {
        (addr(data), ptr::null_mut())
    };
    // SAFETY: `data` is valid for `n` elements; at the root it is both input and output,
    // elsewhere only read.
    let result = unsafe {
        ffi::MPI_Reduce(
            send,
            recv,
            n,
            T::datatype(),
            op_handle::<T>(op),
            root,
            comm.handle,
        )
    };
    code("MPI_Reduce", result)?;
    if at_root {
        validate("MPI_Reduce", data)?;
    }
    Ok(())
}

// ---- communicators, errors, the environment -------------------------------------------------

/// Makes MPI return error codes on `comm` instead of aborting (`MPI_ERRORS_RETURN`).
pub(crate) fn set_errors_return(comm: RawComm<'_>) -> SysResult {
    // SAFETY: the communicator is valid; the predefined handler is valid for every communicator.
    let result = unsafe { ffi::MPI_Comm_set_errhandler(comm.handle, ffi::RSMPI_ERRORS_RETURN) };
    code("MPI_Comm_set_errhandler", result)
}

/// Ends every process of the job (`MPI_Abort` on `MPI_COMM_WORLD`) if MPI is running; returns
/// only if it is not (before init or after finalize).
pub(crate) fn abort(errorcode: c_int) {
    if mpi::environment::is_initialized() && !mpi::environment::is_finalized() {
        // SAFETY: MPI is initialised and not finalised (checked above). MPI_Abort is the only
        // way to end the other ranks; Open MPI and MPICH accept it from any thread.
        unsafe { ffi::MPI_Abort(ffi::RSMPI_COMM_WORLD, errorcode) };
    }
}

/// `MPI_ANY_SOURCE`.
#[inline]
pub(crate) fn any_source() -> c_int {
    // SAFETY: a constant initialised by mpi-sys's C shim; reading it has no side effects.
    unsafe { ffi::RSMPI_ANY_SOURCE }
}

/// `MPI_Iprobe` on `comm`: the sender and tag of the next message from `source` with `tag`,
/// left where it is, if one is there.
pub(crate) fn iprobe(
    comm: RawComm<'_>,
    source: c_int,
    tag: c_int,
) -> SysResult<Option<(c_int, c_int)>> {
    matching::iprobe(comm.handle, source, tag)
}

/// `MPI_PROC_NULL`: no one, the peer of a send or receive that does nothing.
#[inline]
pub(crate) fn proc_null() -> c_int {
    // SAFETY: a constant initialised by mpi-sys's C shim; reading it has no side effects.
    unsafe { ffi::RSMPI_PROC_NULL }
}

/// `MPI_ANY_TAG`.
#[inline]
pub(crate) fn any_tag() -> c_int {
    // SAFETY: as above.
    unsafe { ffi::RSMPI_ANY_TAG }
}

/// The MPI operation of a reduction operator on elements of `T`: MPI's own, or this crate's
/// for the types MPI cannot reduce.
#[inline]
fn op_handle<T: Element>(op: OpKind) -> ffi::MPI_Op {
    match T::user_op(op) {
        Some(user) => user_op_handle(user),
        None => builtin_op(op),
    }
}

/// The handle of `user`'s operation, made by `MPI_Op_create` on its first use (commutative,
/// which the half-precision reductions are). MPI frees it at finalize.
fn user_op_handle(user: &'static UserOp) -> ffi::MPI_Op {
    user.handle
        .get_or_init(|| {
            let mut handle = std::mem::MaybeUninit::<ffi::MPI_Op>::uninit();
            // SAFETY: `function` is a valid `MPI_User_function` for the datatypes it is used
            // with (see `UserOp`), and lives as long as the program; MPI writes the handle.
            let result = unsafe { ffi::MPI_Op_create(Some(user.function), 1, handle.as_mut_ptr()) };
            if result != 0 {
                panic!(
                    "spmd: MPI_Op_create failed with error {result} ({}) while making the \
                     reduction of a half-precision float type",
                    error_string(result)
                );
            }
            // SAFETY: MPI_Op_create succeeded, so it wrote the handle.
            OpHandle(unsafe { handle.assume_init() })
        })
        .0
}

/// MPI's predefined operation `op`.
#[inline]
fn builtin_op(op: OpKind) -> ffi::MPI_Op {
    // SAFETY: the `RSMPI_*` handles are constants initialised by mpi-sys's C shim before
    // `main`; reading them has no side effects.
    unsafe {
        match op {
            OpKind::Sum => ffi::RSMPI_SUM,
            OpKind::Prod => ffi::RSMPI_PROD,
            OpKind::Min => ffi::RSMPI_MIN,
            OpKind::Max => ffi::RSMPI_MAX,
            OpKind::LAnd => ffi::RSMPI_LAND,
            OpKind::LOr => ffi::RSMPI_LOR,
            OpKind::LXor => ffi::RSMPI_LXOR,
            OpKind::BAnd => ffi::RSMPI_BAND,
            OpKind::BOr => ffi::RSMPI_BOR,
            OpKind::BXor => ffi::RSMPI_BXOR,
        }
    }
}

unsafe extern "C" {
    fn spmd_in_place() -> *mut c_void;
    fn spmd_err_truncate() -> c_int;
}

/// `MPI_IN_PLACE`.
#[inline]
fn in_place() -> *mut c_void {
    // SAFETY: the shim function only returns a constant.
    unsafe { spmd_in_place() }
}

/// The error class `MPI_ERR_TRUNCATE`.
fn err_truncate() -> c_int {
    static VALUE: std::sync::OnceLock<c_int> = std::sync::OnceLock::new();
    // SAFETY: the shim function only returns a constant.
    *VALUE.get_or_init(|| unsafe { spmd_err_truncate() })
}

fn error_class(code: c_int) -> c_int {
    let mut class: c_int = 0;
    // SAFETY: `class` is a valid out-pointer; MPI_Error_class accepts any error code.
    unsafe { ffi::MPI_Error_class(code, &mut class) };
    class
}

/// MPI's own description of an error code.
pub(crate) fn error_string(code: c_int) -> String {
    let mut buffer = vec![0u8; 1024];
    let mut length: c_int = 0;
    // SAFETY: the buffer holds MPI_MAX_ERROR_STRING (<= 1024 in Open MPI and MPICH) bytes and
    // `length` is a valid out-pointer.
    let result = unsafe { ffi::MPI_Error_string(code, buffer.as_mut_ptr().cast(), &mut length) };
    if result != 0 {
        return "(no description)".into();
    }
    buffer.truncate(length.clamp(0, 1024) as usize);
    String::from_utf8_lossy(&buffer).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_that_are_not_bools_are_repaired_and_reported() {
        let mut bytes = [0u8, 1, 2, 255, 1];
        let result = validate_bytes("MPI_Recv", &mut bytes);
        assert_eq!(
            result,
            Err(SysError::NotABool {
                function: "MPI_Recv",
                index: 2,
                byte: 2
            })
        );
        assert_eq!(bytes, [0, 1, 1, 1, 1]);
        let mut good = [true, false];
        assert_eq!(validate("MPI_Recv", &mut good), Ok(()));
        assert_eq!(good, [true, false]);
        let mut empty: [bool; 0] = [];
        assert_eq!(validate("MPI_Recv", &mut empty), Ok(()));
        // Types all of whose bit patterns are values are left alone.
        let mut numbers = [2u8, 255];
        assert_eq!(validate("MPI_Recv", &mut numbers), Ok(()));
        assert_eq!(numbers, [2, 255]);
    }
}
