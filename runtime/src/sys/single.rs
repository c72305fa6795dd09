//! The lean form of [`InFlight`](super::InFlight): one MPI request on one [`Memory`], for a
//! nonblocking send and for a receive MPI may make straight into the memory (on a
//! communicator that trusts sizes, or from no one). Its safety argument is `InFlight`'s, on a
//! smaller record: small enough for a request to hold it without a heap allocation, and to
//! move it at the cost of a few words.

use std::ffi::c_int;
use std::marker::PhantomData;
use std::mem::MaybeUninit;

use mpi::ffi;

use super::flight::Memory;
use super::{RawComm, RawStatus, SysResult, code, count, matching, validate};
use crate::element::Element;

/// One operation of one MPI request on `memory`, which MPI reads (a send) or writes (a receive)
/// until the request completes.
///
/// `memory` is owned here, its elements in a heap allocation that moving the `Single` does not
/// move: MPI holds a pointer into it, and nothing else can reach it until the request
/// completes ([`wait_in_place`](Single::wait_in_place) hands it back only then). Dropping a
/// `Single` that has not completed waits for it first, so the memory is freed only after MPI is
/// done with it; forgetting one leaks the memory with it. `'c` is the borrow of the
/// communicator (see [`RawComm`]).
pub(crate) struct Single<'c, T: Element> {
    request: ffi::MPI_Request,
    /// Whether MPI has not completed the request yet.
    active: bool,
    /// Whether MPI writes `memory` (a receive): its elements are validated at completion, and
    /// its status kept.
    receive: bool,
    /// The status of the receive, once it completed.
    status: Option<RawStatus>,
    memory: Memory<T>,
    _comm: PhantomData<&'c ()>,
}

impl<'c, T: Element> Single<'c, T> {
    /// `MPI_Isend` of `data` to `dest` with `tag`.
    pub(crate) fn isend(
        comm: RawComm<'c>,
        data: Memory<T>,
        dest: c_int,
        tag: c_int,
    ) -> SysResult<Single<'c, T>> {
        let n = count(data.len())?;
        Single::start(data, false, |send, request| {
            // SAFETY: `send` points at `n` elements of the memory the `Single` owns until the
            // request completes.
            unsafe { ffi::MPI_Isend(send, n, T::datatype(), dest, tag, comm.handle, request) }
        })
    }

    /// `MPI_Irecv` into `data` (at most its length) from `source` with `tag`, when MPI may
    /// receive straight into it: on a communicator whose receives trust the sender's count
    /// (`Comm::unguarded`), or from no one (`MPI_PROC_NULL`: done at once, `data` left as it
    /// is). Otherwise the receive must be matched by spmd first ([`super::irecv`]), and `data`
    /// comes back as the error.
    pub(crate) fn irecv(
        comm: RawComm<'c>,
        data: Memory<T>,
        source: c_int,
        tag: c_int,
    ) -> Result<SysResult<Single<'c, T>>, Memory<T>> {
        if source == super::proc_null() {
            return Ok(Ok(Single {
                // SAFETY: reading the constant handle initialised by mpi-sys's C shim.
                request: unsafe { ffi::RSMPI_REQUEST_NULL },
                active: false,
                receive: true,
                status: Some(RawStatus::no_one()),
                memory: data,
                _comm: PhantomData,
            }));
        }
        if !comm.trusts_sizes {
            return Err(data);
        }
        let n = match count(data.len()) {
            Ok(n) => n,
            Err(error) => return Ok(Err(error)),
        };
        Ok(Single::start(data, true, |recv, request| {
            // SAFETY: `recv` points at `n` elements of the memory the `Single` owns until the
            // request completes, and the message fits them by the contract of the `unsafe`
            // `Comm::unguarded`, the only maker of a communicator that trusts sizes.
            unsafe {
                ffi::MPI_Irecv(
                    recv.cast_mut(),
                    n,
                    T::datatype(),
                    source,
                    tag,
                    comm.handle,
                    request,
                )
            }
        }))
    }

    /// Starts the request: `start` gets the address of `memory` (valid for its length; for a
    /// receive, MPI writes there) and the request's slot, and returns MPI's error code.
    #[inline]
    fn start(
        mut memory: Memory<T>,
        receive: bool,
        start: impl FnOnce(*const std::ffi::c_void, &mut ffi::MPI_Request) -> c_int,
    ) -> SysResult<Single<'c, T>> {
        // SAFETY: reading the constant handle initialised by mpi-sys's C shim.
        let mut request = unsafe { ffi::RSMPI_REQUEST_NULL };
        // An empty memory's dangling address may be `MPI_IN_PLACE`'s value: see `sys::addr`.
        let at = if receive {
            super::addr_mut(&mut memory).cast_const()
        } else {
            super::addr(&memory)
        };
        let result = start(at, &mut request);
        let function = if receive { "MPI_Irecv" } else { "MPI_Isend" };
        code(function, result)?;
        Ok(Single {
            request,
            active: true,
            receive,
            status: None,
            memory,
            _comm: PhantomData,
        })
    }

    /// Whether the request has completed, without blocking (`MPI_Test`).
    pub(crate) fn test(&mut self) -> SysResult<bool> {
        if !matching::idle() {
            matching::drive();
        }
        if !self.active {
            return Ok(true);
        }
        let mut flag: c_int = 0;
        let mut status = MaybeUninit::<ffi::MPI_Status>::uninit();
        // SAFETY: the request is active (started and not completed); the out-pointers are
        // valid.
        let result = unsafe { ffi::MPI_Test(&mut self.request, &mut flag, status.as_mut_ptr()) };
        if result != 0 {
            // An error completes the request (MPI frees it).
            self.active = false;
            return code("MPI_Test", result).map(|()| false);
        }
        if flag == 0 {
            return Ok(false);
        }
        self.active = false;
        if self.receive {
            // SAFETY: the request completed, so MPI filled the status.
            self.status = Some(RawStatus(unsafe { status.assume_init() }));
        }
        Ok(true)
    }

    /// Waits for the request (`MPI_Wait`), then hands the memory back, a receive's elements
    /// validated, with the receive's status; what is left is empty, nothing MPI uses.
    #[inline]
    pub(crate) fn wait_in_place(&mut self) -> SysResult<(Memory<T>, Option<RawStatus>)> {
        if self.active {
            let waited = matching::wait(&mut self.request);
            // Complete after the wait returned, whatever it returned.
            self.active = false;
            let status = waited?;
            if self.receive {
                self.status = Some(status);
            }
        }
        let mut memory = std::mem::take(&mut self.memory);
        if self.receive {
            validate("MPI_Irecv", &mut memory)?;
        }
        Ok((memory, self.status))
    }
}

impl<T: Element> Drop for Single<'_, T> {
    fn drop(&mut self) {
        // The memory may only be freed once MPI is done with it: wait, whatever the outcome
        // (an error completes the request too).
        if self.active {
            let _ = matching::wait(&mut self.request);
            self.active = false;
        }
    }
}
