//! What a nonblocking point-to-point op takes as its buffer: one lent for the call (`&buf`,
//! `&mut buf`), whose elements the request copies, or a `Vec` handed over, which the request
//! uses where it is and hands back.
//!
//! MPI uses a nonblocking op's memory until the request completes, and a borrow cannot be
//! made to last that long (`std::mem::forget` ends it without running any code), so a lent
//! buffer is copied: into memory of the call site's cache ([`Staged`]), which comes back to the
//! call site when the request completes, so a loop allocates nothing after its first rounds. A
//! `Vec` handed over needs no copy: its heap memory does not move with it, the request owns
//! it, and a forgotten request leaks it, so MPI never touches memory the program can reach. A
//! buffer lent to a scope ([`crate::scope`]) needs none either: the scope outlives every op
//! given it, forgotten requests' included.

use crate::buffer::Buffer;
use crate::buffer::{BufferMut, sealed::Sealed};
use crate::cache::Staged;
use crate::element::Element;
use crate::ops::p2p::Status;
use crate::scope::{Lend, LendMut, Lending};
use crate::sys::Memory;

/// A buffer that [`isend`](crate::isend) sends: lent (`&buf`, any [`Buffer`]) or handed over
/// (a `Vec`).
///
/// - `&buf`: the elements are copied when the op is issued, into memory the call site reuses
///   (no allocation once a loop has run a few times), and `buf` is free again at once; the
///   request's result is `()`.
/// - `Vec<T>`: sent from where it is, no copy; the request's result is the `Vec`, handed back
///   when it completes. The zero-copy form, for large messages.
///
/// - [`Lend`] (`scope.lend(&buf)` in a [`scope`](crate::scope)): sent from where it is, no copy;
///   the request's result is the slice, and the scope waits for the op at its end if the
///   request did not.
///
/// Sealed: implemented for `&B` of every [`Buffer`], for `Vec<T>` and for [`Lend`].
pub trait SendBuf<'a>: Sealed {
    /// The element type.
    type Elem: Element;
    /// What the request hands back: `()` for a lent buffer, the `Vec` for a handed-over one,
    /// the slice for one lent to a scope.
    type Back: 'a;

    /// The number of elements sent.
    #[doc(hidden)]
    fn send_count(&self) -> usize;

    /// The memory MPI reads: a copy in the call site's staging memory, the `Vec` itself, or
    /// the buffer lent to a scope (which `lending` then names).
    #[doc(hidden)]
    fn into_memory(self, lending: &Lending<'a>) -> Memory<Self::Elem>;

    /// What the request hands back, from the memory MPI read.
    #[doc(hidden)]
    fn back(memory: Memory<Self::Elem>) -> Self::Back;
}

// SAFETY: a lent buffer's counts and elements are `B`'s own, truthful by `B`'s impl.
unsafe impl<B: Buffer + ?Sized> Sealed for &B {}

impl<B: Buffer + ?Sized> SendBuf<'_> for &B {
    type Elem = B::Elem;
    type Back = ();

    #[inline]
    fn send_count(&self) -> usize {
        self.element_count()
    }

    fn into_memory(self, _: &Lending<'_>) -> Memory<B::Elem> {
        let mut staged = Staged::for_output(self.element_count());
        self.with_elements(|elements| staged.copy_from_slice(elements));
        Memory::Staged(staged)
    }

    #[inline]
    fn back(memory: Memory<B::Elem>) {
        // The staging memory goes back to the call site.
        drop(memory);
    }
}

impl<T: Element> SendBuf<'_> for Vec<T> {
    type Elem = T;
    type Back = Vec<T>;

    #[inline]
    fn send_count(&self) -> usize {
        self.len()
    }

    #[inline]
    fn into_memory(self, _: &Lending<'_>) -> Memory<T> {
        Memory::Owned(self)
    }

    #[inline]
    fn back(memory: Memory<T>) -> Vec<T> {
        memory.into_vec()
    }
}

/// A buffer that [`irecv_into`](crate::irecv_into) receives into: lent (`&mut buf`, any
/// [`BufferMut`]) or handed over (a `Vec`). The message may be shorter than the buffer, not
/// longer.
///
/// - `&mut buf`: the message lands in memory the call site reuses and is copied into `buf`
///   when the request completes; `buf` stays mutably borrowed until then (touching it before
///   the wait does not compile). The request's result is the [`Status`].
/// - `Vec<T>`: the message lands in the `Vec` itself, no copy; the request's result is the
///   `Vec` (its first `status.count()` elements received, the rest as they were) and the
///   [`Status`]. The zero-copy form, for large messages.
///
/// - [`LendMut`] (`scope.lend_mut(&mut buf)` in a [`scope`](crate::scope)): the message lands
///   in the buffer itself, no copy; the request's result is the slice and the [`Status`].
///
/// Sealed: implemented for `&mut B` of every [`BufferMut`], for `Vec<T>` and for [`LendMut`].
pub trait RecvBuf<'a>: Sealed {
    /// The element type.
    type Elem: Element;
    /// What the request hands back: the [`Status`], with the `Vec` for a handed-over one.
    type Back: 'a;
    /// What the request keeps until it completes: the lent buffer, or nothing.
    #[doc(hidden)]
    type Kept: 'a;

    /// The number of elements there is room for.
    #[doc(hidden)]
    fn room(&self) -> usize;

    /// The memory MPI writes (the buffer itself when lent to a scope, which `lending` then
    /// names), and what the request keeps.
    #[doc(hidden)]
    fn into_memory(self, lending: &Lending<'a>) -> (Memory<Self::Elem>, Self::Kept);

    /// What the request hands back once `count` elements were received into `memory`.
    #[doc(hidden)]
    fn back(kept: Self::Kept, memory: Memory<Self::Elem>, status: Status) -> Self::Back;
}

// SAFETY: a lent buffer's counts and elements are `B`'s own, truthful by `B`'s impl.
unsafe impl<B: BufferMut + ?Sized> Sealed for &mut B {}

impl<'a, B: BufferMut + ?Sized + 'a> RecvBuf<'a> for &'a mut B {
    type Elem = B::Elem;
    type Back = Status;
    type Kept = &'a mut B;

    #[inline]
    fn room(&self) -> usize {
        self.element_count()
    }

    fn into_memory(self, _: &Lending<'a>) -> (Memory<B::Elem>, &'a mut B) {
        let len = self.element_count();
        (Memory::Staged(Staged::for_output(len)), self)
    }

    fn back(buf: &'a mut B, memory: Memory<B::Elem>, status: Status) -> Status {
        let count = status.count().min(memory.len());
        buf.with_elements_out(
            |out| out[..count].copy_from_slice(&memory[..count]),
            |_| count,
        );
        status
    }
}

impl<'a, T: Element> RecvBuf<'a> for Vec<T> {
    type Elem = T;
    type Back = (Vec<T>, Status);
    type Kept = ();

    #[inline]
    fn room(&self) -> usize {
        self.len()
    }

    #[inline]
    fn into_memory(self, _: &Lending<'a>) -> (Memory<T>, ()) {
        (Memory::Owned(self), ())
    }

    #[inline]
    fn back((): (), memory: Memory<T>, status: Status) -> (Vec<T>, Status) {
        (memory.into_vec(), status)
    }
}

/// The buffer of a nonblocking collective whose result has the buffer's shape
/// ([`ibcast`](crate::ibcast), [`iallreduce`](crate::iallreduce)): lent (`&buf`, any
/// [`Buffer`]) or handed over (a `Vec`).
///
/// - `&buf`: the elements are copied into the memory the result is made of (off a broadcast's
///   root, only the shape is used); the request's result is a new buffer of `buf`'s kind and
///   shape ([`Buffer::Owned`]).
/// - `Vec<T>`: the collective works in the `Vec` itself, no copy and no allocation; the
///   request's result is the `Vec`, holding the broadcast or the reduction.
///
/// Sealed: implemented for `&B` of every [`Buffer`] and for `Vec<T>`.
pub trait CollectiveBuf: Sealed {
    /// The element type.
    type Elem: Element;
    /// What the request hands back: a new buffer of the lent one's kind, or the `Vec`.
    type Back: 'static;
    /// What making the result needs besides the data.
    #[doc(hidden)]
    type Shape: 'static;

    /// The number of elements.
    #[doc(hidden)]
    fn collective_count(&self) -> usize;

    /// The memory the collective works in: with the buffer's elements when `read`, otherwise
    /// any initialised elements (a broadcast off its root), and what making the result needs.
    #[doc(hidden)]
    fn into_data(self, read: bool) -> (Vec<Self::Elem>, Self::Shape);

    /// The result, from the memory the collective wrote.
    #[doc(hidden)]
    fn result(shape: &Self::Shape, data: Vec<Self::Elem>) -> Self::Back;
}

impl<B: Buffer + ?Sized> CollectiveBuf for &B {
    type Elem = B::Elem;
    type Back = B::Owned;
    type Shape = B::Shape;

    #[inline]
    fn collective_count(&self) -> usize {
        self.element_count()
    }

    fn into_data(self, read: bool) -> (Vec<B::Elem>, B::Shape) {
        let data = if read {
            self.with_elements(<[B::Elem]>::to_vec)
        } else {
            crate::buffer::zeroed(self.element_count())
        };
        (data, self.shape_of())
    }

    fn result(shape: &B::Shape, data: Vec<B::Elem>) -> B::Owned {
        B::owned_from_shape(shape, data)
    }
}

impl<T: Element> CollectiveBuf for Vec<T> {
    type Elem = T;
    type Back = Vec<T>;
    type Shape = ();

    #[inline]
    fn collective_count(&self) -> usize {
        self.len()
    }

    #[inline]
    fn into_data(self, _read: bool) -> (Vec<T>, ()) {
        (self, ())
    }

    #[inline]
    fn result((): &(), data: Vec<T>) -> Vec<T> {
        data
    }
}

/// The result buffer of a nonblocking collective's `_into` form
/// ([`iallreduce_into`](crate::iallreduce_into), [`iallgather_into`](crate::iallgather_into),
/// [`ialltoall_into`](crate::ialltoall_into)): lent (`&mut buf`, any [`BufferMut`]) or handed
/// over (a `Vec`). It must hold exactly the result's elements.
///
/// - `&mut buf`: the collective writes memory the call site reuses, copied into `buf` when the
///   request completes; `buf` stays mutably borrowed until then. The request's result for it
///   is `()`.
/// - `Vec<T>`: the collective writes the `Vec` itself, no copy and no allocation; the request
///   hands it back holding the result. The zero-copy form, for large messages.
///
/// - [`LendMut`] (`scope.lend_mut(&mut buf)` in a [`scope`](crate::scope)): the collective
///   writes the buffer itself, no copy; the request hands the slice back.
///
/// Sealed: implemented for `&mut B` of every [`BufferMut`], for `Vec<T>` and for [`LendMut`].
pub trait ResultBuf<'a>: Sealed {
    /// The element type.
    type Elem: Element;
    /// What the request hands back: `()` for a lent buffer, the `Vec` for a handed-over one.
    type Back: 'a;
    /// What the request keeps until it completes: the lent buffer, or nothing.
    #[doc(hidden)]
    type Kept: 'a;

    /// The number of elements there is room for.
    #[doc(hidden)]
    fn result_room(&self) -> usize;

    /// The memory MPI writes (the buffer itself when lent to a scope, which `lending` then
    /// names), and what the request keeps.
    #[doc(hidden)]
    fn into_result_memory(self, lending: &Lending<'a>) -> (Memory<Self::Elem>, Self::Kept);

    /// What the request hands back once the collective wrote every element of `memory`.
    #[doc(hidden)]
    fn result_back(kept: Self::Kept, memory: Memory<Self::Elem>) -> Self::Back;

    /// What the request hands back when the collective did not use the buffer on this rank
    /// (a rooted collective's result off the root): a lent buffer keeps its values, a `Vec`
    /// comes back as it was.
    #[doc(hidden)]
    fn untouched_back(kept: Self::Kept, memory: Memory<Self::Elem>) -> Self::Back;
}

impl<'a, B: BufferMut + ?Sized + 'a> ResultBuf<'a> for &'a mut B {
    type Elem = B::Elem;
    type Back = ();
    type Kept = &'a mut B;

    #[inline]
    fn result_room(&self) -> usize {
        self.element_count()
    }

    fn into_result_memory(self, _: &Lending<'a>) -> (Memory<B::Elem>, &'a mut B) {
        let len = self.element_count();
        (Memory::Staged(Staged::for_output(len)), self)
    }

    fn result_back(buf: &'a mut B, memory: Memory<B::Elem>) {
        let len = memory.len();
        buf.with_elements_out(|out| out.copy_from_slice(&memory), |_| len);
    }

    #[inline]
    fn untouched_back(_buf: &'a mut B, memory: Memory<B::Elem>) {
        // The staging memory goes back to the call site; `buf` is left as it was.
        drop(memory);
    }
}

impl<'a, T: Element> ResultBuf<'a> for Vec<T> {
    type Elem = T;
    type Back = Vec<T>;
    type Kept = ();

    #[inline]
    fn result_room(&self) -> usize {
        self.len()
    }

    #[inline]
    fn into_result_memory(self, _: &Lending<'a>) -> (Memory<T>, ()) {
        (Memory::Owned(self), ())
    }

    #[inline]
    fn result_back((): (), memory: Memory<T>) -> Vec<T> {
        memory.into_vec()
    }

    #[inline]
    fn untouched_back((): (), memory: Memory<T>) -> Vec<T> {
        memory.into_vec()
    }
}

// SAFETY: a buffer lent to a scope: its count and elements are the lent slice's.
unsafe impl<T: Element> Sealed for Lend<'_, T> {}
// SAFETY: as above.
unsafe impl<T: Element> Sealed for LendMut<'_, T> {}

/// A buffer lent to a scope ([`Scope::lend`](crate::Scope::lend)): MPI reads it where it is;
/// the request hands the slice back.
impl<'scope, T: Element> SendBuf<'scope> for Lend<'scope, T> {
    type Elem = T;
    type Back = &'scope [T];

    #[inline]
    fn send_count(&self) -> usize {
        self.len()
    }

    #[inline]
    fn into_memory(self, lending: &Lending<'scope>) -> Memory<T> {
        Lend::into_memory(self, lending)
    }

    #[inline]
    fn back(memory: Memory<T>) -> &'scope [T] {
        Lend::back(memory)
    }
}

/// A buffer lent mutably to a scope ([`Scope::lend_mut`](crate::Scope::lend_mut)): MPI writes
/// it where it is; the request hands the slice back with the [`Status`] (its first
/// `status.count()` elements received, the rest as they were).
impl<'scope, T: Element> RecvBuf<'scope> for LendMut<'scope, T> {
    type Elem = T;
    type Back = (&'scope mut [T], Status);
    type Kept = ();

    #[inline]
    fn room(&self) -> usize {
        self.len()
    }

    #[inline]
    fn into_memory(self, lending: &Lending<'scope>) -> (Memory<T>, ()) {
        (LendMut::into_memory(self, lending), ())
    }

    #[inline]
    fn back((): (), memory: Memory<T>, status: Status) -> (&'scope mut [T], Status) {
        (LendMut::back(memory), status)
    }
}

/// A result buffer lent mutably to a scope: the collective writes it where it is; the request
/// hands the slice back.
impl<'scope, T: Element> ResultBuf<'scope> for LendMut<'scope, T> {
    type Elem = T;
    type Back = &'scope mut [T];
    type Kept = ();

    #[inline]
    fn result_room(&self) -> usize {
        self.len()
    }

    #[inline]
    fn into_result_memory(self, lending: &Lending<'scope>) -> (Memory<T>, ()) {
        (LendMut::into_memory(self, lending), ())
    }

    #[inline]
    fn result_back((): (), memory: Memory<T>) -> &'scope mut [T] {
        LendMut::back(memory)
    }

    #[inline]
    fn untouched_back((): (), memory: Memory<T>) -> &'scope mut [T] {
        LendMut::back(memory)
    }
}
