//! What ops accept and return: slices, `Vec`s, `ndarray` arrays of any dimension, and single
//! elements. An op returns the kind of buffer it was given.

use std::mem::MaybeUninit;
use std::ops::Deref;

use half::{bf16, f16};
use ndarray::{Array, ArrayBase, Axis, Data, DataMut, Dimension, RemoveAxis};
use num_complex::{Complex32, Complex64};

use crate::cache::Staged;
use crate::element::Element;

pub(crate) mod sealed {
    /// The supertrait that keeps the buffer traits to this crate's buffer kinds, and to the
    /// structs of `#[derive(spmd::Element)]` (which implements it, as
    /// `spmd::__private::element::BufferSealed`, for the struct as a buffer of one element).
    ///
    /// # Safety
    /// The type's [`Buffer`](super::Buffer) and [`BufferMut`](super::BufferMut) impls tell the
    /// truth: `element_count` is the length of the slices that `elements`, `with_elements`
    /// and `with_elements_mut` give, and a result made from `n` elements holds them. The ops
    /// size MPI's reads and writes by these answers.
    pub unsafe trait Sealed {}
}

/// The elements of a buffer in logical order, as [`Buffer::elements`] gives them: borrowed when
/// the buffer's memory already is in that order, otherwise a copy in the staging memory of the
/// op's call site (see [`Staged`]), which goes back to the call site when this is dropped.
#[derive(Debug)]
pub enum Elements<'a, T: Element> {
    /// The buffer's own memory.
    Borrowed(&'a [T]),
    /// A copy in the call site's host staging memory.
    Staged(Staged<T>),
    /// A copy of a device buffer in the call site's pinned host memory (see
    /// [`cuda::Pinned`](crate::cuda::Pinned)).
    #[cfg(feature = "cuda")]
    #[cfg_attr(docsrs, doc(cfg(feature = "cuda")))]
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

/// A buffer an op can read: its elements in logical (row-major) order, and how to build a
/// result of the same kind.
///
/// Arrays whose memory is not in standard order (transposed views, slices with steps) are
/// copied into logical order first, so data is never sent in memory order by mistake.
///
/// Sealed: implemented for `[T]`, `[T; N]`, `Vec<T>`, single elements, `ndarray` arrays and
/// views of any dimension, and (feature `cuda`) `cudarc` device memory. The ops hand MPI only
/// the slices these implementations give, so a buffer cannot make MPI read or write outside
/// its memory; sealing keeps the promises the ops rely on besides (a result built by
/// [`owned_from`](Buffer::owned_from) has the input's shape) inside this crate.
pub trait Buffer: sealed::Sealed {
    /// The element type.
    type Elem: Element;
    /// A buffer of the same kind and shape that owns its data (`Vec` for slices, `Array` for
    /// arrays and views, the element itself for single elements).
    type Owned: 'static;
    /// What building an [`Owned`](Buffer::Owned) buffer needs of this one besides the data,
    /// detached from it: nothing for slices and elements, the dimensions of an array, the
    /// stream of device memory. A nonblocking op keeps it, not a borrow of the buffer, until
    /// its request completes.
    type Shape: 'static;

    /// Whether every buffer of this type has the same number of elements (an element,
    /// `[T; N]`): then two ranks that run the same call of the same binary pass the same
    /// count, which lets a run of equal collectives in a function `#[spmd_jit]` proved skip
    /// its agreements (the book's reference chapter: where the guards are skipped).
    const LEN_BY_TYPE: bool = false;

    /// The elements in logical order: borrowed when the memory already is, otherwise copied
    /// into the staging buffer of the op's call site (see [`Elements`]), which later calls of
    /// the same site reuse.
    fn elements(&self) -> Elements<'_, Self::Elem>;

    /// Runs `f` on the elements in logical order, as [`elements`](Buffer::elements) gives
    /// them; a small non-contiguous array (up to 1 KiB) is copied onto the stack instead of
    /// into the call site's staging buffer, which is cheaper still.
    #[inline]
    fn with_elements<R>(&self, f: impl FnOnce(&[Self::Elem]) -> R) -> R {
        f(&self.elements())
    }

    /// The number of elements.
    fn element_count(&self) -> usize;

    /// This buffer's [`Shape`](Buffer::Shape).
    fn shape_of(&self) -> Self::Shape;

    /// A buffer of the kind and shape `shape` holding `data`, which has as many elements as
    /// the buffer `shape` was taken from.
    fn owned_from_shape(shape: &Self::Shape, data: Vec<Self::Elem>) -> Self::Owned;

    /// A buffer of this one's kind and shape holding `data`, which has
    /// [`element_count`](Buffer::element_count) elements.
    #[inline]
    fn owned_from(&self, data: Vec<Self::Elem>) -> Self::Owned {
        Self::owned_from_shape(&self.shape_of(), data)
    }
}

/// A buffer that ops which stack one buffer per rank (`gather`, `allgather`) accept.
pub trait Stackable: Buffer {
    /// `parts` buffers of this shape stacked along a new first axis (for slices and elements:
    /// concatenated into one `Vec`).
    type Stacked: 'static;

    /// `parts` buffers of shape `shape` stacked, holding `data` (`parts` times the elements of
    /// the buffer `shape` was taken from).
    fn stacked_from_shape(
        shape: &Self::Shape,
        parts: usize,
        data: Vec<Self::Elem>,
    ) -> Self::Stacked;

    /// The stacked buffer holding `data`, which has `parts * element_count()` elements.
    #[inline]
    fn stacked_from(&self, parts: usize, data: Vec<Self::Elem>) -> Self::Stacked {
        Self::stacked_from_shape(&self.shape_of(), parts, data)
    }
}

/// A buffer that ops which split a buffer into one block per rank (`scatter`, `alltoall`)
/// accept.
pub trait Splittable: Buffer {
    /// One block of the buffer: for arrays, a sub-array without the first axis; for slices, a
    /// `Vec` of `len / parts` elements.
    type Block: 'static;

    /// The number of elements of one of `parts` blocks, or a description of why the buffer
    /// cannot be split so.
    fn block_len(&self, parts: usize) -> Result<usize, String>;

    /// One block holding `data`, which has `block_len(parts)` elements.
    fn block_from(&self, parts: usize, data: Vec<Self::Elem>) -> Self::Block {
        Self::block_from_shape(&self.shape_of(), parts, data)
    }

    /// [`block_from`](Splittable::block_from) of a buffer of shape `shape`: what a request
    /// makes its block from once the buffer's borrow has ended.
    #[doc(hidden)]
    fn block_from_shape(shape: &Self::Shape, parts: usize, data: Vec<Self::Elem>) -> Self::Block;
}

/// A buffer an op can write into: in-place variants and `*_into` ops. Sealed, as [`Buffer`].
pub trait BufferMut: sealed::Sealed {
    /// The element type.
    type Elem: Element;

    /// As [`Buffer::LEN_BY_TYPE`]: whether every buffer of this type has the same number of
    /// elements.
    const LEN_BY_TYPE: bool = false;

    /// The number of elements.
    fn element_count(&self) -> usize;

    /// Runs `f` on the elements in logical order. Non-contiguous arrays are copied into the
    /// staging buffer of the op's call site (onto the stack up to 1 KiB) and copied back
    /// afterwards; slices, `Vec`s and standard-layout arrays are used directly.
    fn with_elements_mut<R>(&mut self, f: impl FnOnce(&mut [Self::Elem]) -> R) -> R;

    /// Runs `f` on room for the elements in logical order, for ops that only write them
    /// (receives). Contiguous buffers are used directly (elements `f` does not write keep their
    /// values); a non-contiguous array is staged without reading it first, which saves a pass
    /// over its memory, and then `written` says from `f`'s result how many leading elements
    /// `f` wrote (any number from the length up meaning all): only those reach the array. It is
    /// not called for contiguous buffers, so a receive asks MPI for its count only when needed.
    fn with_elements_out<R>(
        &mut self,
        f: impl FnOnce(&mut [Self::Elem]) -> R,
        written: impl FnOnce(&R) -> usize,
    ) -> R {
        let _ = written;
        self.with_elements_mut(f)
    }
}

/// The `written` argument of [`BufferMut::with_elements_out`] for ops that fill the whole
/// buffer.
#[inline]
pub(crate) fn every_element<R>(_: &R) -> usize {
    usize::MAX
}

// ---- slices and Vec -------------------------------------------------------------------------

pub(crate) fn flat_block_len(len: usize, parts: usize) -> Result<usize, String> {
    if parts > 0 && len.is_multiple_of(parts) {
        Ok(len / parts)
    } else {
        Err(format!(
            "the buffer has {len} elements, which is not a multiple of the {parts} ranks"
        ))
    }
}

macro_rules! flat_buffer {
    ($($ty:ty),*) => {$(
        // SAFETY: the impls below give the slice itself, its length as the count.
        unsafe impl<T: Element> sealed::Sealed for $ty {}

        impl<T: Element> Buffer for $ty {
            type Elem = T;
            type Owned = Vec<T>;
            type Shape = ();
            #[inline]
            fn elements(&self) -> Elements<'_, T> {
                Elements::Borrowed(&self[..])
            }
            #[inline]
            fn with_elements<R>(&self, f: impl FnOnce(&[T]) -> R) -> R {
                f(&self[..])
            }
            #[inline]
            fn element_count(&self) -> usize {
                self.len()
            }
            #[inline]
            fn shape_of(&self) {}
            #[inline]
            fn owned_from_shape(_: &(), data: Vec<T>) -> Vec<T> {
                data
            }
        }

        impl<T: Element> Stackable for $ty {
            type Stacked = Vec<T>;
            #[inline]
            fn stacked_from_shape(_: &(), _parts: usize, data: Vec<T>) -> Vec<T> {
                data
            }
        }

        impl<T: Element> Splittable for $ty {
            type Block = Vec<T>;
            #[inline]
            fn block_len(&self, parts: usize) -> Result<usize, String> {
                flat_block_len(self.len(), parts)
            }
            #[inline]
            fn block_from_shape(_: &(), _parts: usize, data: Vec<T>) -> Vec<T> {
                data
            }
        }

        impl<T: Element> BufferMut for $ty {
            type Elem = T;
            #[inline]
            fn element_count(&self) -> usize {
                self.len()
            }
            #[inline]
            fn with_elements_mut<R>(&mut self, f: impl FnOnce(&mut [T]) -> R) -> R {
                f(&mut self[..])
            }
        }
    )*};
}

flat_buffer!([T], Vec<T>);

// SAFETY: the impls below give the array as a slice, `N` as the count.
unsafe impl<T: Element, const N: usize> sealed::Sealed for [T; N] {}

impl<T: Element, const N: usize> Buffer for [T; N] {
    type Elem = T;
    type Owned = [T; N];
    type Shape = ();
    const LEN_BY_TYPE: bool = true;
    #[inline]
    fn elements(&self) -> Elements<'_, T> {
        Elements::Borrowed(&self[..])
    }
    #[inline]
    fn with_elements<R>(&self, f: impl FnOnce(&[T]) -> R) -> R {
        f(&self[..])
    }
    #[inline]
    fn element_count(&self) -> usize {
        N
    }
    #[inline]
    fn shape_of(&self) {}
    #[inline]
    fn owned_from_shape(_: &(), data: Vec<T>) -> [T; N] {
        <[T; N]>::try_from(data)
            .unwrap_or_else(|_| panic!("spmd internal error: result length differs from {N}"))
    }
}

/// A fixed array per rank: `gather(&[a, b, c], ..)` gives one `[T; N]` per rank.
impl<T: Element, const N: usize> Stackable for [T; N] {
    type Stacked = Vec<[T; N]>;
    #[inline]
    fn stacked_from_shape(_: &(), parts: usize, data: Vec<T>) -> Vec<[T; N]> {
        (0..parts)
            .map(|part| {
                <[T; N]>::try_from(&data[part * N..(part + 1) * N])
                    .expect("spmd internal error: a stacked result of the wrong length")
            })
            .collect()
    }
}

impl<T: Element, const N: usize> Splittable for [T; N] {
    type Block = Vec<T>;
    #[inline]
    fn block_len(&self, parts: usize) -> Result<usize, String> {
        flat_block_len(N, parts)
    }
    #[inline]
    fn block_from_shape(_: &(), _parts: usize, data: Vec<T>) -> Vec<T> {
        data
    }
}

impl<T: Element, const N: usize> BufferMut for [T; N] {
    type Elem = T;
    const LEN_BY_TYPE: bool = true;
    #[inline]
    fn element_count(&self) -> usize {
        N
    }
    #[inline]
    fn with_elements_mut<R>(&mut self, f: impl FnOnce(&mut [T]) -> R) -> R {
        f(&mut self[..])
    }
}

// ---- single elements ------------------------------------------------------------------------

macro_rules! scalar_buffer {
    ($($t:ty),*) => {$(
        // SAFETY: the impls below give the value as a slice of one, 1 as the count.
        unsafe impl sealed::Sealed for $t {}

        impl Buffer for $t {
            type Elem = $t;
            type Owned = $t;
            type Shape = ();
            const LEN_BY_TYPE: bool = true;
            #[inline]
            fn elements(&self) -> Elements<'_, $t> {
                Elements::Borrowed(std::slice::from_ref(self))
            }
            #[inline]
            fn with_elements<R>(&self, f: impl FnOnce(&[$t]) -> R) -> R {
                f(std::slice::from_ref(self))
            }
            #[inline]
            fn element_count(&self) -> usize {
                1
            }
            #[inline]
            fn shape_of(&self) {}
            #[inline]
            fn owned_from_shape(_: &(), data: Vec<$t>) -> $t {
                data[0]
            }
        }

        impl Stackable for $t {
            type Stacked = Vec<$t>;
            #[inline]
            fn stacked_from_shape(_: &(), _parts: usize, data: Vec<$t>) -> Vec<$t> {
                data
            }
        }

        impl BufferMut for $t {
            type Elem = $t;
            const LEN_BY_TYPE: bool = true;
            #[inline]
            fn element_count(&self) -> usize {
                1
            }
            #[inline]
            fn with_elements_mut<R>(&mut self, f: impl FnOnce(&mut [$t]) -> R) -> R {
                f(std::slice::from_mut(self))
            }
        }
    )*};
}

scalar_buffer!(
    i8, i16, i32, i64, isize, u8, u16, u32, u64, usize, f32, f64, bool, Complex32, Complex64, f16,
    bf16
);

// ---- ndarray --------------------------------------------------------------------------------

// SAFETY: the impls below count the array's elements and give them in logical order (a copy
// when the layout is not standard), or write them through a slice of the same count.
unsafe impl<S, D> sealed::Sealed for ArrayBase<S, D>
where
    S: Data,
    S::Elem: Element,
    D: Dimension,
{
}

impl<S, D> Buffer for ArrayBase<S, D>
where
    S: Data,
    S::Elem: Element,
    // Every dimension type of ndarray is.
    D: Dimension + 'static,
{
    type Elem = S::Elem;
    type Owned = Array<S::Elem, D>;
    type Shape = D;

    #[inline]
    fn elements(&self) -> Elements<'_, S::Elem> {
        match self.as_slice() {
            Some(slice) => Elements::Borrowed(slice),
            None => Elements::Staged(self.staged()),
        }
    }

    #[inline]
    fn with_elements<R>(&self, f: impl FnOnce(&[S::Elem]) -> R) -> R {
        if let Some(slice) = self.as_slice() {
            return f(slice);
        }
        if fits_on_stack::<S::Elem>(self.len()) {
            return on_stack(self.len(), |room| {
                copy_in(self, room);
                // SAFETY: `copy_in` wrote every element of the room.
                f(unsafe { assume_init(room) })
            });
        }
        f(&self.staged())
    }

    #[inline]
    fn element_count(&self) -> usize {
        self.len()
    }

    #[inline]
    fn shape_of(&self) -> D {
        self.raw_dim()
    }

    fn owned_from_shape(shape: &D, data: Vec<S::Elem>) -> Array<S::Elem, D> {
        Array::from_shape_vec(shape.clone(), data)
            .expect("spmd internal error: result length differs from the input's shape")
    }
}

impl<S, D> Stackable for ArrayBase<S, D>
where
    S: Data,
    S::Elem: Element,
    D: Dimension + 'static,
    D::Larger: 'static,
{
    type Stacked = Array<S::Elem, D::Larger>;

    fn stacked_from_shape(shape: &D, parts: usize, data: Vec<S::Elem>) -> Self::Stacked {
        let mut dim = shape.clone().insert_axis(Axis(0));
        dim.slice_mut()[0] = parts;
        Array::from_shape_vec(dim, data)
            .expect("spmd internal error: stacked length differs from parts x shape")
    }
}

impl<S, D> Splittable for ArrayBase<S, D>
where
    S: Data,
    S::Elem: Element,
    D: RemoveAxis + 'static,
{
    type Block = Array<S::Elem, D::Smaller>;

    fn block_len(&self, parts: usize) -> Result<usize, String> {
        match self.shape().first() {
            None => Err(
                "the array has no axes (0 dimensions), so it has no first axis to split"
                    .to_string(),
            ),
            Some(&first) if first == parts => Ok(self.len() / parts.max(1)),
            Some(&first) => Err(format!(
                "the array has shape {:?}: its first axis has length {first}, but the \
                 communicator has {parts} ranks",
                self.shape()
            )),
        }
    }

    fn block_from_shape(shape: &D, _parts: usize, data: Vec<S::Elem>) -> Self::Block {
        Array::from_shape_vec(shape.remove_axis(Axis(0)), data)
            .expect("spmd internal error: block length differs from the block's shape")
    }
}

impl<S, D> BufferMut for ArrayBase<S, D>
where
    S: DataMut,
    S::Elem: Element,
    D: Dimension,
{
    type Elem = S::Elem;

    #[inline]
    fn element_count(&self) -> usize {
        self.len()
    }

    fn with_elements_mut<R>(&mut self, f: impl FnOnce(&mut [S::Elem]) -> R) -> R {
        if let Some(slice) = self.as_slice_mut() {
            return f(slice);
        }
        if fits_on_stack::<S::Elem>(self.len()) {
            return on_stack(self.len(), |room| {
                copy_in(self, room);
                // SAFETY: `copy_in` wrote every element of the room.
                let data = unsafe { assume_init(room) };
                let result = f(data);
                unstage(self, data);
                result
            });
        }
        let mut staged = self.staged();
        let result = f(&mut staged);
        unstage(self, &staged);
        result
    }

    fn with_elements_out<R>(
        &mut self,
        f: impl FnOnce(&mut [S::Elem]) -> R,
        written: impl FnOnce(&R) -> usize,
    ) -> R {
        if let Some(slice) = self.as_slice_mut() {
            return f(slice);
        }
        if fits_on_stack::<S::Elem>(self.len()) {
            return on_stack(self.len(), |room| {
                // SAFETY: the room has `room.len()` elements; all-zero bytes are a value of
                // every element type, so afterwards every element is initialised.
                let data = unsafe {
                    std::ptr::write_bytes(room.as_mut_ptr(), 0, room.len());
                    assume_init(room)
                };
                let result = f(data);
                let written = written(&result).min(data.len());
                unstage(self, &data[..written]);
                result
            });
        }
        let mut staged = Staged::<S::Elem>::for_output(self.len());
        let result = f(&mut staged);
        // A short message: only its elements reach the buffer.
        let written = written(&result).min(staged.len());
        unstage(self, &staged[..written]);
        result
    }
}

/// Copies `from` into the first `from.len()` elements of `array` in logical order: the way
/// back from staging.
#[inline]
fn unstage<S, D>(array: &mut ArrayBase<S, D>, from: &[S::Elem])
where
    S: DataMut,
    S::Elem: Element,
    D: Dimension,
{
    // `for_each` lets ndarray run its own loop over the strides, as in `staged`; for small
    // arrays it is also cheaper than `assign`, which checks shapes and layouts first.
    let mut from = from.iter();
    array.iter_mut().for_each(|element| {
        if let Some(&value) = from.next() {
            *element = value;
        }
    });
}

/// Staging of non-contiguous arrays in the call site's cache.
trait Stage<T: Element> {
    /// The elements in logical order, copied into the call site's staging buffer.
    fn staged(&self) -> Staged<T>;
}

impl<S, D> Stage<S::Elem> for ArrayBase<S, D>
where
    S: Data,
    S::Elem: Element,
    D: Dimension,
{
    fn staged(&self) -> Staged<S::Elem> {
        // SAFETY: `copy_in` writes every one of the `len()` slots of the room.
        unsafe { Staged::written_by(self.len(), |room| copy_in(self, room)) }
    }
}

/// Copies the elements of `array` in logical order into `room`, which has exactly as many.
#[inline]
fn copy_in<S, D>(array: &ArrayBase<S, D>, room: &mut [MaybeUninit<S::Elem>])
where
    S: Data,
    S::Elem: Element,
    D: Dimension,
{
    assert_eq!(
        room.len(),
        array.len(),
        "spmd internal error: staging length"
    );
    // `for_each` lets ndarray run its own loop over the strides (internal iteration), several
    // times faster than pulling elements one by one.
    let mut next = room.as_mut_ptr();
    array.iter().for_each(|&element| {
        // SAFETY: the array yields exactly `room.len()` elements (asserted above), so `next`
        // stays within the room (as ndarray's own `to_vec` writes its result).
        unsafe {
            next.write(MaybeUninit::new(element));
            next = next.add(1);
        }
    });
}

/// Bytes up to which a non-contiguous array is staged on the stack rather than in the call
/// site's cache: no lookup, nothing to give back.
const STACK_STAGING: usize = 1024;

#[inline]
fn fits_on_stack<T>(len: usize) -> bool {
    len <= STACK_STAGING / size_of::<T>().max(1)
}

/// Runs `f` on room for `len` elements of `T` on the stack (at most [`STACK_STAGING`] bytes).
#[inline(always)]
fn on_stack<T: Element, R>(len: usize, f: impl FnOnce(&mut [MaybeUninit<T>]) -> R) -> R {
    assert!(
        fits_on_stack::<T>(len),
        "spmd internal error: {len} elements do not fit the stack staging"
    );
    // 16-byte units: aligned for every element type.
    let mut room = MaybeUninit::<[u128; STACK_STAGING / 16]>::uninit();
    // SAFETY: the room holds `STACK_STAGING` bytes, enough for `len` elements of `T` (asserted
    // above), aligned for `T`; `MaybeUninit` places no requirement on them.
    f(unsafe { std::slice::from_raw_parts_mut(room.as_mut_ptr().cast::<MaybeUninit<T>>(), len) })
}

/// The elements of `room` as values.
///
/// # Safety
/// Every element of `room` must be initialised.
#[inline(always)]
unsafe fn assume_init<T: Element>(room: &mut [MaybeUninit<T>]) -> &mut [T] {
    // SAFETY: `MaybeUninit<T>` has the layout of `T` and the caller promises every element is
    // initialised. MPI writes into it only through `sys`, which repairs anything that is not a
    // value of `T` (a `bool` byte other than 0 or 1) before the elements are read.
    unsafe { &mut *(std::ptr::from_mut(room) as *mut [T]) }
}

/// A `Vec` of `len` zeros: the initialised memory allocating receives hand to MPI, so that
/// elements a short or mismatched message does not write are zeros, never stale memory.
/// (`vec![zero; n]` of a primitive type allocates zeroed memory, which costs no pass over it.)
#[inline]
pub(crate) fn zeroed<T: Element>(len: usize) -> Vec<T> {
    vec![T::ZERO; len]
}
