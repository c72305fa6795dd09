//! Memory watched from outside the job: a receive buffer at the start of a file-backed
//! `MAP_SHARED` mapping, followed by a canary region, so that what MPI writes past the buffer
//! is seen by the test harness after the job ended, even when it was aborted (an aborted rank
//! cannot check itself).
//!
//! The harness (`tests/tests/mpirun.rs`) runs a program whose header has `canary: <ranks>`
//! with `SPMD_TEST_CANARY_DIR` set to a fresh folder, and after the run checks that each
//! listed rank made its file and that its canary is intact ([`check_file`]). The program puts
//! a receive buffer there with [`buffer`], or has an allocating op's allocation placed there
//! by [`CanaryAlloc`].

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};

/// The variable that names the folder of the canary files.
pub const DIR_VARIABLE: &str = "SPMD_TEST_CANARY_DIR";

/// The value of every canary byte.
pub const CANARY: u8 = 0xA5;

/// The file's header: the buffer's and the canary's sizes, then padding up to the buffer.
const HEADER: usize = 64;

/// The canary file of `rank` in `dir`.
pub fn file_of(dir: &Path, rank: usize) -> PathBuf {
    dir.join(format!("rank{rank}.canary"))
}

/// Maps a new canary file for `rank` (in the folder `SPMD_TEST_CANARY_DIR` names) holding a
/// buffer of `len` zeroed elements of `T` followed by a canary of `canary_bytes`, and returns
/// the buffer. The mapping lives until the process ends.
pub fn buffer<T: Copy>(rank: usize, len: usize, canary_bytes: usize) -> &'static mut [T] {
    let base = map(rank, len * size_of::<T>(), canary_bytes);
    assert!(align_of::<T>() <= HEADER);
    // SAFETY: `map` returns `len * size_of::<T>()` zeroed, writable bytes at a `HEADER`-aligned
    // address (a page plus `HEADER`), valid for the rest of the process; the element types
    // used here are plain numbers, for which all-zero bytes are a value; nothing else refers
    // to these bytes.
    unsafe { std::slice::from_raw_parts_mut(base.cast::<T>(), len) }
}

/// Maps the file and returns the start of its buffer.
fn map(rank: usize, buffer_bytes: usize, canary_bytes: usize) -> *mut u8 {
    use std::os::fd::AsRawFd;
    let dir = std::env::var_os(DIR_VARIABLE).unwrap_or_else(|| {
        panic!("{DIR_VARIABLE} is not set: run this program through the mpirun test harness")
    });
    let path = file_of(Path::new(&dir), rank);
    let total = HEADER + buffer_bytes + canary_bytes;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .unwrap_or_else(|error| panic!("cannot create {}: {error}", path.display()));
    file.set_len(total as u64)
        .unwrap_or_else(|error| panic!("cannot size {}: {error}", path.display()));
    // SAFETY: a new shared mapping of the whole file, which is `total` bytes long; no Rust
    // reference to the mapped memory exists yet.
    let base = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            total,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_SHARED,
            file.as_raw_fd(),
            0,
        )
    };
    assert!(
        base != libc::MAP_FAILED,
        "mmap of {} failed: {}",
        path.display(),
        std::io::Error::last_os_error()
    );
    let base = base.cast::<u8>();
    // SAFETY: the mapping holds `total` writable bytes from `base`; the header's two sizes and
    // the canary lie inside it.
    unsafe {
        base.cast::<u64>().write(buffer_bytes as u64);
        base.cast::<u64>().add(1).write(canary_bytes as u64);
        std::ptr::write_bytes(base.add(HEADER + buffer_bytes), CANARY, canary_bytes);
        base.add(HEADER)
    }
}

/// Checks the canary file at `path` after the job: it must exist and its canary must be
/// intact. The error says how many bytes past the buffer changed, and where the first is.
pub fn check_file(path: &Path) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|error| {
        format!(
            "the canary file {} was not made ({error}): the program did not reach its receive",
            path.display()
        )
    })?;
    let word = |at: usize| {
        bytes
            .get(at..at + 8)
            .map(|word| u64::from_ne_bytes(word.try_into().expect("8 bytes")) as usize)
    };
    let (Some(buffer), Some(canary)) = (word(0), word(8)) else {
        return Err(format!("{} has no header", path.display()));
    };
    let start = HEADER + buffer;
    let region = bytes
        .get(start..start + canary)
        .ok_or_else(|| format!("{} is shorter than its header says", path.display()))?;
    let changed: Vec<usize> = (0..region.len()).filter(|&i| region[i] != CANARY).collect();
    match changed.first() {
        None => Ok(()),
        Some(first) => Err(format!(
            "{} of the {canary} bytes after the {buffer}-byte buffer changed ({}), the first at byte \
             {first} past its end: something wrote outside the buffer",
            changed.len(),
            path.display()
        )),
    }
}

/// A global allocator that places the next allocation of one size in a canary file, so that
/// the buffer an allocating op makes for its result is watched from outside the job. Every
/// other allocation goes to the system allocator.
#[derive(Debug)]
pub struct CanaryAlloc {
    /// The size of the allocation to place (0: none).
    armed: AtomicUsize,
    /// Where to place it.
    target: AtomicPtr<u8>,
}

impl CanaryAlloc {
    /// An allocator with nothing armed.
    pub const fn new() -> CanaryAlloc {
        CanaryAlloc {
            armed: AtomicUsize::new(0),
            target: AtomicPtr::new(std::ptr::null_mut()),
        }
    }

    /// Maps a canary file for `rank` with a buffer of `bytes` (and `canary_bytes` after it),
    /// and places the next allocation of exactly `bytes` bytes there.
    pub fn arm(&self, rank: usize, bytes: usize, canary_bytes: usize) {
        assert!(bytes > 0);
        let base = map(rank, bytes, canary_bytes);
        self.target.store(base, Ordering::SeqCst);
        self.armed.store(bytes, Ordering::SeqCst);
    }

    /// Whether the armed allocation was made.
    pub fn placed(&self) -> bool {
        self.armed.load(Ordering::SeqCst) == 0 && !self.target.load(Ordering::SeqCst).is_null()
    }
}

impl Default for CanaryAlloc {
    fn default() -> Self {
        CanaryAlloc::new()
    }
}

// SAFETY: allocations come from `System`, except the one armed, which is `bytes` bytes of the
// canary mapping (aligned to `HEADER`, checked against the layout), handed out once and never
// freed (`dealloc` of it does nothing), so no two live allocations overlap.
unsafe impl GlobalAlloc for CanaryAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let size = layout.size();
        if size != 0
            && layout.align() <= HEADER
            && self
                .armed
                .compare_exchange(size, 0, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        {
            return self.target.load(Ordering::SeqCst);
        }
        // SAFETY: the caller's layout, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ptr == self.target.load(Ordering::SeqCst) {
            return;
        }
        // SAFETY: every other pointer came from `System.alloc` with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

/// The sending side of an overflow test: sends `len` `f64`s to rank 1, then waits for an
/// answer that never comes, so that only rank 1's error (and the abort it causes) ends the job.
pub fn send_and_wait(comm: &spmd::Comm, len: usize, token: spmd::Token) {
    let token = spmd::send(&vec![1.5f64; len], 1, comm, token);
    let (_, _token) = spmd::recv(&0u8, 1, comm, token);
}
