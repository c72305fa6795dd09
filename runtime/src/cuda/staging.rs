//! Pinned host memory per call site: what a device buffer is copied through on its way to and
//! from MPI.
//!
//! The same design as the host staging buffers of [`crate::cache`]: a [`PinnedChunk`] is a
//! [`Chunk`] kept by the thread's cache under the op's call site and the buffer's position
//! among the op's arguments; it lives as long as the thread and is replaced only when a call
//! needs more than it holds. A loop over device buffers pins memory on its first iteration and
//! never again.

use std::cell::RefCell;
use std::ptr::NonNull;
use std::sync::Arc;

use cudarc::driver::{CudaContext, PinnedHostSlice, sys};

use crate::cache::{Chunk, ChunkCache, Lent, LentError};
use crate::element::Element;

/// Page-locked host memory from the CUDA driver, usable with every device (`PORTABLE`), zeroed
/// when allocated.
pub struct PinnedChunk {
    memory: PinnedHostSlice<u8>,
    base: NonNull<u8>,
}

impl std::fmt::Debug for PinnedChunk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PinnedChunk")
            .field("bytes", &self.memory.len())
            .finish_non_exhaustive()
    }
}

thread_local! {
    static PINNED: RefCell<ChunkCache<PinnedChunk>> = const { RefCell::new(ChunkCache::new()) };
}

impl Chunk for PinnedChunk {
    /// Pinning is a system call, and tiny buffers are common.
    const MIN_BYTES: usize = 4096;
    fn bytes(&self) -> usize {
        self.memory.len()
    }
    fn base(&self) -> NonNull<u8> {
        self.base
    }
    fn with_cache<R>(f: impl FnOnce(&mut ChunkCache<PinnedChunk>) -> R) -> Option<R> {
        PINNED
            .try_with(|cache| cache.try_borrow_mut().ok().map(|mut cache| f(&mut cache)))
            .ok()
            .flatten()
    }
}

impl PinnedChunk {
    fn alloc(context: &Arc<CudaContext>, bytes: usize) -> Result<PinnedChunk, String> {
        // Not write-combined (cudarc's default): MPI reads and writes this memory from the CPU.
        // SAFETY: the memory is uninitialised until the `write_bytes` below, and nothing reads
        // it before.
        let mut memory =
            unsafe { context.alloc_pinned_with_flags::<u8>(bytes, sys::CU_MEMHOSTALLOC_PORTABLE) }
                .map_err(|error| format!("cuMemHostAlloc of {bytes} bytes failed: {error}"))?;
        // The chunk's event is never recorded (copies go through slices of it), so this does
        // not wait.
        let base = memory
            .as_mut_ptr()
            .map_err(|error| format!("pinned memory unusable: {error}"))?;
        let base = NonNull::new(base).ok_or("cuMemHostAlloc returned a null pointer")?;
        // SAFETY: the driver allocated `bytes` bytes at `base`, owned by `memory` alone.
        unsafe { std::ptr::write_bytes(base.as_ptr(), 0, bytes) };
        Ok(PinnedChunk { memory, base })
    }
}

/// Bytes of pinned host memory this thread holds for device buffers, over all call sites
/// (chunks lent to an op in progress are not counted).
pub fn pinned_bytes() -> usize {
    PINNED.with_borrow(ChunkCache::bytes)
}

/// `len` elements of `T` in the pinned chunk of the current op's next buffer position; the
/// chunk goes back to its call site when this is dropped (see [`Lent`]).
pub type Pinned<T> = Lent<T, PinnedChunk>;

/// The next position's pinned chunk, with room for `len` elements of `T`, valid but
/// unspecified until a device copy or the op writes them.
pub(crate) fn take<T: Element>(context: &Arc<CudaContext>, len: usize) -> Pinned<T> {
    Lent::take(len, |bytes| PinnedChunk::alloc(context, bytes)).unwrap_or_else(
        |error| match error {
            LentError::TooLarge => {
                super::fail("the buffer's size overflows", "use smaller buffers")
            }
            LentError::Alloc(problem) => super::fail(
                format!(
                    "could not pin {} bytes of host memory to stage a device buffer: {problem}",
                    len.saturating_mul(size_of::<T>())
                ),
                "free host memory, or raise the locked-memory limit (ulimit -l)",
            ),
        },
    )
}
