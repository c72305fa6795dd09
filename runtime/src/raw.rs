//! MPI constants that `mpi.h` defines as casts, read from the C shim compiled by `build.rs`.

use std::ffi::{c_int, c_void};
use std::sync::OnceLock;

unsafe extern "C" {
    fn spmd_in_place() -> *mut c_void;
    fn spmd_err_truncate() -> c_int;
}

/// `MPI_IN_PLACE`.
#[inline]
pub(crate) fn in_place() -> *mut c_void {
    // SAFETY: the shim function only returns a constant.
    unsafe { spmd_in_place() }
}

/// The error class `MPI_ERR_TRUNCATE`.
pub(crate) fn err_truncate() -> c_int {
    static VALUE: OnceLock<c_int> = OnceLock::new();
    // SAFETY: the shim function only returns a constant.
    *VALUE.get_or_init(|| unsafe { spmd_err_truncate() })
}
