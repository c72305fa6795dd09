//! A global allocator that counts the process's heap allocations (MPI's own C allocations are
//! not Rust's and are not counted), for the tests that check an op allocates nothing in steady
//! state. A program installs it with
//! `#[global_allocator] static ALLOCATOR: Counting = Counting::new();` and reads
//! [`Counting::allocations`] before and after the calls it checks.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting allocations and reallocations.
#[derive(Debug)]
pub struct Counting(AtomicUsize);

impl Counting {
    /// A counter at zero.
    pub const fn new() -> Counting {
        Counting(AtomicUsize::new(0))
    }

    /// How many allocations and reallocations were made so far.
    pub fn allocations(&self) -> usize {
        self.0.load(Ordering::Relaxed)
    }
}

impl Default for Counting {
    fn default() -> Self {
        Counting::new()
    }
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        self.0.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded with the caller's layout, under the caller's contract.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` was allocated by `System` with `layout` (see `alloc`).
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        self.0.fetch_add(1, Ordering::Relaxed);
        // SAFETY: as for `dealloc`; the caller upholds `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
