//! Nonblocking calls: MPI goes on reading and writing after the call that started the
//! operation has returned, so the memory it uses cannot be a borrowed slice. [`InFlight`] owns
//! it, and its safety argument is all here.

use std::ffi::c_int;
use std::marker::PhantomData;
use std::ptr::NonNull;

use mpi::ffi;

use super::matching;
use super::{RawComm, RawStatus, SysResult, code, count, in_place, op_handle, validate};
use crate::cache::Staged;
use crate::element::{Element, OpKind};
use crate::recycle;

/// A collective MPI carries on after the call that started it returned: its request, and the
/// memory MPI reads (`send`) and writes (`recv`) until it completes. (A point-to-point op is a
/// [`Single`](super::Single), on the same argument.)
///
/// The memory is owned here, in two [`Memory`]s (a `Vec`, or staging memory lent by the call
/// site's cache), whose heap allocations moving the `InFlight` does not move: MPI holds pointers into them, and nothing else can reach them
/// until the request completes ([`wait`](InFlight::wait) hands them back only then). Dropping
/// an `InFlight` that has not completed waits for it first, so the memory is freed only after
/// MPI is done with it; forgetting one (`mem::forget`) leaks the memory with it, so MPI may
/// still write into it but nothing else ever uses it. `'c` is the borrow of the communicator
/// (see [`RawComm`]): MPI stays initialised while the operation can be waited for.
pub(crate) struct InFlight<'c, S: Element, R: Element> {
    request: ffi::MPI_Request,
    /// Whether MPI has not completed `request` yet.
    active: bool,
    send: Memory<S>,
    recv: Memory<R>,
    /// The MPI function that writes `recv`, named if its elements fail validation.
    function: &'static str,
    /// The counts and displacements MPI reads until a v-collective completes (MPI may read
    /// them at any time before): in a heap allocation that moving the `InFlight` does not move,
    /// leaked with it when forgotten. None for the other operations.
    arrays: Arrays,
    _comm: PhantomData<&'c ()>,
}

/// Memory MPI reads or writes for an operation in flight. Its elements live in a heap
/// allocation that moving the `Memory` does not move.
#[derive(Debug)]
pub enum Memory<T: Element> {
    /// A `Vec`: the caller's own buffer, moved in to be handed back, or the memory a result is
    /// made of.
    Owned(Vec<T>),
    /// Memory lent by the call site's cache ([`Staged`]), which goes back to it when dropped
    /// (and never, when the request holding it is forgotten).
    Staged(Staged<T>),
    /// A buffer lent to a [`scope`](crate::scope) (`Scope::lend`), which MPI only reads: `len`
    /// elements at `at`, borrowed (shared) until the scope ends. Never written: a mutable
    /// access is an internal error.
    Shared { at: NonNull<T>, len: usize },
    /// A buffer lent mutably to a [`scope`](crate::scope) (`Scope::lend_mut`), which MPI
    /// writes: `len` elements at `at`, borrowed exclusively until the scope ends.
    Exclusive { at: NonNull<T>, len: usize },
}

// Why the scope's memory may be read and written here, after the borrow that made it was
// turned into a pointer: `Scope::lend`/`lend_mut` take a borrow that lasts until the scope
// ends (`'scope`), so nothing else reads (`Exclusive`) or writes (either) those elements
// before then; every op given such memory is registered with the scope when issued, and the
// scope completes (drops) each op still in flight before it ends, whatever happened to its
// request (waited, dropped or forgotten). So the elements outlive every use of this memory.

impl<T: Element> Memory<T> {
    /// The elements as a `Vec`: the owned one, or a copy of the staged ones.
    #[inline]
    pub(crate) fn into_vec(self) -> Vec<T> {
        match self {
            Memory::Owned(vec) => vec,
            Memory::Staged(staged) => staged.to_vec(),
            Memory::Shared { .. } | Memory::Exclusive { .. } => (*self).to_vec(),
        }
    }
}

impl<T: Element> Default for Memory<T> {
    fn default() -> Self {
        Memory::Owned(Vec::new())
    }
}

impl<T: Element> From<Vec<T>> for Memory<T> {
    fn from(vec: Vec<T>) -> Self {
        Memory::Owned(vec)
    }
}

impl<T: Element> From<Staged<T>> for Memory<T> {
    fn from(staged: Staged<T>) -> Self {
        Memory::Staged(staged)
    }
}

impl<T: Element> std::ops::Deref for Memory<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        match self {
            Memory::Owned(vec) => vec,
            Memory::Staged(staged) => staged,
            // SAFETY: `len` elements at `at`, of a buffer lent to a scope that has not ended
            // (see above); valid elements, shared or exclusively ours.
            Memory::Shared { at, len } | Memory::Exclusive { at, len } => unsafe {
                std::slice::from_raw_parts(at.as_ptr(), *len)
            },
        }
    }
}

impl<T: Element> std::ops::DerefMut for Memory<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        match self {
            Memory::Owned(vec) => vec,
            Memory::Staged(staged) => staged,
            // SAFETY: `len` elements at `at`, of a buffer lent exclusively to a scope that has
            // not ended (see above): nothing else reads or writes them meanwhile.
            Memory::Exclusive { at, len } => unsafe {
                std::slice::from_raw_parts_mut(at.as_ptr(), *len)
            },
            Memory::Shared { .. } => shared_written(),
        }
    }
}

/// A buffer lent shared to a scope was about to be written: never, by construction (sends only
/// read their memory).
#[cold]
#[inline(never)]
fn shared_written() -> ! {
    panic!("spmd internal error: memory lent shared to a scope was about to be written")
}

/// What a completed operation hands back: the memory MPI wrote, and the receive's status.
pub(crate) struct Completed<S: Element, R: Element> {
    /// The memory MPI read, free to drop now (or to hand back, when it was handed over).
    pub(crate) send: Memory<S>,
    pub(crate) recv: Memory<R>,
    pub(crate) status: Option<RawStatus>,
}

impl<'c, S: Element, R: Element> InFlight<'c, S, R> {
    /// Starts an operation of one MPI call, `function`, which writes `recv`: `start` gets
    /// pointers into `send` and `recv` (valid for their lengths) and the request's slot, and
    /// returns MPI's error code.
    fn start_one(
        function: &'static str,
        send: Memory<S>,
        mut recv: Memory<R>,
        start: impl FnOnce(*const S, *mut R, &mut ffi::MPI_Request) -> c_int,
    ) -> SysResult<InFlight<'c, S, R>> {
        // SAFETY: reading the constant handle initialised by mpi-sys's C shim.
        let mut request = unsafe { ffi::RSMPI_REQUEST_NULL };
        // An empty memory's dangling address may be `MPI_IN_PLACE`'s value: see `sys::addr`.
        let send_at = super::addr(&send).cast::<S>();
        let recv_at = super::addr_mut(&mut recv).cast::<R>();
        code(function, start(send_at, recv_at, &mut request))?;
        Ok(InFlight {
            request,
            active: true,
            send,
            recv,
            function,
            arrays: Arrays::None,
            _comm: PhantomData,
        })
    }

    /// [`start_one`](InFlight::start_one) of an operation that also reads `arrays` (a
    /// v-collective's counts and displacements): `start` gets their address too, and the
    /// `InFlight` owns them from the start of the operation to its completion.
    pub(super) fn start_one_with_arrays(
        function: &'static str,
        send: Memory<S>,
        recv: Memory<R>,
        arrays: Arrays,
        start: impl FnOnce(*const S, *mut R, *const c_int, &mut ffi::MPI_Request) -> c_int,
    ) -> SysResult<InFlight<'c, S, R>> {
        // The heap allocation of `arrays` does not move when they move into the `InFlight`; on
        // an error no request was started, so nothing reads it after the drop.
        let at = arrays.as_ptr();
        let mut flight = InFlight::start_one(function, send, recv, |send, recv, request| {
            start(send, recv, at, request)
        })?;
        flight.arrays = arrays;
        Ok(flight)
    }

    /// An operation with nothing left for MPI to do: what a barrier whose agreement was the
    /// barrier starts.
    pub(crate) fn settled() -> InFlight<'c, S, R> {
        InFlight::settled_with(Memory::default(), Memory::default())
    }

    /// An operation with nothing left for MPI to do that hands back `send` and `recv`: a
    /// collective whose data its agreement carried.
    pub(crate) fn settled_with(send: Memory<S>, recv: Memory<R>) -> InFlight<'c, S, R> {
        InFlight {
            // SAFETY: reading the constant handle initialised by mpi-sys's C shim.
            request: unsafe { ffi::RSMPI_REQUEST_NULL },
            active: false,
            send,
            recv,
            function: "MPI_Iallreduce",
            arrays: Arrays::None,
            _comm: PhantomData,
        }
    }

    /// Whether the request has completed, without blocking (`MPI_Test`), the thread's waiting
    /// receives and collectives advanced first.
    pub(crate) fn test(&mut self) -> SysResult<bool> {
        if !matching::idle() {
            matching::drive();
        }
        self.test_alone()
    }

    /// [`test`](InFlight::test) of this request alone: what the thread's list of waiting
    /// collectives tests while it advances (advancing it again from there would re-enter it).
    pub(crate) fn test_alone(&mut self) -> SysResult<bool> {
        if !self.active {
            return Ok(true);
        }
        let mut flag: c_int = 0;
        // SAFETY: the request is active (started and not completed); the out-pointers are
        // valid (a collective's status is ignored).
        let result =
            unsafe { ffi::MPI_Test(&mut self.request, &mut flag, ffi::RSMPI_STATUS_IGNORE) };
        if result != 0 {
            // An error completes the request (MPI frees it).
            self.active = false;
            return code("MPI_Test", result).map(|()| false);
        }
        if flag != 0 {
            self.active = false;
        }
        Ok(flag != 0)
    }

    /// Waits for the request (`MPI_Wait`), then hands the memory back, the received elements
    /// validated.
    pub(crate) fn wait(mut self) -> SysResult<Completed<S, R>> {
        self.wait_in_place()
    }

    /// [`wait`](InFlight::wait) that leaves `self` completed and empty, its memory handed
    /// back: what is left to drop is nothing MPI uses (moving the whole `InFlight` out of the
    /// request that holds it would cost a copy of it).
    #[inline]
    pub(crate) fn wait_in_place(&mut self) -> SysResult<Completed<S, R>> {
        let completed = self.complete();
        // MPI reads the counts no more, whatever the outcome.
        self.recycle_arrays();
        completed?;
        validate(self.function, &mut self.recv)?;
        Ok(Completed {
            send: std::mem::take(&mut self.send),
            recv: std::mem::take(&mut self.recv),
            status: None,
        })
    }

    /// Gives the counts and displacements back for reuse, if there are any: MPI reads them no
    /// more.
    #[inline]
    fn recycle_arrays(&mut self) {
        if !matches!(self.arrays, Arrays::None) {
            std::mem::take(&mut self.arrays).recycle();
        }
    }

    /// Waits for the request if it is still active.
    #[inline]
    fn complete(&mut self) -> SysResult {
        if !self.active {
            return Ok(());
        }
        let waited = matching::wait(&mut self.request);
        // Complete after the wait returned, whatever it returned.
        self.active = false;
        waited.map(|_| ())
    }
}

impl<S: Element, R: Element> Drop for InFlight<'_, S, R> {
    fn drop(&mut self) {
        // The memory may only be freed once MPI is done with it: wait, whatever the outcome
        // (an error completes the request too).
        if self.active {
            let _ = matching::wait(&mut self.request);
            self.active = false;
        }
        self.recycle_arrays();
    }
}

/// The ints that [`Arrays`] keep in a recycled box: four per rank (an all-to-all's counts
/// and displacements, sent and received) up to 64 ranks.
const INLINE_ARRAYS: usize = 4 * 64;

/// The counts and displacements of a nonblocking v-collective, which MPI reads until it
/// completes: in a box whose allocation goes back to the thread's recycled ones when the
/// operation completes (see [`recycle`](crate::recycle)), so that a loop of v-collectives on
/// up to 64 ranks allocates nothing in steady state, or in a `Vec` on larger communicators.
#[derive(Debug, Default)]
pub(crate) enum Arrays {
    /// None: an operation without counts.
    #[default]
    None,
    /// `len` ints of a recycled box.
    Inline(Box<[c_int; INLINE_ARRAYS]>, usize),
    Heap(Vec<c_int>),
}

impl Arrays {
    /// `len` zeroed ints.
    pub(crate) fn zeroed(len: usize) -> Arrays {
        if len <= INLINE_ARRAYS {
            Arrays::Inline(recycle::boxed([0; INLINE_ARRAYS]), len)
        } else {
            Arrays::Heap(vec![0; len])
        }
    }

    fn as_ptr(&self) -> *const c_int {
        match self {
            Arrays::None => std::ptr::null(),
            Arrays::Inline(ints, _) => ints.as_ptr(),
            Arrays::Heap(ints) => ints.as_ptr(),
        }
    }

    /// Gives a box back for reuse; called once MPI no longer reads it.
    fn recycle(self) {
        if let Arrays::Inline(ints, _) = self {
            recycle::drop_recycled(ints);
        }
    }
}

impl std::ops::Deref for Arrays {
    type Target = [c_int];
    fn deref(&self) -> &[c_int] {
        match self {
            Arrays::None => &[],
            Arrays::Inline(ints, len) => &ints[..*len],
            Arrays::Heap(ints) => ints,
        }
    }
}

impl std::ops::DerefMut for Arrays {
    fn deref_mut(&mut self) -> &mut [c_int] {
        match self {
            Arrays::None => &mut [],
            Arrays::Inline(ints, len) => &mut ints[..*len],
            Arrays::Heap(ints) => ints,
        }
    }
}

/// `MPI_Ibarrier`.
pub(crate) fn ibarrier(comm: RawComm<'_>) -> SysResult<InFlight<'_, u8, u8>> {
    InFlight::start_one(
        "MPI_Ibarrier",
        Memory::default(),
        Memory::default(),
        |_, _, request| {
            // SAFETY: the communicator is valid for 'c; the request slot is valid.
            unsafe { ffi::MPI_Ibarrier(comm.handle, request) }
        },
    )
}

/// `MPI_Ibcast` of `data` from `root`: read at the root, written elsewhere.
pub(crate) fn ibcast<T: Element>(
    comm: RawComm<'_>,
    data: Memory<T>,
    root: c_int,
) -> SysResult<InFlight<'_, u8, T>> {
    let n = count(data.len())?;
    InFlight::start_one("MPI_Ibcast", Memory::default(), data, |_, data, request| {
        // SAFETY: `data` holds `n` initialised elements owned by the `InFlight` until
        // completion.
        unsafe { ffi::MPI_Ibcast(data.cast(), n, T::datatype(), root, comm.handle, request) }
    })
}

/// `MPI_Iallreduce` of `send` into `recv`, which hold the same number of elements; in place
/// (`MPI_IN_PLACE`: `recv` is input and output) when `send` is empty.
pub(crate) fn iallreduce<T: Element>(
    comm: RawComm<'_>,
    send: Memory<T>,
    recv: Memory<T>,
    op: OpKind,
) -> SysResult<InFlight<'_, T, T>> {
    let n = count(recv.len())?;
    let in_place_op = send.is_empty();
    assert!(
        in_place_op || send.len() == recv.len(),
        "spmd internal error: an iallreduce of {} elements into {}",
        send.len(),
        recv.len()
    );
    InFlight::start_one("MPI_Iallreduce", send, recv, |send, recv, request| {
        let send: *const std::ffi::c_void = if in_place_op { in_place() } else { send.cast() };
        // SAFETY: `recv` holds `n` initialised elements and `send` (unless MPI_IN_PLACE,
        // when MPI reads and writes `recv`) `n` more, both owned by the `InFlight` until
        // completion (the length check above).
        unsafe {
            ffi::MPI_Iallreduce(
                send,
                recv.cast(),
                n,
                T::datatype(),
                op_handle::<T>(op),
                comm.handle,
                request,
            )
        }
    })
}

/// Which all-to-all pattern [`iblocks`] starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Blocks {
    /// `MPI_Iallgather`: every rank's `send` block lands at its rank's place in every `recv`.
    Allgather,
    /// `MPI_Ialltoall`: block `i` of `send` goes to rank `i`.
    Alltoall,
}

/// `MPI_Iallgather` or `MPI_Ialltoall` of `send` into `recv`, which holds `size` blocks of
/// `block` elements; `send` holds one block (allgather) or `size` (alltoall).
pub(crate) fn iblocks<T: Element>(
    comm: RawComm<'_>,
    pattern: Blocks,
    send: Memory<T>,
    recv: Memory<T>,
    block: usize,
) -> SysResult<InFlight<'_, T, T>> {
    let send_blocks = match pattern {
        Blocks::Allgather => 1,
        Blocks::Alltoall => comm.size,
    };
    super::assert_blocks("the send buffer", send.len(), block, send_blocks);
    super::assert_blocks("the receive buffer", recv.len(), block, comm.size);
    let n = count(block)?;
    let function = match pattern {
        Blocks::Allgather => "MPI_Iallgather",
        Blocks::Alltoall => "MPI_Ialltoall",
    };
    InFlight::start_one(function, send, recv, |send, recv, request| {
        // SAFETY: `send` holds `send_blocks * n` elements and `recv` room for `size * n`
        // (checked above), both owned by the `InFlight` until completion.
        unsafe {
            let start = match pattern {
                Blocks::Allgather => ffi::MPI_Iallgather,
                Blocks::Alltoall => ffi::MPI_Ialltoall,
            };
            start(
                send.cast(),
                n,
                T::datatype(),
                recv.cast(),
                n,
                T::datatype(),
                comm.handle,
                request,
            )
        }
    })
}

/// `MPI_Iscan` (or `MPI_Iexscan` when `exclusive`) in place: `data` is input and output.
/// (`MPI_Iexscan` leaves rank 0's result undefined: callers overwrite it.)
pub(crate) fn iscan<T: Element>(
    comm: RawComm<'_>,
    exclusive: bool,
    data: Memory<T>,
    op: OpKind,
) -> SysResult<InFlight<'_, u8, T>> {
    let n = count(data.len())?;
    let (function, start) = scan_function(exclusive);
    InFlight::start_one(function, Memory::default(), data, |_, data, request| {
        // SAFETY: `data` holds `n` initialised elements owned by the `InFlight` until
        // completion; MPI_IN_PLACE makes MPI read and write it alone.
        unsafe {
            start(
                in_place(),
                data.cast(),
                n,
                T::datatype(),
                op_handle::<T>(op),
                comm.handle,
                request,
            )
        }
    })
}

/// The signature `MPI_Iscan` and `MPI_Iexscan` share.
type ScanStart = unsafe extern "C" fn(
    *const std::ffi::c_void,
    *mut std::ffi::c_void,
    c_int,
    ffi::MPI_Datatype,
    ffi::MPI_Op,
    ffi::MPI_Comm,
    *mut ffi::MPI_Request,
) -> c_int;

/// The name and function of a nonblocking scan: `MPI_Iexscan` when `exclusive`, else
/// `MPI_Iscan`.
fn scan_function(exclusive: bool) -> (&'static str, ScanStart) {
    if exclusive {
        ("MPI_Iexscan", ffi::MPI_Iexscan)
    } else {
        ("MPI_Iscan", ffi::MPI_Iscan)
    }
}

/// `MPI_Iscan` (or `MPI_Iexscan` when `exclusive`) of `send` with `op` into `recv`, as long.
pub(crate) fn iscan_into<T: Element>(
    comm: RawComm<'_>,
    exclusive: bool,
    send: Memory<T>,
    recv: Memory<T>,
    op: OpKind,
) -> SysResult<InFlight<'_, T, T>> {
    let n = count(send.len())?;
    assert!(
        recv.len() == send.len(),
        "spmd internal error: a scan of {} elements into {}",
        send.len(),
        recv.len()
    );
    let (function, start) = scan_function(exclusive);
    InFlight::start_one(function, send, recv, |send, recv, request| {
        // SAFETY: `send` holds `n` initialised elements and `recv` room for `n` (checked above),
        // both owned by the `InFlight` until completion.
        unsafe {
            start(
                send.cast(),
                recv.cast(),
                n,
                T::datatype(),
                op_handle::<T>(op),
                comm.handle,
                request,
            )
        }
    })
}

/// `MPI_Ireduce` of `send` with `op` at `root`, into `recv` (as long as `send`) at the root;
/// `recv` is empty and not used elsewhere.
pub(crate) fn ireduce<T: Element>(
    comm: RawComm<'_>,
    send: Memory<T>,
    recv: Memory<T>,
    op: OpKind,
    root: c_int,
) -> SysResult<InFlight<'_, T, T>> {
    let n = count(send.len())?;
    let at_root = comm.rank == root as usize;
    assert!(
        recv.len() == if at_root { send.len() } else { 0 },
        "spmd internal error: an ireduce of {} elements into {}",
        send.len(),
        recv.len()
    );
    InFlight::start_one("MPI_Ireduce", send, recv, |send, recv, request| {
        // SAFETY: `send` holds `n` elements and, at the root, `recv` room for `n` (checked
        // above), both owned by the `InFlight` until completion; elsewhere `recv` is empty (a
        // spare address, see `sys::addr`) and MPI ignores it.
        unsafe {
            ffi::MPI_Ireduce(
                send.cast(),
                recv.cast(),
                n,
                T::datatype(),
                op_handle::<T>(op),
                root,
                comm.handle,
                request,
            )
        }
    })
}

/// `MPI_Igather` of `send` at `root`, into `recv` (`size` blocks of `send.len()`) at the root;
/// `recv` is empty and not used elsewhere.
pub(crate) fn igather<T: Element>(
    comm: RawComm<'_>,
    send: Memory<T>,
    recv: Memory<T>,
    root: c_int,
) -> SysResult<InFlight<'_, T, T>> {
    let n = count(send.len())?;
    let at_root = comm.rank == root as usize;
    let blocks = if at_root { comm.size } else { 0 };
    super::assert_blocks(
        "an igather's receive buffer",
        recv.len(),
        send.len(),
        blocks,
    );
    InFlight::start_one("MPI_Igather", send, recv, |send, recv, request| {
        // SAFETY: `send` holds `n` elements and, at the root, `recv` room for `size * n`
        // (checked above), both owned by the `InFlight` until completion; elsewhere `recv` is
        // empty (a spare address, see `sys::addr`) and MPI ignores it.
        unsafe {
            ffi::MPI_Igather(
                send.cast(),
                n,
                T::datatype(),
                recv.cast(),
                n,
                T::datatype(),
                root,
                comm.handle,
                request,
            )
        }
    })
}

/// `MPI_Ireduce_scatter_block` of `send` (`size` blocks of `recv.len()`) with `op`, this rank's
/// block into `recv`.
pub(crate) fn ireduce_scatter_block<T: Element>(
    comm: RawComm<'_>,
    send: Memory<T>,
    recv: Memory<T>,
    op: OpKind,
) -> SysResult<InFlight<'_, T, T>> {
    let n = count(recv.len())?;
    super::assert_blocks(
        "an ireduce_scatter_block's send buffer",
        send.len(),
        recv.len(),
        comm.size,
    );
    InFlight::start_one(
        "MPI_Ireduce_scatter_block",
        send,
        recv,
        |send, recv, request| {
            // SAFETY: `send` holds `size * n` elements and `recv` room for `n` (checked
            // above), both owned by the `InFlight` until completion.
            unsafe {
                ffi::MPI_Ireduce_scatter_block(
                    send.cast(),
                    recv.cast(),
                    n,
                    T::datatype(),
                    op_handle::<T>(op),
                    comm.handle,
                    request,
                )
            }
        },
    )
}

/// `MPI_Iscatter` from `root`, whose `send` holds `size` blocks of `recv.len()` (not used
/// elsewhere), into `recv`.
pub(crate) fn iscatter<T: Element>(
    comm: RawComm<'_>,
    send: Memory<T>,
    recv: Memory<T>,
    root: c_int,
) -> SysResult<InFlight<'_, T, T>> {
    let n = count(recv.len())?;
    let at_root = comm.rank == root as usize;
    if at_root {
        super::assert_blocks(
            "an iscatter's send buffer",
            send.len(),
            recv.len(),
            comm.size,
        );
    }
    InFlight::start_one("MPI_Iscatter", send, recv, |send, recv, request| {
        // SAFETY: `recv` holds `n` elements and, at the root, `send` `size * n` (checked
        // above), both owned by the `InFlight` until completion; elsewhere MPI ignores `send`.
        unsafe {
            ffi::MPI_Iscatter(
                send.cast(),
                n,
                T::datatype(),
                recv.cast(),
                n,
                T::datatype(),
                root,
                comm.handle,
                request,
            )
        }
    })
}
