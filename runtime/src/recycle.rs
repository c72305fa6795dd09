//! Allocations a loop of requests would otherwise make and free each time: boxes whose
//! allocations are recycled, and shared records kept for reuse ([`reuse`], [`keep`]).
//!
//! Boxes: a nonblocking request keeps its state in a `Box`,
//! and a loop of requests would otherwise allocate and free one per request. A box made by
//! [`boxed`] and given back by [`drop_recycled`] leaves its allocation in this thread's list,
//! and the next [`boxed`] value of the same layout takes it.
//!
//! Every allocation here comes from the global allocator with the layout of the value it
//! holds, exactly as `Box::new` makes it, so a box from [`boxed`] is an ordinary `Box`: one
//! dropped the usual way (a request dropped without a wait) or leaked (`std::mem::forget`)
//! is freed or leaked the usual way, and nothing here depends on it coming back.

use std::alloc::Layout;
use std::any::Any;
use std::cell::RefCell;
use std::ptr::NonNull;
use std::rc::Rc;

/// The most allocations kept for reuse per thread.
const KEEP: usize = 32;

/// Allocations made by the global allocator with their layouts, free for reuse.
struct FreeList(Vec<(Layout, NonNull<u8>)>);

impl Drop for FreeList {
    fn drop(&mut self) {
        for (layout, ptr) in self.0.drain(..) {
            // SAFETY: `ptr` was allocated by the global allocator with `layout` (see
            // `drop_recycled`) and nothing refers to it any more.
            unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) };
        }
    }
}

thread_local! {
    static FREE: RefCell<FreeList> = const { RefCell::new(FreeList(Vec::new())) };
}

/// `Box::new(value)`, in an allocation given back earlier when one of `T`'s layout is free.
#[inline]
pub(crate) fn boxed<T>(value: T) -> Box<T> {
    let layout = Layout::new::<T>();
    if layout.size() == 0 {
        return Box::new(value);
    }
    let reused = FREE
        .try_with(|free| {
            let mut free = free.try_borrow_mut().ok()?;
            let index = free.0.iter().rposition(|&(kept, _)| kept == layout)?;
            Some(free.0.swap_remove(index).1)
        })
        .ok()
        .flatten();
    match reused {
        Some(ptr) => {
            let ptr = ptr.as_ptr().cast::<T>();
            // SAFETY: `ptr` was allocated by the global allocator with `T`'s layout (size and
            // alignment), holds no value (its last one was dropped in place), and is owned by
            // nothing else: writing a `T` there and owning it as a `Box<T>` is what `Box::new`
            // does.
            unsafe {
                ptr.write(value);
                Box::from_raw(ptr)
            }
        }
        None => Box::new(value),
    }
}

/// Drops `boxed`'s value and keeps its allocation for a later [`boxed`] of the same layout
/// (or frees it, when the list is full or gone).
#[inline]
pub(crate) fn drop_recycled<T: ?Sized>(boxed: Box<T>) {
    let layout = Layout::for_value::<T>(&boxed);
    if layout.size() == 0 {
        drop(boxed);
        return;
    }
    let raw = Box::into_raw(boxed);
    // SAFETY: `raw` comes from a live `Box`, whose value is dropped here exactly once; the
    // allocation stays ours.
    unsafe { std::ptr::drop_in_place(raw) };
    let ptr = NonNull::new(raw.cast::<u8>()).expect("a box is never null");
    let kept = FREE
        .try_with(|free| {
            let Ok(mut free) = free.try_borrow_mut() else {
                return false;
            };
            if free.0.len() >= KEEP {
                return false;
            }
            free.0.push((layout, ptr));
            true
        })
        .unwrap_or(false);
    if !kept {
        // SAFETY: the allocation of a `Box` of `layout` (the layout of its value), made by the
        // global allocator, now holding no value and referred to by nothing.
        unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) };
    }
}

/// The most shared records kept for reuse per type (see [`keep`]).
const KEEP_RC: usize = 16;

thread_local! {
    /// Records kept for reuse: one `Vec<Rc<T>>` per type `T`.
    static KEPT: RefCell<Vec<Box<dyn Any>>> = const { RefCell::new(Vec::new()) };
}

/// A record of type `T` given to [`keep`] earlier, shared with no one, if there is one: a
/// receive's or an agreement's record, reused instead of a new `Rc`.
pub(crate) fn reuse<T: 'static>() -> Option<Rc<T>> {
    KEPT.try_with(|kept| {
        let mut kept = kept.try_borrow_mut().ok()?;
        kept.iter_mut()
            .find_map(|list| list.downcast_mut::<Vec<Rc<T>>>())?
            .pop()
    })
    .ok()
    .flatten()
}

/// Keeps `record` for a later [`reuse`] when nothing else holds it (otherwise it is simply
/// dropped). The caller has put it in a state a reuse may overwrite.
pub(crate) fn keep<T: 'static>(mut record: Rc<T>) {
    if Rc::get_mut(&mut record).is_none() {
        return;
    }
    let _ = KEPT.try_with(|kept| {
        let Ok(mut kept) = kept.try_borrow_mut() else {
            return;
        };
        let index = match kept.iter().position(|list| list.is::<Vec<Rc<T>>>()) {
            Some(index) => index,
            None => {
                kept.push(Box::new(Vec::<Rc<T>>::with_capacity(KEEP_RC)));
                kept.len() - 1
            }
        };
        let list = kept[index]
            .downcast_mut::<Vec<Rc<T>>>()
            .expect("found by its type");
        if list.len() < KEEP_RC {
            list.push(record);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    trait Named {
        fn name(&self) -> String;
    }

    struct Holder(Rc<String>, [u64; 3]);

    impl Named for Holder {
        fn name(&self) -> String {
            format!("{}{}", self.0, self.1[2])
        }
    }

    #[test]
    fn an_allocation_given_back_is_reused_and_values_are_dropped() {
        let text = Rc::new("a".to_string());
        let first: Box<dyn Named> = boxed(Holder(text.clone(), [1, 2, 3]));
        assert_eq!(first.name(), "a3");
        let address = std::ptr::from_ref(&*first).cast::<u8>();
        drop_recycled(first);
        assert_eq!(Rc::strong_count(&text), 1, "the value was dropped");
        let second = boxed(Holder(text.clone(), [4, 5, 6]));
        assert_eq!(std::ptr::from_ref(&*second).cast::<u8>(), address);
        assert_eq!(second.name(), "a6");
        // An ordinary drop frees it the ordinary way.
        drop(second);
        assert_eq!(Rc::strong_count(&text), 1);
        // Another layout does not take it.
        let other = boxed([7u8; 3]);
        assert_eq!(*other, [7, 7, 7]);
        drop_recycled(other);
        let zero_sized = boxed(());
        drop_recycled(zero_sized);
    }

    #[test]
    fn a_record_is_kept_only_when_nothing_else_holds_it() {
        let record = Rc::new(7u32);
        let other = record.clone();
        keep(record);
        assert!(reuse::<u32>().is_none(), "a shared record is not kept");
        let address = Rc::as_ptr(&other);
        keep(other);
        let again = reuse::<u32>().expect("kept");
        assert_eq!(Rc::as_ptr(&again), address);
        assert!(reuse::<u64>().is_none(), "kept per type");
    }
}
