//! Scopes: nonblocking ops on borrowed buffers, no copy (`spmd::scope`).
//!
//! A request cannot borrow its buffer on its own: `std::mem::forget(request)` ends the borrow
//! without running any code, and MPI would then write memory the program reuses. A scope makes
//! the borrow safe the way `std::thread::scope` makes borrowing threads safe: buffers are lent
//! to the scope (for as long as it lasts, `'scope`), every op given one registers its state
//! with the scope when it is issued, and the scope completes every op still in flight before
//! it returns, whatever became of its request (waited for, dropped, or forgotten). A forgotten
//! request then only leaks its small record; the buffer it borrowed is free once the scope has
//! returned, and MPI no longer touches it.

use std::cell::{Cell, RefCell};
use std::marker::PhantomData;
use std::panic::AssertUnwindSafe;
use std::ptr::NonNull;

use crate::element::Element;
use crate::sys::Memory;

/// Runs `body` with a [`Scope`] to which it may lend buffers for nonblocking ops, with no copy:
/// `irecv_into(scope.lend_mut(&mut halo), ..)`, `isend(scope.lend(&edge), ..)`, and the `_into`
/// collectives' buffers. Returns what `body` returns, once every op given a lent buffer has
/// completed.
///
/// Outside a scope, a nonblocking op copies a lent buffer (`&buf`, `&mut buf`) through memory
/// of its own (see [`Request`](crate::Request)), or takes a `Vec` handed over. Inside one, MPI
/// works in the lent buffer itself: the scope's end waits for every op still in flight that was
/// given one, so even a request dropped or forgotten (`std::mem::forget`) never lets MPI touch
/// a buffer after the scope has returned. The buffers are borrowed until the scope ends; the
/// request's `wait` hands each back (a send's as `&[T]`, a receive's as `&mut [T]` with the
/// [`Status`](crate::Status)), so the body can use them again after the wait.
///
/// The ops are the usual ones, in the usual order of the token chain: the scope itself is not
/// an op, and `#[spmd_jit]` reads the body of a closure passed to `scope` as if it were
/// written in place (a closure given straight to `scope` runs once, at once). The communicator
/// of an op given a lent buffer must outlive the scope (made before it).
///
/// ```no_run
/// use spmd::prelude::*;
///
/// #[spmd_jit]
/// fn ring_shift(send: &[f64], recv: &mut [f64], comm: &Comm) {
///     let (rank, size) = (comm.rank(), comm.size());
///     let (left, right) = ((rank + size - 1) % size, (rank + 1) % size);
///     spmd::scope(|scope| {
///         let received = irecv_into(scope.lend_mut(recv), left, comm);
///         let sent = isend(scope.lend(send), right, comm);
///         // ... work that touches neither buffer ...
///         let ((recv, status), _send) = wait_all((received, sent), comm);
///         assert_eq!(status.count(), recv.len());
///     });
/// }
/// # fn main() {}
/// ```
pub fn scope<'env, F, T>(body: F) -> T
where
    F: for<'scope> FnOnce(&'scope Scope<'scope, 'env>) -> T,
{
    let scope = Scope {
        ops: Registry::new(),
        _scope: PhantomData,
        _env: PhantomData,
    };
    // What is left in flight completes once `body` has returned, or has panicked (then the
    // panic goes on once the lent buffers are free).
    let result = std::panic::catch_unwind(AssertUnwindSafe(|| body(&scope)));
    scope.ops.complete_all();
    match result {
        Ok(value) => value,
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// A scope's handle, given to the closure of [`scope`]: lends buffers to nonblocking ops for
/// the scope's lifetime, `'scope`.
pub struct Scope<'scope, 'env: 'scope> {
    ops: Registry<'scope>,
    _scope: PhantomData<&'scope mut &'scope ()>,
    _env: PhantomData<&'env mut &'env ()>,
}

impl std::fmt::Debug for Scope<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let entries = self.ops.entries.borrow();
        let live = entries.iter().filter(|entry| entry.is_some()).count();
        write!(f, "Scope({live} ops in flight)")
    }
}

impl<'scope> Scope<'scope, '_> {
    /// Lends `buf` to a nonblocking op that reads it (a send, a collective's send buffer),
    /// until the scope ends: MPI reads it where it is. The op's request hands it back at the
    /// wait.
    pub fn lend<T: Element>(&'scope self, buf: &'scope [T]) -> Lend<'scope, T> {
        Lend {
            at: NonNull::from(buf).cast(),
            len: buf.len(),
            ops: &self.ops,
        }
    }

    /// Lends `buf` to a nonblocking op that writes it (a receive, a collective's result),
    /// until the scope ends: MPI writes it where it is. The op's request hands it back at the
    /// wait.
    pub fn lend_mut<T: Element>(&'scope self, buf: &'scope mut [T]) -> LendMut<'scope, T> {
        LendMut {
            len: buf.len(),
            at: NonNull::from(buf).cast(),
            ops: &self.ops,
        }
    }
}

/// A buffer lent to a [`Scope`] for ops that read it ([`Scope::lend`]): pass it to `isend`,
/// `isendrecv_into` or an `_into` collective as the send buffer.
pub struct Lend<'scope, T: Element> {
    at: NonNull<T>,
    len: usize,
    ops: &'scope Registry<'scope>,
}

/// A buffer lent to a [`Scope`] for ops that write it ([`Scope::lend_mut`]): pass it to
/// `irecv_into`, `isendrecv_into` or an `_into` collective as the receive buffer.
pub struct LendMut<'scope, T: Element> {
    at: NonNull<T>,
    len: usize,
    ops: &'scope Registry<'scope>,
}

impl<T: Element> std::fmt::Debug for Lend<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lend({} x {})", self.len, T::NAME)
    }
}

impl<T: Element> std::fmt::Debug for LendMut<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LendMut({} x {})", self.len, T::NAME)
    }
}

impl<'scope, T: Element> Lend<'scope, T> {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The memory MPI reads; `lending` names the scope, so that the op is registered there.
    pub(crate) fn into_memory(self, lending: &Lending<'scope>) -> Memory<T> {
        lending.lent_to(self.ops);
        Memory::Shared {
            at: self.at,
            len: self.len,
        }
    }

    /// The buffer again, from the memory its op read.
    pub(crate) fn back(memory: Memory<T>) -> &'scope [T] {
        match memory {
            // SAFETY: the memory of a `Lend<'scope, T>` (the ops hand each buffer's own memory
            // back to its type), shared-borrowed for `'scope` by `Scope::lend`; its op has
            // completed, so MPI no longer reads it.
            Memory::Shared { at, len } => unsafe { std::slice::from_raw_parts(at.as_ptr(), len) },
            _ => not_lent(),
        }
    }
}

impl<'scope, T: Element> LendMut<'scope, T> {
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The memory MPI writes; `lending` names the scope, so that the op is registered there.
    pub(crate) fn into_memory(self, lending: &Lending<'scope>) -> Memory<T> {
        lending.lent_to(self.ops);
        Memory::Exclusive {
            at: self.at,
            len: self.len,
        }
    }

    /// The buffer again, from the memory its op wrote.
    pub(crate) fn back(memory: Memory<T>) -> &'scope mut [T] {
        match memory {
            // SAFETY: the memory of a `LendMut<'scope, T>` (the ops hand each buffer's own
            // memory back to its type), borrowed exclusively for `'scope` by
            // `Scope::lend_mut` and reached only through this memory since; its op has
            // completed (MPI no longer writes it) and validated what MPI wrote.
            Memory::Exclusive { at, len } => unsafe {
                std::slice::from_raw_parts_mut(at.as_ptr(), len)
            },
            _ => not_lent(),
        }
    }
}

#[cold]
#[inline(never)]
fn not_lent() -> ! {
    panic!("spmd internal error: a scope's buffer came back as other memory")
}

/// The scope an op's lent buffers belong to ([`crate::scope`]), if any: set when a buffer lent
/// to a scope becomes the op's memory, read when the op's request is made, which registers the
/// op with that scope. Every op that takes a `SendBuf`, `RecvBuf` or `ResultBuf` passes
/// the one of its `Call`, so no such buffer becomes memory without its op being registered.
#[doc(hidden)]
#[allow(missing_debug_implementations)]
pub struct Lending<'a>(Cell<Option<&'a Registry<'a>>>);

impl<'a> Lending<'a> {
    pub(crate) fn none() -> Lending<'a> {
        Lending(Cell::new(None))
    }

    fn lent_to(&self, registry: &'a Registry<'a>) {
        self.0.set(Some(registry));
    }

    /// The scope the op's buffers were lent to.
    pub(crate) fn registry(&self) -> Option<&'a Registry<'a>> {
        self.0.get()
    }
}

/// An op registered with a scope: where its state is, and what completes it there.
#[derive(Clone, Copy)]
struct Entry {
    at: NonNull<()>,
    complete: unsafe fn(NonNull<()>),
}

thread_local! {
    /// A list of entries kept from the thread's last scope, so that a loop of scopes
    /// allocates nothing once its first has run.
    static SPARE: Cell<Vec<Option<Entry>>> = const { Cell::new(Vec::new()) };
}

/// The ops registered with a scope whose requests have not completed them yet: each op given a
/// buffer lent to the scope, from its issue until its request completes or is dropped.
///
/// An entry left at the scope's end belongs to a request that was forgotten (the only way a
/// request does not reach its end within the scope, as its type cannot leave it): its state,
/// leaked with it, is still where the entry says, and nothing else will ever touch it, so
/// [`complete_all`](Registry::complete_all) completes it there.
pub(crate) struct Registry<'scope> {
    entries: RefCell<Vec<Option<Entry>>>,
    /// Entries emptied before the last one (reused before the list grows).
    holes: Cell<usize>,
    _scope: PhantomData<&'scope mut &'scope ()>,
}

impl Registry<'_> {
    fn new() -> Self {
        Registry {
            entries: RefCell::new(SPARE.take()),
            holes: Cell::new(0),
            _scope: PhantomData,
        }
    }

    /// Registers the op whose state is at `at` (in a box that does not move, freed only when
    /// its request completes or is dropped, which [`unregister`](Registry::unregister)s it
    /// first): `complete` completes it there. Returns the entry's number.
    ///
    /// # Safety
    /// `complete(at)` must be sound to call once, at the scope's end, while the entry is still
    /// registered (then nothing else uses the state any more).
    pub(crate) unsafe fn register(
        &self,
        at: NonNull<()>,
        complete: unsafe fn(NonNull<()>),
    ) -> usize {
        let entry = Some(Entry { at, complete });
        let mut entries = self.entries.borrow_mut();
        if self.holes.get() > 0
            && let Some(index) = entries.iter().position(Option::is_none)
        {
            self.holes.set(self.holes.get() - 1);
            entries[index] = entry;
            return index;
        }
        entries.push(entry);
        entries.len() - 1
    }

    /// The op of entry `index` reached its end (its request completed it, or is dropped and
    /// completes it): the scope leaves it alone. Called once per entry: afterwards the number
    /// may be another op's (an unknown number is ignored).
    pub(crate) fn unregister(&self, index: usize) {
        let mut entries = self.entries.borrow_mut();
        if entries.get(index).is_none_or(Option::is_none) {
            return;
        }
        if index + 1 < entries.len() {
            entries[index] = None;
            self.holes.set(self.holes.get() + 1);
            return;
        }
        // The last entry: the list shrinks from its end, the holes before it included.
        entries.pop();
        while entries.last().is_some_and(Option::is_none) {
            entries.pop();
            self.holes.set(self.holes.get() - 1);
        }
    }

    /// Completes the op of every entry left (its request was forgotten), and keeps the list
    /// for the thread's next scope.
    fn complete_all(&self) {
        loop {
            let next = {
                let mut entries = self.entries.borrow_mut();
                let next = entries.iter_mut().find_map(Option::take);
                if next.is_none() {
                    entries.clear();
                }
                next
            };
            let Some(entry) = next else { break };
            // SAFETY: the entry was still registered at the scope's end, so its request was
            // forgotten: its state is where the entry says, leaked, and completed once, here
            // (the entry was taken out first), as `register`'s contract allows.
            unsafe { (entry.complete)(entry.at) };
        }
        self.holes.set(0);
        SPARE.set(self.entries.take());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts the completions of the `usize` at `at`.
    unsafe fn count(at: NonNull<()>) {
        // SAFETY: every entry of these tests points at a live `usize` of the test.
        unsafe { *at.cast::<usize>().as_mut() += 1 };
    }

    fn live(registry: &Registry<'_>) -> usize {
        registry.entries.borrow().iter().flatten().count()
    }

    #[test]
    fn entries_left_are_completed_once_and_holes_are_reused() {
        let mut counts = [0usize; 5];
        let at: Vec<NonNull<()>> = counts
            .iter_mut()
            .map(|count| NonNull::from(count).cast())
            .collect();
        let registry = Registry::new();
        // SAFETY: `count` only counts, at pointers that outlive the registry's use.
        let [a, b, c] = [0, 1, 2].map(|i| unsafe { registry.register(at[i], count) });
        assert_eq!((a, b, c), (0, 1, 2));
        // A hole in the middle, then the last: the list shrinks past the hole.
        registry.unregister(b);
        assert_eq!(registry.holes.get(), 1);
        registry.unregister(c);
        assert_eq!(
            (registry.entries.borrow().len(), registry.holes.get()),
            (1, 0)
        );
        // Registered again: appended; a hole, then filled by the next registration.
        // SAFETY: as above.
        let d = unsafe { registry.register(at[3], count) };
        registry.unregister(a);
        // SAFETY: as above.
        let e = unsafe { registry.register(at[4], count) };
        assert_eq!((d, e), (1, 0));
        // Unregistering twice, or what is not registered, changes nothing.
        registry.unregister(a + 7);
        assert_eq!(live(&registry), 2);
        registry.complete_all();
        assert_eq!(counts, [0, 0, 0, 1, 1]);
        assert_eq!(live(&registry), 0);
    }
}
