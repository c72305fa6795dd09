//! CUDA device buffers (feature `cuda`).
//!
//! Every op accepts [`cudarc`] device memory — [`CudaSlice`](cudarc::driver::CudaSlice),
//! and [`CudaView`](cudarc::driver::CudaView) / [`CudaViewMut`](cudarc::driver::CudaViewMut)
//! where the op only reads, or reads and writes, the buffer — and returns device memory: a
//! device slice in, a new [`CudaSlice`](cudarc::driver::CudaSlice) on the same stream out. Host
//! and device buffers mix freely in one program and in one `#[spmd_jit]` function.
//!
//! # How a device buffer reaches MPI
//! 1. The op synchronises the buffer's stream (the one `slice.stream()` returns), so every
//!    kernel and copy queued before the op has finished when MPI reads the memory. mpi4jax
//!    returned wrong results on large GPU buffers for lack of this step.
//! 2. The elements are copied into pinned (page-locked) host memory that belongs to the op's
//!    call site: later calls of the same site reuse it, so a loop allocates pinned memory once.
//! 3. MPI runs on host memory.
//! 4. The result is copied into new device memory, or back into the caller's buffer, on the
//!    buffer's own stream: work queued on that stream afterwards sees the result.
//!
//! Whether the MPI library could take device pointers directly (CUDA-aware MPI) is detected at
//! run time — see [`transfer`] and `SPMD_CUDA_AWARE` — but this version always stages as
//! above; with a CUDA-aware MPI the decision is logged, and direct transfers are future work.
//!
//! # Devices
//! Nothing here touches CUDA before the first device op or the first call of a helper of this
//! module: [`init`](crate::init) works on machines without a GPU or driver. [`select_device`]
//! picks a GPU for each rank from its rank on the node, so that several ranks on one node do
//! not all land on device 0. Element types are those `cudarc` can hold on a device
//! ([`DeviceRepr`](cudarc::driver::DeviceRepr)): every integer width, `f32`, `f64` and `bool`.
//!
//! # Failures
//! A missing driver (`libcuda.so`), a CUDA error during an op's copies, or
//! `SPMD_CUDA_AWARE=1` with an MPI library that says it is not CUDA-aware fail like every other
//! op error: with the op, the rank and the call site.

mod buffer;
mod detect;
mod device;
mod staging;

use std::cell::Cell;
use std::fmt;
use std::panic::Location;
use std::sync::OnceLock;

pub use cudarc;
pub use detect::{Transfer, decide, mpi_cuda_support, transfer};
pub use device::{
    device_count, device_for_local_rank, local_rank_from_launcher, node_local_rank, select_device,
};
pub use staging::{Pinned, pinned_bytes};

thread_local! {
    /// The op in progress on this thread and its call site, for errors raised while a device
    /// buffer is copied (inside the buffer traits, which do not see the op).
    static CURRENT_OP: Cell<(&'static str, Option<&'static Location<'static>>)> =
        const { Cell::new(("(no op)", None)) };
}

/// Marks the start of an op (called by every op when the feature is on; one thread-local write).
#[inline]
pub(crate) fn begin(op: &'static str, site: &'static Location<'static>) {
    CURRENT_OP.set((op, Some(site)));
}

/// Stops the current op with an error that names it, the rank and the call site, in the words
/// of every other op error.
#[cold]
#[inline(never)]
pub(crate) fn fail(problem: impl fmt::Display, help: impl fmt::Display) -> ! {
    let (op, site) = CURRENT_OP.get();
    let rank =
        crate::settings::world_rank().map_or_else(|| "?".to_string(), |rank| rank.to_string());
    let site = site.map_or_else(
        || "(outside an op)".to_string(),
        |site| format!("{}:{}:{}", site.file(), site.line(), site.column()),
    );
    panic!("spmd: `{op}` failed on rank {rank} at {site}\n  {problem}\n  help: {help}")
}

/// A failure of a device helper ([`select_device`], [`device_count`]): no driver, no device, or
/// a CUDA error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceError {
    /// What went wrong, and how to fix it.
    pub message: String,
}

impl DeviceError {
    pub(crate) fn new(message: impl Into<String>) -> DeviceError {
        DeviceError {
            message: message.into(),
        }
    }
}

impl fmt::Display for DeviceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "spmd: {}", self.message)
    }
}

impl std::error::Error for DeviceError {}

/// Checks, once per process, that the CUDA driver library can be loaded.
///
/// `cudarc` loads `libcuda.so` on first use and panics deep inside itself when it is missing;
/// every helper of this module calls this first, so that the failure is an [`DeviceError`]
/// that says what to install instead.
pub fn driver_available() -> Result<(), DeviceError> {
    static PROBE: OnceLock<Result<(), DeviceError>> = OnceLock::new();
    PROBE
        .get_or_init(|| {
            // SAFETY: this only tries to load the driver library under its usual names (running
            // its initialisers, which have no preconditions) and closes it again; cudarc keeps
            // its own handle, loaded the same way, on first use.
            if unsafe { cudarc::driver::sys::is_culib_present() } {
                Ok(())
            } else {
                let mut names = cudarc::get_lib_name_candidates("cuda");
                names.sort();
                names.dedup();
                Err(DeviceError::new(format!(
                    "no CUDA driver found (libcuda.so): none of {} could be loaded; install the \
                     NVIDIA driver, or add the folder holding libcuda.so.1 to LD_LIBRARY_PATH",
                    names.join(", ")
                )))
            }
        })
        .clone()
}
