//! The per-call-site cache: what a call site prepares on its first call is reused by its later
//! calls.
//!
//! Today that is the staging memory of buffers that are not contiguous in logical order
//! (transposed views, slices with steps, columns): MPI needs their elements in one contiguous
//! run, so they are copied into a staging buffer first (and, for receives, back out after).
//! The hot-loop forms (`send`, `sendrecv_into`, the `_into` and in-place ops) stage buffers of
//! up to 1 KiB on the stack instead, which needs no lookup at all.
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
use std::ptr::NonNull;

use crate::element::Element;

/// Storage unit of a staging buffer: its alignment (16) covers every element type.
type Unit = u128;

/// A staging buffer's key: the call site's address and the buffer's position in the op.
pub(crate) type Key = (usize, u8);

thread_local! {
    /// The call site of the op in progress on this thread, and the next staging position.
    static CURRENT: Cell<Key> = const { Cell::new((0, 0)) };
    static STAGING: RefCell<Cache> = const {
        RefCell::new(Cache {
            slot_of: HashMap::with_hasher(KeyHash),
            slots: Vec::new(),
        })
    };
}

/// A thread's staging buffers: one slot per key, found by one hash lookup when a buffer is
/// lent, and given back by its index. The memory stays in its slot while lent: a [`Staged`]
/// points into it, and the slot is marked busy until the `Staged` is dropped.
struct Cache {
    slot_of: HashMap<Key, usize, KeyHash>,
    slots: Vec<Slot>,
}

struct Slot {
    storage: Vec<Unit>,
    /// Lent to a live [`Staged`]: nobody else may use or resize `storage`.
    busy: bool,
}

impl Cache {
    /// Lends `key`'s storage, grown to at least `units`: its slot and address, or `None` if a
    /// live `Staged` already has it (an op nested in another at the same call site and
    /// position).
    #[inline]
    fn lend(&mut self, key: Key, units: usize) -> Option<(usize, NonNull<Unit>)> {
        let index = match self.slot_of.get(&key) {
            Some(&index) => index,
            None => {
                let index = self.slots.len();
                self.slots.push(Slot {
                    storage: Vec::new(),
                    busy: false,
                });
                self.slot_of.insert(key, index);
                index
            }
        };
        let slot = &mut self.slots[index];
        if slot.busy {
            return None;
        }
        if slot.storage.len() < units {
            slot.storage.resize(units, 0);
        }
        slot.busy = true;
        Some((index, NonNull::from(slot.storage.as_mut_slice()).cast()))
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        // A `Staged` that outlives its thread's cache (held in another thread-local that is
        // destroyed later) still points into its slot: that memory is leaked, not freed.
        for slot in &mut self.slots {
            if slot.busy {
                std::mem::forget(std::mem::take(&mut slot.storage));
            }
        }
    }
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
    STAGING.with_borrow(|cache| {
        cache
            .slots
            .iter()
            .map(|slot| slot.storage.capacity() * size_of::<Unit>())
            .sum()
    })
}

/// A staging buffer of `len` elements of `T` lent by the current call site's cache; it goes
/// back to the cache when dropped.
pub struct Staged<T: Element> {
    /// The first element: in the slot's storage, or in `_own`.
    ptr: NonNull<T>,
    len: usize,
    /// The cache's slot that lent the memory; `usize::MAX` if the memory is `_own`.
    slot: usize,
    /// Memory of this buffer alone, when the cache could not lend any (empty otherwise).
    _own: Vec<Unit>,
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
        let staged = Self::lent(len);
        // SAFETY: the memory holds at least `len` elements of `T`, aligned for `T` and not
        // used by anyone else while `staged` lives (see `lent`); `MaybeUninit` places no
        // requirement on their bytes.
        let room = unsafe {
            std::slice::from_raw_parts_mut(staged.ptr.as_ptr().cast::<MaybeUninit<T>>(), len)
        };
        init(room);
        staged
    }

    /// The next position's memory, with room for `len` elements of `T`; its bytes are
    /// initialised (zeros, or what an earlier op left there).
    #[inline]
    fn lent(len: usize) -> Staged<T> {
        const { assert!(align_of::<T>() <= align_of::<Unit>()) };
        let key = next_key();
        let units = (len * size_of::<T>()).div_ceil(size_of::<Unit>());
        let lent = STAGING
            .try_with(|cache| {
                cache
                    .try_borrow_mut()
                    .ok()
                    .and_then(|mut cache| cache.lend(key, units))
            })
            .ok()
            .flatten();
        match lent {
            Some((slot, ptr)) => Staged {
                ptr: ptr.cast(),
                len,
                slot,
                _own: Vec::new(),
                _elements: PhantomData,
            },
            None => {
                let mut own = vec![0; units];
                Staged {
                    ptr: NonNull::from(own.as_mut_slice()).cast(),
                    len,
                    slot: usize::MAX,
                    _own: own,
                    _elements: PhantomData,
                }
            }
        }
    }

    /// Takes the staging buffer of the next position of the current call site, with `len`
    /// elements of `T`, for MPI to write into. Their values are valid `T`s but otherwise
    /// unspecified: what an earlier op left there, or zeros for `bool`, whose other bit
    /// patterns are not values. Read only what MPI wrote.
    pub(crate) fn for_output(len: usize) -> Staged<T> {
        let staged = Self::lent(len);
        if !T::ANY_BITS_VALID {
            // SAFETY: the memory holds at least `len` elements of `T` (see `lent`).
            unsafe { std::ptr::write_bytes(staged.ptr.as_ptr(), 0, len) };
        }
        staged
    }
}

impl<T: Element> Deref for Staged<T> {
    type Target = [T];
    #[inline]
    fn deref(&self) -> &[T] {
        // SAFETY: `ptr` is aligned for `T` and points to at least `len` of them, all
        // initialised (by `written_by`'s `init`, or as bytes that are a valid `T`: every bit
        // pattern is one, except for `bool`, which `for_output` zeroes); only `deref_mut`
        // (with `T`'s own values) writes there afterwards. The memory is not freed, resized or
        // lent to anyone else while `self` lives: its slot is busy (or it is `_own`), and a
        // cache dropped meanwhile leaks busy slots instead of freeing them.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Element> DerefMut for Staged<T> {
    #[inline]
    fn deref_mut(&mut self) -> &mut [T] {
        // SAFETY: as in `deref`; the memory is uniquely borrowed through `self`. Every element
        // type is plain data, so whatever MPI writes for its datatype is a valid `T`.
        unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len) }
    }
}

impl<T: Element> Drop for Staged<T> {
    #[inline]
    fn drop(&mut self) {
        if self.slot == usize::MAX {
            return;
        }
        // `try_with`: during thread teardown the cache may already be gone (it then leaked
        // this slot's memory).
        let _ = STAGING.try_with(|cache| {
            if let Ok(mut cache) = cache.try_borrow_mut()
                && let Some(slot) = cache.slots.get_mut(self.slot)
            {
                slot.busy = false;
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
        let before = staging_bytes();
        begin(a);
        let staged_a = staged_from((0..4).collect::<Vec<i32>>());
        begin(b);
        let staged_b = staged_from((10..14).collect::<Vec<i32>>());
        assert_eq!(&*staged_a, &[0, 1, 2, 3]);
        assert_eq!(&*staged_b, &[10, 11, 12, 13]);
        assert!(staging_bytes() >= before + 32, "both are kept by the cache");
        let address_a = staged_a.as_ptr();
        drop((staged_a, staged_b));
        begin(a);
        let again = staged_from(vec![7i32; 4]);
        assert_eq!(again.as_ptr(), address_a, "site a's memory came back to it");
    }

    #[test]
    fn a_slot_in_use_is_not_lent_twice() {
        let site = here();
        begin(site);
        let outer = staged_from(vec![1.0f64; 8]);
        // The same site and position again while `outer` lives: an op nested in another.
        begin(site);
        let inner = staged_from(vec![2.0f64; 8]);
        assert_ne!(
            outer.as_ptr(),
            inner.as_ptr(),
            "the busy slot was lent again"
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
}
