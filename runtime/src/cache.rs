//! The per-call-site cache: what a call site prepares on its first call is reused by its later
//! calls.
//!
//! Today that is staging memory: buffers that are not contiguous in logical order (transposed
//! views, slices with steps, columns) are copied into one contiguous run for MPI (and, for
//! receives, back out after); with the `cuda` feature, device buffers are copied through pinned
//! host memory. The hot-loop forms (`send`, `sendrecv_into`, the `_into` and in-place ops) stage
//! host buffers of up to 1 KiB on the stack instead, which needs no lookup at all.
//!
//! One design serves both kinds of memory. A [`Chunk`] is memory of one kind (a host `Vec`, or
//! a pinned allocation); a thread's [`ChunkCache`] of that kind keeps up to [`PER_KEY`] chunks
//! per [`Key`]: the call site (file, line, column of the user's call) and the buffer's position
//! among the op's arguments. An op takes a chunk out of the cache ([`Lent`]), so the chunk is
//! owned, not shared, while MPI or a device copy uses it, and puts it back when the `Lent` is
//! dropped; a chunk too small for a call is replaced by a larger one. Several chunks per key
//! serve a call site whose nonblocking ops are in flight several at a time (a loop of `isend`s
//! to each neighbour): the memory a request copies into comes back when it completes. A
//! forgotten request keeps its chunk forever (it is never put back), so MPI never writes into
//! memory that another op was lent. A halo exchange of array columns in a
//! loop copies but never allocates after its first iteration. Every chunk is zeroed when
//! allocated, so its bytes are always initialised, and a `Lent` of `bool`s is zeroed again
//! before use: every element handed out is a valid value of its type.
//!
//! Contiguous host buffers (slices, `Vec`s, standard-layout arrays) are used in place and never
//! touch the cache.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::mem::{MaybeUninit, align_of, size_of};
use std::ops::{Deref, DerefMut};
use std::panic::Location;
use std::ptr::NonNull;

use crate::element::Element;

/// A staging chunk's key: the call site's address and the buffer's position in the op.
pub(crate) type Key = (usize, u8);

/// The alignment every chunk provides: enough for every element type.
pub(crate) const CHUNK_ALIGN: usize = 16;

thread_local! {
    /// The call site of the op in progress on this thread, and the next staging position.
    static CURRENT: Cell<Key> = const { Cell::new((0, 0)) };
    /// This thread's host staging chunks.
    static HOST: RefCell<ChunkCache<HostChunk>> = const { RefCell::new(ChunkCache::new()) };
}

mod sealed {
    /// Memory that a staging cache holds (sealed: the cache trusts `bytes` and `base`).
    pub trait Chunk: Sized + 'static {
        /// The smallest chunk allocated.
        const MIN_BYTES: usize;
        /// Its size in bytes.
        fn bytes(&self) -> usize;
        /// Its first byte, aligned to [`CHUNK_ALIGN`](super::CHUNK_ALIGN); all `bytes()` bytes
        /// are initialised, and nobody but the chunk's owner uses them.
        fn base(&self) -> std::ptr::NonNull<u8>;
        /// Runs `f` on this thread's cache of such chunks, unless the cache is gone (thread
        /// teardown) or in use further up the stack.
        fn with_cache<R>(f: impl FnOnce(&mut super::ChunkCache<Self>) -> R) -> Option<R>;
    }
}
pub(crate) use sealed::Chunk;

/// The most chunks a thread's cache keeps for one [`Key`]: more in flight at once are freed
/// when they come back.
pub(crate) const PER_KEY: usize = 8;

/// A thread's chunks of one kind, up to [`PER_KEY`] per [`Key`].
#[derive(Debug)]
pub struct ChunkCache<C> {
    chunks: HashMap<Key, Vec<C>, KeyHash>,
}

impl<C: Chunk> ChunkCache<C> {
    /// An empty cache.
    pub(crate) const fn new() -> ChunkCache<C> {
        ChunkCache {
            chunks: HashMap::with_hasher(KeyHash),
        }
    }

    /// Gives `chunk` back to `key` (or frees it, when `key` holds [`PER_KEY`] already).
    pub(crate) fn put(&mut self, key: Key, chunk: C) {
        let chunks = self.chunks.entry(key).or_default();
        if chunks.len() < PER_KEY {
            chunks.push(chunk);
        }
    }

    /// The chunk of `key` given back last, if it holds one.
    fn take(&mut self, key: Key) -> Option<C> {
        self.chunks.get_mut(&key).and_then(Vec::pop)
    }

    /// Bytes held, over all keys (chunks lent out are not counted).
    pub(crate) fn bytes(&self) -> usize {
        self.chunks.values().flatten().map(Chunk::bytes).sum()
    }
}

/// Host memory for staging: zeroed `u128`s, so aligned to 16 and always initialised.
#[derive(Debug)]
pub struct HostChunk(Vec<u128>);

impl HostChunk {
    fn alloc(bytes: usize) -> Result<HostChunk, std::convert::Infallible> {
        Ok(HostChunk(vec![0; bytes.div_ceil(size_of::<u128>())]))
    }
}

impl Chunk for HostChunk {
    /// Smaller host buffers are staged on the stack by the hot-loop forms.
    const MIN_BYTES: usize = 1024;
    fn bytes(&self) -> usize {
        self.0.len() * size_of::<u128>()
    }
    fn base(&self) -> NonNull<u8> {
        NonNull::from(self.0.as_slice()).cast()
    }
    fn with_cache<R>(f: impl FnOnce(&mut ChunkCache<HostChunk>) -> R) -> Option<R> {
        HOST.try_with(|cache| cache.try_borrow_mut().ok().map(|mut cache| f(&mut cache)))
            .ok()
            .flatten()
    }
}

/// Hashes a [`Key`] with one multiplication: keys are addresses of `'static` call sites, which
/// no one chooses adversarially, and the lookup sits on an op's path.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct KeyHash;

impl std::hash::BuildHasher for KeyHash {
    type Hasher = KeyHasher;
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(0)
    }
}

pub(crate) struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }
    fn write_u8(&mut self, value: u8) {
        self.write_u64(u64::from(value));
    }
    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }
    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// Marks the start of an op at `site` (called by every op; one thread-local write).
#[inline]
pub(crate) fn begin(site: &'static Location<'static>) {
    CURRENT.set((std::ptr::from_ref(site) as usize, 0));
}

/// The key of the next staging buffer of the current call site (the next position among the
/// op's buffers).
#[inline]
pub(crate) fn next_key() -> Key {
    let key = CURRENT.get();
    CURRENT.set((key.0, key.1.wrapping_add(1)));
    key
}

/// Bytes of host staging memory this thread holds, over all call sites.
pub fn staging_bytes() -> usize {
    HOST.with_borrow(ChunkCache::bytes)
}

/// `len` elements of `T` in a chunk taken from the current call site's cache (the next buffer
/// position); the chunk goes back to the cache when this is dropped.
///
/// Every element is a valid `T` at all times: chunks are zeroed when allocated, and for types
/// with invalid bit patterns (`bool`) the elements are zeroed again when lent.
pub struct Lent<T: Element, C: Chunk> {
    key: Key,
    /// `Some` until dropped.
    chunk: Option<C>,
    len: usize,
    _elements: PhantomData<T>,
}

/// Host staging memory of the current call site (see [`Lent`]).
pub type Staged<T> = Lent<T, HostChunk>;

impl<T: Element, C: Chunk> Lent<T, C> {
    /// The next position's chunk, with room for `len` elements of `T` (a new chunk from
    /// `alloc`, given the bytes needed, if the cache has none large enough). The elements are
    /// valid `T`s but otherwise unspecified: what an earlier op left there, or zeros.
    pub(crate) fn take<E>(
        len: usize,
        alloc: impl FnOnce(usize) -> Result<C, E>,
    ) -> Result<Lent<T, C>, LentError<E>> {
        const { assert!(align_of::<T>() <= CHUNK_ALIGN) };
        let key = next_key();
        let bytes = len.checked_mul(size_of::<T>()).ok_or(LentError::TooLarge)?;
        let cached = C::with_cache(|cache| cache.take(key)).flatten();
        let chunk = match cached {
            Some(chunk) if chunk.bytes() >= bytes => chunk,
            old => {
                drop(old);
                alloc(bytes.max(C::MIN_BYTES)).map_err(LentError::Alloc)?
            }
        };
        assert!(
            chunk.bytes() >= bytes,
            "a staging chunk is smaller than asked"
        );
        let lent = Lent {
            key,
            chunk: Some(chunk),
            len,
            _elements: PhantomData,
        };
        if !T::ANY_BITS_VALID {
            // SAFETY: the chunk holds at least `len` elements of `T` (checked above) and is
            // owned by `lent`.
            unsafe { std::ptr::write_bytes(lent.ptr().as_ptr(), 0, len) };
        }
        Ok(lent)
    }

    #[inline]
    fn ptr(&self) -> NonNull<T> {
        self.chunk
            .as_ref()
            .expect("a Lent holds its chunk until dropped")
            .base()
            .cast()
    }
}

/// Why a [`Lent`] could not be made.
#[derive(Debug)]
pub(crate) enum LentError<E> {
    /// `len * size_of::<T>()` overflows `usize`.
    TooLarge,
    /// The allocator failed.
    Alloc(E),
}

impl<T: Element> Staged<T> {
    /// Takes the host staging buffer of the next position of the current call site, with its
    /// `len` elements written by `init`.
    ///
    /// # Safety
    /// `init` must initialise every one of the `len` elements it is given before returning
    /// normally.
    pub(crate) unsafe fn written_by(
        len: usize,
        init: impl FnOnce(&mut [MaybeUninit<T>]),
    ) -> Staged<T> {
        let mut staged = Self::for_output(len);
        // SAFETY: `MaybeUninit<T>` has `T`'s layout; the caller writes valid `T`s only.
        let room = unsafe {
            std::slice::from_raw_parts_mut(staged.as_mut_ptr().cast::<MaybeUninit<T>>(), len)
        };
        init(room);
        staged
    }

    /// Takes the host staging buffer of the next position of the current call site, with `len`
    /// elements of `T`, for MPI to write into. Their values are valid `T`s but otherwise
    /// unspecified (what an earlier op left there, or zeros): read only what MPI wrote.
    pub(crate) fn for_output(len: usize) -> Staged<T> {
        Lent::take(len, HostChunk::alloc).unwrap_or_else(|error| match error {
            LentError::TooLarge => panic!(
                "a staging buffer of {len} elements of {} overflows the address space",
                T::NAME
            ),
            LentError::Alloc(never) => match never {},
        })
    }
}

impl<T: Element, C: Chunk> Deref for Lent<T, C> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` is aligned for `T` (`CHUNK_ALIGN`) and points to at least `len` of
        // them, in a chunk this `Lent` owns alone while it lives. Every element is a valid `T`:
        // the chunk's bytes are initialised, every bit pattern is a value of every element type
        // except `bool`, whose elements `take` zeroed, and only `T`'s own values are written
        // through `deref_mut` (or by MPI and device copies for `T`'s datatype, validated for
        // `bool` by `sys` after every receive).
        unsafe { std::slice::from_raw_parts(self.ptr().as_ptr(), self.len) }
    }
}

impl<T: Element, C: Chunk> DerefMut for Lent<T, C> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as in `deref`; the memory is uniquely borrowed through `self`.
        unsafe { std::slice::from_raw_parts_mut(self.ptr().as_ptr(), self.len) }
    }
}

impl<T: Element, C: Chunk> Drop for Lent<T, C> {
    #[inline]
    fn drop(&mut self) {
        if let Some(chunk) = self.chunk.take() {
            let key = self.key;
            // When the cache is gone (thread teardown) or busy, the chunk is simply freed.
            let _ = C::with_cache(move |cache| cache.put(key, chunk));
        }
    }
}

impl<T: Element, C: Chunk> std::fmt::Debug for Lent<T, C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lent")
            .field("elements", &self.len)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn staged_from<T: Element>(values: Vec<T>) -> Staged<T> {
        // SAFETY: every element is written.
        unsafe {
            Staged::written_by(values.len(), |room| {
                for (slot, value) in room.iter_mut().zip(values) {
                    slot.write(value);
                }
            })
        }
    }

    #[track_caller]
    fn here() -> &'static Location<'static> {
        Location::caller()
    }

    #[test]
    fn a_call_site_reuses_its_staging_memory() {
        let site = here();
        begin(site);
        let first = staged_from((0..1000).map(f64::from).collect());
        assert_eq!(first[999], 999.0);
        let address = first.as_ptr();
        drop(first);
        begin(site);
        let second = staged_from((0..500).map(|i| f64::from(i) * 2.0).collect());
        assert_eq!(
            second.as_ptr(),
            address,
            "same site and position: same memory"
        );
        assert_eq!(second.len(), 500);
        assert_eq!(second[499], 998.0);
        // A second buffer of the same op gets its own memory.
        let other = staged_from(vec![1u8, 2, 3]);
        assert_ne!(other.as_ptr().cast::<f64>(), address);
        assert_eq!(&*other, &[1, 2, 3]);
    }

    #[test]
    fn different_sites_do_not_share() {
        let (a, b) = (here(), here());
        let before = staging_bytes();
        begin(a);
        let staged_a = staged_from((0..4).collect::<Vec<i32>>());
        begin(b);
        let staged_b = staged_from((10..14).collect::<Vec<i32>>());
        assert_eq!(&*staged_a, &[0, 1, 2, 3]);
        assert_eq!(&*staged_b, &[10, 11, 12, 13]);
        let address_a = staged_a.as_ptr();
        drop((staged_a, staged_b));
        assert!(
            staging_bytes() >= before + 2 * HostChunk::MIN_BYTES,
            "both are kept by the cache"
        );
        begin(a);
        let again = staged_from(vec![7i32; 4]);
        assert_eq!(again.as_ptr(), address_a, "site a's memory came back to it");
    }

    #[test]
    fn a_chunk_in_use_is_not_lent_twice() {
        let site = here();
        begin(site);
        let outer = staged_from(vec![1.0f64; 8]);
        // The same site and position again while `outer` lives: an op nested in another.
        begin(site);
        let inner = staged_from(vec![2.0f64; 8]);
        assert_ne!(
            outer.as_ptr(),
            inner.as_ptr(),
            "the lent chunk was lent again"
        );
        assert_eq!(&*outer, &[1.0; 8]);
        assert_eq!(&*inner, &[2.0; 8]);
        drop(inner);
        drop(outer);
        begin(site);
        let after = Staged::<f64>::for_output(8);
        assert_eq!(after.len(), 8);
    }

    #[test]
    fn output_staging_of_bool_is_zeroed() {
        let site = here();
        begin(site);
        drop(staged_from(vec![0xffu8; 16]));
        begin(site);
        // The same memory as the bytes above, which are not `bool`s: it must be zeroed.
        let flags = Staged::<bool>::for_output(16);
        assert!(flags.iter().all(|&flag| !flag));
    }

    #[test]
    fn chunks_in_flight_together_at_one_site_all_come_back() {
        let site = here();
        let before = staging_bytes();
        let lend = || {
            begin(site);
            Staged::<f64>::for_output(1000)
        };
        let first: Vec<Staged<f64>> = (0..3).map(|_| lend()).collect();
        let addresses: Vec<*const f64> = first.iter().map(|staged| staged.as_ptr()).collect();
        drop(first);
        assert_eq!(staging_bytes(), before + 3 * 8000, "all three are kept");
        let second: Vec<Staged<f64>> = (0..3).map(|_| lend()).collect();
        for staged in &second {
            assert!(addresses.contains(&staged.as_ptr()), "no new memory");
        }
        drop(second);
        // More than a key keeps: the extra chunks are freed when they come back.
        let many: Vec<Staged<f64>> = (0..PER_KEY + 2).map(|_| lend()).collect();
        drop(many);
        assert_eq!(staging_bytes(), before + PER_KEY * 8000);
    }

    #[test]
    fn a_larger_call_replaces_the_chunk() {
        let site = here();
        begin(site);
        drop(Staged::<f64>::for_output(10));
        let small = staging_bytes();
        begin(site);
        let big = Staged::<f64>::for_output(10_000);
        assert!(big.iter().all(|x| x.is_finite()));
        drop(big);
        assert_eq!(
            staging_bytes(),
            small - HostChunk::MIN_BYTES + 80_000,
            "the old chunk is freed, not kept"
        );
    }

    #[test]
    fn a_size_that_overflows_is_refused() {
        begin(here());
        let result = Lent::<f64, HostChunk>::take(usize::MAX / 4, HostChunk::alloc);
        assert!(matches!(result, Err(LentError::TooLarge)));
    }

    /// Memory standing in for another kind of chunk (pinned memory), numbered in allocation
    /// order: the cache's reuse rules hold whatever the memory.
    #[derive(Debug)]
    struct FakeChunk {
        memory: Vec<u128>,
        serial: usize,
    }

    thread_local! {
        static FAKE: RefCell<ChunkCache<FakeChunk>> = const { RefCell::new(ChunkCache::new()) };
    }

    impl Chunk for FakeChunk {
        const MIN_BYTES: usize = 4096;
        fn bytes(&self) -> usize {
            self.memory.len() * size_of::<u128>()
        }
        fn base(&self) -> NonNull<u8> {
            NonNull::from(self.memory.as_slice()).cast()
        }
        fn with_cache<R>(f: impl FnOnce(&mut ChunkCache<FakeChunk>) -> R) -> Option<R> {
            FAKE.with(|cache| cache.try_borrow_mut().ok().map(|mut cache| f(&mut cache)))
        }
    }

    struct Allocator {
        count: usize,
    }

    impl Allocator {
        fn alloc(&mut self, bytes: usize) -> Result<FakeChunk, String> {
            self.count += 1;
            Ok(FakeChunk {
                memory: vec![0; bytes.div_ceil(size_of::<u128>())],
                serial: self.count,
            })
        }
    }

    #[test]
    fn a_call_site_allocates_once_in_a_loop() {
        let site = here();
        let mut allocator = Allocator { count: 0 };
        for i in 0..100 {
            begin(site);
            let mut lent = Lent::<f64, FakeChunk>::take(1000, |bytes| allocator.alloc(bytes))
                .expect("the fake allocator never fails");
            assert_eq!(lent.chunk.as_ref().map(|chunk| chunk.serial), Some(1));
            lent[999] = f64::from(i);
        }
        assert_eq!(allocator.count, 1);
        assert_eq!(FAKE.with_borrow(ChunkCache::bytes), 8000);
    }

    #[test]
    fn tiny_chunks_get_the_minimum_and_sites_do_not_share() {
        let mut allocator = Allocator { count: 0 };
        let (a, b) = (here(), here());
        begin(a);
        let first = Lent::<u8, FakeChunk>::take(0, |bytes| allocator.alloc(bytes)).unwrap();
        let second = Lent::<u8, FakeChunk>::take(4, |bytes| allocator.alloc(bytes)).unwrap();
        begin(b);
        let third = Lent::<u8, FakeChunk>::take(4, |bytes| allocator.alloc(bytes)).unwrap();
        assert_eq!(first.chunk.as_ref().unwrap().bytes(), FakeChunk::MIN_BYTES);
        assert_eq!(
            allocator.count, 3,
            "each site and position has its own chunk"
        );
        drop((first, second, third));
        begin(a);
        let again = Lent::<u8, FakeChunk>::take(4000, |bytes| allocator.alloc(bytes)).unwrap();
        assert_eq!(
            again.chunk.as_ref().unwrap().serial,
            1,
            "a smaller call reuses"
        );
        assert_eq!(allocator.count, 3);
    }

    #[test]
    fn an_allocation_failure_is_passed_on() {
        begin(here());
        let result = Lent::<f64, FakeChunk>::take(64, |_| Err("out of pinned memory".to_string()));
        match result {
            Err(LentError::Alloc(message)) => assert_eq!(message, "out of pinned memory"),
            other => panic!("expected the allocator's error, got {other:?}"),
        }
    }
}
