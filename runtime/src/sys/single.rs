//! The lean form of [`InFlight`](super::InFlight) for point-to-point ops: one send or one
//! receive on one [`Memory`]. A receive is matched by spmd first ([`matching`]) unless MPI may
//! make it straight into the memory (on a communicator that trusts sizes, or from no one). Its
//! safety argument is `InFlight`'s, on a smaller record, cheaper to start, move and complete.

use std::ffi::c_int;
use std::marker::PhantomData;
use std::mem::MaybeUninit;
use std::rc::Rc;

use mpi::ffi;

use super::flight::Memory;
use super::matching::{self, Deferred};
use super::{RawComm, RawStatus, SysResult, code, count, validate};
use crate::element::Element;

/// One operation of one MPI request on `memory`, which MPI reads (a send) or writes (a receive)
/// until the request completes; or a receive matched by spmd (`deferred`), which owns its
/// memory until it completes.
///
/// `memory` is owned here, its elements in a heap allocation that moving the `Single` does not
/// move: MPI holds a pointer into it, and nothing else can reach it until the request
/// completes ([`wait_in_place`](Single::wait_in_place) hands it back only then). Dropping a
/// `Single` that has not completed waits for it first (the deferred receive too), so the
/// memory is freed only after MPI is done with it; forgetting one leaks the memory with it.
/// `'c` is the borrow of the communicator (see [`RawComm`]).
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
    /// A receive matched by spmd (see [`matching`]), which owns its memory; `memory` is then
    /// empty and `request` null.
    deferred: Option<Rc<Deferred<T>>>,
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

    /// A receive into `data` (at most its length; initialised elements) from `source` with
    /// `tag`: matched by spmd ([`matching`]), so that its message's size is checked before any
    /// byte lands; `MPI_Irecv` straight into `data` on a communicator whose receives trust the
    /// sender's count (`Comm::unguarded`); done at once from no one (`MPI_PROC_NULL`), `data`
    /// left as it is.
    pub(crate) fn irecv(
        comm: RawComm<'c>,
        data: Memory<T>,
        source: c_int,
        tag: c_int,
    ) -> SysResult<Single<'c, T>> {
        if source == super::proc_null() {
            return Ok(Single::unposted(data, Some(RawStatus::no_one()), None));
        }
        if !comm.trusts_sizes {
            let deferred = Deferred::issue(comm.handle, data, source, tag)?;
            return Ok(Single::unposted(Memory::default(), None, Some(deferred)));
        }
        let n = count(data.len())?;
        Single::start(data, true, |recv, request| {
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
        })
    }

    /// A receive with no MPI request of its own: done from no one (`memory` and `status`
    /// handed back as they are), or matched by spmd (`deferred`).
    fn unposted(
        memory: Memory<T>,
        status: Option<RawStatus>,
        deferred: Option<Rc<Deferred<T>>>,
    ) -> Single<'c, T> {
        Single {
            // SAFETY: reading the constant handle initialised by mpi-sys's C shim.
            request: unsafe { ffi::RSMPI_REQUEST_NULL },
            active: false,
            receive: true,
            status,
            memory,
            deferred,
            _comm: PhantomData,
        }
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
            deferred: None,
            _comm: PhantomData,
        })
    }

    /// Whether the request has completed, without blocking (`MPI_Test`).
    pub(crate) fn test(&mut self) -> SysResult<bool> {
        if !matching::idle() {
            matching::drive();
        }
        if let Some(deferred) = &self.deferred {
            return Ok(deferred.test());
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
    #[inline(always)]
    pub(crate) fn wait_in_place(&mut self) -> SysResult<(Memory<T>, Option<RawStatus>)> {
        if self.deferred.is_some() {
            return self.wait_matched();
        }
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

    /// [`wait_in_place`](Single::wait_in_place) of a receive matched by spmd (its elements
    /// validated by the matching); kept apart so that the posted forms' path stays small.
    #[inline(never)]
    fn wait_matched(&mut self) -> SysResult<(Memory<T>, Option<RawStatus>)> {
        let Some(deferred) = self.deferred.take() else {
            unreachable!("called for a matched receive")
        };
        let received = deferred.wait();
        Deferred::recycle(deferred);
        let (memory, status) = received?;
        Ok((memory, Some(status)))
    }
}

impl<T: Element> Drop for Single<'_, T> {
    #[inline(always)]
    fn drop(&mut self) {
        // The memory may only be freed once MPI is done with it: wait, whatever the outcome
        // (an error completes the request too). A deferred receive is waited for like a
        // posted one; it owns its memory.
        if self.deferred.is_some() {
            let _ = self.wait_matched();
        }
        if self.active {
            let _ = matching::wait(&mut self.request);
            self.active = false;
        }
    }
}
