//! Pinned host memory per call site: what a device buffer is copied through on its way to and
//! from MPI.
//!
//! Like the host staging buffers of [`crate::cache`], a block belongs to the op's call site and
//! the buffer's position among the op's arguments (the same [`Key`]), lives as long as the
//! thread, and grows only when a call needs more than it holds: a loop over device buffers
//! allocates pinned memory on its first iteration and never again.

use std::cell::RefCell;
use std::collections::HashMap;
use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

use cudarc::driver::{CudaContext, PinnedHostSlice, sys};

use crate::cache::{Key, next_key};
use crate::element::Element;

/// The smallest block allocated: pinning is a system call, and tiny buffers are common.
const MIN_BLOCK_BYTES: usize = 4096;

/// Host memory that a staging cache holds.
pub(crate) trait Block {
    /// Its size in bytes.
    fn bytes(&self) -> usize;
    /// Its first byte, aligned for every element type.
    fn base(&self) -> *mut u8;
}

/// Blocks by call site and position; the allocator is a parameter so that the reuse rules are
/// tested without a GPU.
#[derive(Debug)]
pub(crate) struct BlockCache<B> {
    blocks: HashMap<Key, B>,
}

impl<B: Block> BlockCache<B> {
    pub(crate) fn new() -> BlockCache<B> {
        BlockCache {
            blocks: HashMap::new(),
        }
    }

    /// The block of `key` if it holds `bytes`, otherwise a new one from `alloc` (the old one is
    /// freed). The block is the caller's until it gives it back with [`put`](BlockCache::put).
    pub(crate) fn take<E>(
        &mut self,
        key: Key,
        bytes: usize,
        alloc: impl FnOnce(usize) -> Result<B, E>,
    ) -> Result<B, E> {
        match self.blocks.remove(&key) {
            Some(block) if block.bytes() >= bytes => Ok(block),
            old => {
                drop(old);
                alloc(bytes.max(MIN_BLOCK_BYTES))
            }
        }
    }

    /// Gives `block` back to `key`.
    pub(crate) fn put(&mut self, key: Key, block: B) {
        self.blocks.insert(key, block);
    }

    /// Bytes held, over all keys.
    pub(crate) fn bytes(&self) -> usize {
        self.blocks.values().map(Block::bytes).sum()
    }
}

/// Page-locked host memory from the CUDA driver, usable with every device (`PORTABLE`).
pub(crate) struct PinnedBlock {
    memory: PinnedHostSlice<u8>,
    base: *mut u8,
}

impl Block for PinnedBlock {
    fn bytes(&self) -> usize {
        self.memory.len()
    }
    fn base(&self) -> *mut u8 {
        self.base
    }
}

impl PinnedBlock {
    fn alloc(context: &std::sync::Arc<CudaContext>, bytes: usize) -> Result<PinnedBlock, String> {
        // Not write-combined (cudarc's default): MPI reads and writes this memory from the CPU.
        // SAFETY: the memory is uninitialised; it is only read as `T` after a device copy or a
        // caller has written the elements read (see `Pinned`).
        let mut memory =
            unsafe { context.alloc_pinned_with_flags::<u8>(bytes, sys::CU_MEMHOSTALLOC_PORTABLE) }
                .map_err(|error| format!("cuMemHostAlloc of {bytes} bytes failed: {error}"))?;
        // The block's event is never recorded (copies go through raw slices of it), so this
        // does not wait.
        let base = memory
            .as_mut_ptr()
            .map_err(|error| format!("pinned memory unusable: {error}"))?;
        Ok(PinnedBlock { memory, base })
    }
}

thread_local! {
    static PINNED: RefCell<BlockCache<PinnedBlock>> = RefCell::new(BlockCache::new());
}

/// Bytes of pinned host memory this thread holds for device buffers, over all call sites.
pub fn pinned_bytes() -> usize {
    PINNED.with_borrow(BlockCache::bytes)
}

/// `len` elements of `T` in the pinned block of the current op's next buffer position; the
/// block goes back to its call site when this is dropped.
///
/// The elements are those of the device buffer the op copied in (or, for buffers an op only
/// writes, what the op wrote): a `Pinned` is only handed out after that copy has finished.
pub struct Pinned<T: Element> {
    key: Key,
    block: Option<PinnedBlock>,
    len: usize,
    _elements: PhantomData<T>,
}

impl<T: Element> Pinned<T> {
    /// The next position's block, with room for `len` elements, contents unspecified until a
    /// device copy writes them (see [`as_uninit_mut`](Pinned::as_uninit_mut)).
    pub(crate) fn take(context: &std::sync::Arc<CudaContext>, len: usize) -> Pinned<T> {
        let key = next_key();
        let bytes = len
            .checked_mul(size_of::<T>())
            .unwrap_or_else(|| super::fail("the buffer's size overflows", "use smaller buffers"));
        let block = PINNED
            .with_borrow_mut(|cache| cache.take(key, bytes, |bytes| PinnedBlock::alloc(context, bytes)))
            .unwrap_or_else(|problem| {
                super::fail(
                    format!("could not pin {bytes} bytes of host memory to stage a device buffer: {problem}"),
                    "free host memory, or raise the locked-memory limit (ulimit -l)",
                )
            });
        Pinned {
            key,
            block: Some(block),
            len,
            _elements: PhantomData,
        }
    }

    /// The block as `len` elements for a device copy to write.
    ///
    /// # Safety
    /// Until the copy into the returned slice has finished, the elements must not be read as
    /// `T` (through [`Deref`]); every element type is plain data, so any bytes the copy writes
    /// are a valid `T`.
    pub(crate) unsafe fn as_uninit_mut(&mut self) -> &mut [T] {
        let block = self
            .block
            .as_ref()
            .expect("a Pinned holds its block until dropped");
        // SAFETY: the block holds at least `len * size_of::<T>()` bytes, page-aligned by the
        // driver (so aligned for every element type), and is uniquely owned through `self`;
        // the caller promises not to read elements before a copy wrote them.
        unsafe { std::slice::from_raw_parts_mut(block.base().cast::<T>(), self.len) }
    }
}

impl<T: Element> Deref for Pinned<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        let block = self
            .block
            .as_ref()
            .expect("a Pinned holds its block until dropped");
        // SAFETY: as in `as_uninit_mut`; a `Pinned` is only handed out after its elements were
        // written by a finished device copy or by the op.
        unsafe { std::slice::from_raw_parts(block.base().cast::<T>(), self.len) }
    }
}

impl<T: Element> DerefMut for Pinned<T> {
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as in `deref`; writing through the slice keeps every element a valid `T`.
        unsafe { self.as_uninit_mut() }
    }
}

impl<T: Element> Drop for Pinned<T> {
    fn drop(&mut self) {
        if let Some(block) = self.block.take() {
            // `try_with`: during thread teardown the cache may be gone; the block is then freed.
            let _ = PINNED.try_with(|cache| {
                if let Ok(mut cache) = cache.try_borrow_mut() {
                    cache.put(self.key, block);
                }
            });
        }
    }
}

impl<T: Element> std::fmt::Debug for Pinned<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pinned")
            .field("elements", &self.len)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Host memory standing in for pinned memory, numbered in allocation order.
    struct FakeBlock {
        memory: Vec<u128>,
        serial: usize,
    }

    impl Block for FakeBlock {
        fn bytes(&self) -> usize {
            self.memory.len() * size_of::<u128>()
        }
        fn base(&self) -> *mut u8 {
            self.memory.as_ptr().cast_mut().cast()
        }
    }

    struct Allocator {
        count: usize,
    }

    impl Allocator {
        fn alloc(&mut self, bytes: usize) -> Result<FakeBlock, String> {
            self.count += 1;
            Ok(FakeBlock {
                memory: vec![0; bytes.div_ceil(size_of::<u128>())],
                serial: self.count,
            })
        }
    }

    #[test]
    fn a_call_site_allocates_once_in_a_loop() {
        let mut cache = BlockCache::new();
        let mut allocator = Allocator { count: 0 };
        let key = (0x1000, 0);
        for _ in 0..100 {
            let block = cache
                .take(key, 8000, |bytes| allocator.alloc(bytes))
                .unwrap();
            assert_eq!(block.serial, 1);
            cache.put(key, block);
        }
        assert_eq!(allocator.count, 1);
        assert_eq!(cache.bytes(), 8000);
    }

    #[test]
    fn smaller_calls_reuse_and_larger_calls_grow() {
        let mut cache = BlockCache::new();
        let mut allocator = Allocator { count: 0 };
        let key = (0x2000, 1);
        let block = cache
            .take(key, 10_000, |bytes| allocator.alloc(bytes))
            .unwrap();
        cache.put(key, block);
        let block = cache.take(key, 16, |bytes| allocator.alloc(bytes)).unwrap();
        assert_eq!(block.serial, 1, "a smaller buffer fits in the block");
        cache.put(key, block);
        let block = cache
            .take(key, 20_000, |bytes| allocator.alloc(bytes))
            .unwrap();
        assert_eq!(block.serial, 2, "a larger buffer replaces the block");
        cache.put(key, block);
        assert_eq!(cache.bytes(), 20_000, "the old block is freed, not kept");
    }

    #[test]
    fn tiny_buffers_get_a_page_and_zero_is_fine() {
        let mut cache = BlockCache::new();
        let mut allocator = Allocator { count: 0 };
        let block = cache
            .take((1, 0), 0, |bytes| allocator.alloc(bytes))
            .unwrap();
        assert_eq!(block.bytes(), MIN_BLOCK_BYTES);
        cache.put((1, 0), block);
        let block = cache
            .take((1, 0), 4, |bytes| allocator.alloc(bytes))
            .unwrap();
        assert_eq!(allocator.count, 1);
        cache.put((1, 0), block);
    }

    #[test]
    fn sites_and_positions_do_not_share() {
        let mut cache = BlockCache::new();
        let mut allocator = Allocator { count: 0 };
        let keys = [(0x10, 0), (0x10, 1), (0x20, 0)];
        let blocks: Vec<_> = keys
            .iter()
            .map(|&key| cache.take(key, 64, |bytes| allocator.alloc(bytes)).unwrap())
            .collect();
        let serials: Vec<_> = blocks.iter().map(|block| block.serial).collect();
        assert_eq!(serials, [1, 2, 3]);
        for (key, block) in keys.into_iter().zip(blocks) {
            cache.put(key, block);
        }
        for key in keys {
            let block = cache.take(key, 64, |bytes| allocator.alloc(bytes)).unwrap();
            cache.put(key, block);
        }
        assert_eq!(allocator.count, 3, "each key keeps its own block");
    }

    #[test]
    fn an_allocation_failure_is_passed_on() {
        let mut cache: BlockCache<FakeBlock> = BlockCache::new();
        let error = cache
            .take((5, 0), 64, |_| Err("out of pinned memory".to_string()))
            .err();
        assert_eq!(error.as_deref(), Some("out of pinned memory"));
        assert_eq!(cache.bytes(), 0);
    }
}
