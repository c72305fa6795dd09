//! The per-call-site cache: what a call site prepares on its first call is reused by its later
//! calls.
//!
//! Today that is the staging memory of buffers that are not contiguous in logical order
//! (transposed views, slices with steps, columns): MPI needs their elements in one contiguous
//! run, so they are copied into a staging buffer first (and, for receives, back out after).
//! The staging buffer belongs to the call site (file, line, column of the user's call) and to
//! the buffer's position among the op's arguments, and lives as long as the thread: a halo
//! exchange of array columns in a loop copies but never allocates after its first iteration.
//!
//! Contiguous buffers (slices, `Vec`s, standard-layout arrays) are used in place and never
//! touch the cache.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::mem::{MaybeUninit, align_of, size_of};
use std::ops::{Deref, DerefMut};
use std::panic::Location;

use crate::element::Element;

/// Storage unit of a staging buffer: its alignment (16) covers every element type.
type Unit = u128;

/// A staging buffer's key: the call site's address and the buffer's position in the op.
pub(crate) type Key = (usize, u8);

thread_local! {
    /// The call site of the op in progress on this thread, and the next staging position.
    static CURRENT: Cell<Key> = const { Cell::new((0, 0)) };
    static STAGING: RefCell<HashMap<Key, Vec<Unit>, KeyHash>> =
        const { RefCell::new(HashMap::with_hasher(KeyHash)) };
}

/// Hashes a [`Key`] with one multiplication: keys are addresses of `'static` call sites, which
/// no one chooses adversarially, and the lookup sits on an op's path.
#[derive(Clone, Copy, Default)]
struct KeyHash;

impl std::hash::BuildHasher for KeyHash {
    type Hasher = KeyHasher;
    fn build_hasher(&self) -> KeyHasher {
        KeyHasher(0)
    }
}

struct KeyHasher(u64);

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

/// Bytes of staging memory this thread holds, over all call sites.
pub fn staging_bytes() -> usize {
    STAGING.with_borrow(|map| map.values().map(|v| v.capacity() * size_of::<Unit>()).sum())
}

/// A staging buffer of `len` elements of `T` taken from the current call site's cache; it goes
/// back to the cache when dropped.
pub struct Staged<T: Element> {
    key: Key,
    storage: Vec<Unit>,
    len: usize,
    _elements: PhantomData<T>,
}

impl<T: Element> Staged<T> {
    /// Takes the staging buffer of the next position of the current call site, with its `len`
    /// elements written by `init`.
    ///
    /// # Safety
    /// `init` must initialise every one of the `len` elements it is given before returning
    /// normally.
    pub(crate) unsafe fn written_by(
        len: usize,
        init: impl FnOnce(&mut [MaybeUninit<T>]),
    ) -> Staged<T> {
        let (key, mut storage) = Self::storage(len);
        // SAFETY: the storage holds at least `len` elements of `T`, aligned for `T` (see
        // `storage`); `MaybeUninit` places no requirement on their bytes.
        let room = unsafe {
            std::slice::from_raw_parts_mut(storage.as_mut_ptr().cast::<MaybeUninit<T>>(), len)
        };
        init(room);
        Staged {
            key,
            storage,
            len,
            _elements: PhantomData,
        }
    }
}

impl<T: Element> Staged<T> {
    /// The next position's storage with room for `len` elements of `T`, contents unspecified.
    fn storage(len: usize) -> (Key, Vec<Unit>) {
        const { assert!(align_of::<T>() <= align_of::<Unit>()) };
        let key = next_key();
        let mut storage = STAGING
            .with_borrow_mut(|map| map.get_mut(&key).map(std::mem::take))
            .unwrap_or_default();
        let units = (len * size_of::<T>()).div_ceil(size_of::<Unit>());
        if storage.len() < units {
            storage.resize(units, 0);
        }
        (key, storage)
    }

    /// Takes the staging buffer of the next position of the current call site, with `len`
    /// elements of `T` whose bytes are all zero (a valid value of every element type).
    pub(crate) fn zeroed(len: usize) -> Staged<T> {
        let (key, mut storage) = Self::storage(len);
        let bytes = len * size_of::<T>();
        // SAFETY: the storage holds at least `bytes` bytes (see `storage`).
        unsafe { std::ptr::write_bytes(storage.as_mut_ptr().cast::<u8>(), 0, bytes) };
        Staged {
            key,
            storage,
            len,
            _elements: PhantomData,
        }
    }
}

impl<T: Element> Deref for Staged<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        // SAFETY: `filled` wrote `len` elements of `T` at the start of the aligned storage, and
        // only `deref_mut` (with `T`'s own values) writes there afterwards.
        unsafe { std::slice::from_raw_parts(self.storage.as_ptr().cast::<T>(), self.len) }
    }
}

impl<T: Element> DerefMut for Staged<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as in `deref`; the storage is uniquely borrowed through `self`. Every element
        // type is plain data, so whatever MPI writes for its datatype is a valid `T`.
        unsafe { std::slice::from_raw_parts_mut(self.storage.as_mut_ptr().cast::<T>(), self.len) }
    }
}

impl<T: Element> Drop for Staged<T> {
    fn drop(&mut self) {
        let storage = std::mem::take(&mut self.storage);
        // `try_with`: during thread teardown the cache may already be gone; the memory is then
        // simply freed.
        let _ = STAGING.try_with(|map| {
            if let Ok(mut map) = map.try_borrow_mut() {
                // `get_mut` first: inserting an existing key into a full map may still grow it.
                match map.get_mut(&self.key) {
                    Some(slot) => *slot = storage,
                    None => {
                        map.insert(self.key, storage);
                    }
                }
            }
        });
    }
}

impl<T: Element> std::fmt::Debug for Staged<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Staged")
            .field("elements", &self.len)
            .finish_non_exhaustive()
    }
}

/// The elements of a buffer in logical order: borrowed when its memory already is, staged in
/// the call site's cache otherwise.
#[derive(Debug)]
pub enum Elements<'a, T: Element> {
    /// The buffer's own memory.
    Borrowed(&'a [T]),
    /// A copy in the call site's staging buffer.
    Staged(Staged<T>),
    /// A copy of a device buffer in the call site's pinned host memory.
    #[cfg(feature = "cuda")]
    Pinned(crate::cuda::Pinned<T>),
}

impl<T: Element> Deref for Elements<'_, T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        match self {
            Elements::Borrowed(slice) => slice,
            Elements::Staged(staged) => staged,
            #[cfg(feature = "cuda")]
            Elements::Pinned(pinned) => pinned,
        }
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
        begin(a);
        let staged_a = staged_from((0..4).collect());
        begin(b);
        let staged_b = staged_from((10..14).collect());
        assert_eq!(&*staged_a, &[0, 1, 2, 3]);
        assert_eq!(&*staged_b, &[10, 11, 12, 13]);
        let before = staging_bytes();
        drop((staged_a, staged_b));
        assert!(staging_bytes() >= before + 32, "both go back to the cache");
    }
}
