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
use std::mem::{align_of, size_of};
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
    static STAGING: RefCell<HashMap<Key, Vec<Unit>>> = RefCell::new(HashMap::new());
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
    /// Takes the staging buffer of the next position of the current call site, filled with
    /// `elements` (exactly `len` of them).
    pub(crate) fn filled(len: usize, elements: impl Iterator<Item = T>) -> Staged<T> {
        const { assert!(align_of::<T>() <= align_of::<Unit>()) };
        let key = next_key();
        let mut storage = STAGING
            .with_borrow_mut(|map| map.remove(&key))
            .unwrap_or_default();
        let units = (len * size_of::<T>()).div_ceil(size_of::<Unit>());
        if storage.len() < units {
            storage.resize(units, 0);
        }
        let base = storage.as_mut_ptr().cast::<T>();
        let mut written = 0;
        for (index, element) in elements.take(len).enumerate() {
            // SAFETY: `storage` holds at least `len * size_of::<T>()` bytes aligned for `T`
            // (checked above), and `index < len`.
            unsafe { base.add(index).write(element) };
            written += 1;
        }
        assert_eq!(
            written, len,
            "spmd internal error: a buffer yielded fewer elements than it has"
        );
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
                map.insert(self.key, storage);
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

    #[track_caller]
    fn here() -> &'static Location<'static> {
        Location::caller()
    }

    #[test]
    fn a_call_site_reuses_its_staging_memory() {
        let site = here();
        begin(site);
        let first = Staged::<f64>::filled(1000, (0..1000).map(f64::from));
        assert_eq!(first[999], 999.0);
        let address = first.as_ptr();
        drop(first);
        begin(site);
        let second = Staged::<f64>::filled(500, (0..500).map(|i| f64::from(i) * 2.0));
        assert_eq!(
            second.as_ptr(),
            address,
            "same site and position: same memory"
        );
        assert_eq!(second.len(), 500);
        assert_eq!(second[499], 998.0);
        // A second buffer of the same op gets its own memory.
        let other = Staged::<u8>::filled(3, [1u8, 2, 3].into_iter());
        assert_ne!(other.as_ptr().cast::<f64>(), address);
        assert_eq!(&*other, &[1, 2, 3]);
    }

    #[test]
    fn different_sites_do_not_share() {
        let (a, b) = (here(), here());
        begin(a);
        let staged_a = Staged::<i32>::filled(4, 0..4);
        begin(b);
        let staged_b = Staged::<i32>::filled(4, 10..14);
        assert_eq!(&*staged_a, &[0, 1, 2, 3]);
        assert_eq!(&*staged_b, &[10, 11, 12, 13]);
        let before = staging_bytes();
        drop((staged_a, staged_b));
        assert!(staging_bytes() >= before + 32, "both go back to the cache");
    }
}
