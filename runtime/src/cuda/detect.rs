//! Is the MPI library CUDA-aware? Detected at run time, overridable with `SPMD_CUDA_AWARE`.

use std::ffi::{CStr, c_int, c_void};
use std::sync::OnceLock;

/// How device buffers travel through MPI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Transfer {
    /// The MPI library is CUDA-aware and may be handed device pointers.
    Direct,
    /// Device buffers are copied through pinned host memory cached per call site.
    Staged,
}

/// The transfer path for an `SPMD_CUDA_AWARE` value (`env`) and the MPI library's own answer
/// (`query`: `None` when it offers no way to ask).
///
/// | `SPMD_CUDA_AWARE` | MPI says yes | MPI says no | MPI cannot say |
/// |---|---|---|---|
/// | unset, empty, `auto` | `Direct` | `Staged` | `Staged` |
/// | `0`, `false`, `no`, `off` | `Staged` | `Staged` | `Staged` |
/// | `1`, `true`, `yes`, `on` | `Direct` | error | `Direct` |
///
/// Forcing `Direct` on an MPI library that says it is not CUDA-aware is an error rather than a
/// crash inside MPI (which would read device memory as host memory); any other value is an
/// error too. Case and surrounding spaces are ignored.
pub fn decide(env: Option<&str>, query: Option<bool>) -> Result<Transfer, String> {
    let value = env.map(|value| value.trim().to_ascii_lowercase());
    match value.as_deref() {
        None | Some("" | "auto") => Ok(if query == Some(true) {
            Transfer::Direct
        } else {
            Transfer::Staged
        }),
        Some("0" | "false" | "no" | "off") => Ok(Transfer::Staged),
        Some("1" | "true" | "yes" | "on") => match query {
            Some(false) => Err(
                "SPMD_CUDA_AWARE=1 asks for device pointers to be passed to MPI, but this MPI \
                 library reports that it is not CUDA-aware (MPIX_Query_cuda_support / \
                 MPIX_GPU_query_support said no); it would read device memory as host memory"
                    .to_string(),
            ),
            Some(true) | None => Ok(Transfer::Direct),
        },
        Some(other) => Err(format!(
            "SPMD_CUDA_AWARE={other:?} is not understood: use 1 (pass device pointers to a \
             CUDA-aware MPI), 0 (stage through host memory) or auto (ask the MPI library)"
        )),
    }
}

/// A function of the running process (the program or a library loaded globally, such as the
/// MPI library), or null.
fn lookup(name: &CStr) -> *mut c_void {
    // SAFETY: `name` is a NUL-terminated string; RTLD_DEFAULT searches the global scope and
    // returns null when the symbol is absent.
    unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) }
}

/// Whether the MPI library says it can take CUDA device pointers, or `None` when it offers
/// no way to ask.
///
/// Asks `MPIX_Query_cuda_support()` (Open MPI, MPICH) or else
/// `MPIX_GPU_query_support(MPIX_GPU_SUPPORT_CUDA, ..)` (MPICH 4). Both are looked up in the
/// running process by name, so `spmd` links neither and builds against any MPI. Call after
/// [`init`](crate::init): Open MPI answers for the run-time configuration.
pub fn mpi_cuda_support() -> Option<bool> {
    let query = lookup(c"MPIX_Query_cuda_support");
    if !query.is_null() {
        // SAFETY: `MPIX_Query_cuda_support` is declared `int MPIX_Query_cuda_support(void)` by
        // every MPI library that exports it.
        let query: unsafe extern "C" fn() -> c_int = unsafe { std::mem::transmute(query) };
        // SAFETY: the function takes no arguments and only reads the library's configuration.
        return Some(unsafe { query() } != 0);
    }
    let query = lookup(c"MPIX_GPU_query_support");
    if !query.is_null() {
        // MPICH's `MPIX_GPU_SUPPORT_CUDA`.
        const GPU_SUPPORT_CUDA: c_int = 0;
        // SAFETY: MPICH declares `int MPIX_GPU_query_support(int gpu_type, int *is_supported)`.
        let query: unsafe extern "C" fn(c_int, *mut c_int) -> c_int =
            unsafe { std::mem::transmute(query) };
        let mut supported: c_int = 0;
        // SAFETY: `supported` is a valid out-pointer for the duration of the call.
        let code = unsafe { query(GPU_SUPPORT_CUDA, &mut supported) };
        return (code == 0).then_some(supported != 0);
    }
    None
}

/// The transfer path of this process: [`decide`] on `SPMD_CUDA_AWARE` and
/// [`mpi_cuda_support`], evaluated once, at the first device op.
///
/// This version of `spmd` stages device buffers through host memory on either path; when the
/// answer is [`Transfer::Direct`], the first device op says so on standard error (rank 0, once)
/// if `SPMD_CUDA_AWARE=1` asked for it, or under `SPMD_DEBUG=1`.
pub fn transfer() -> Result<Transfer, String> {
    static DECISION: OnceLock<Result<Transfer, String>> = OnceLock::new();
    DECISION
        .get_or_init(|| {
            let env = std::env::var("SPMD_CUDA_AWARE").ok();
            decide(env.as_deref(), mpi_cuda_support())
        })
        .clone()
}

/// Called by every device copy of an op: fails the op when the configuration is wrong, and says
/// once that direct transfers are not used yet.
pub(crate) fn check_path() {
    static NOTED: OnceLock<()> = OnceLock::new();
    match transfer() {
        Ok(Transfer::Staged) => {}
        Ok(Transfer::Direct) => {
            NOTED.get_or_init(|| {
                let forced = std::env::var("SPMD_CUDA_AWARE").is_ok_and(|v| !v.trim().is_empty());
                if (forced && crate::settings::world_rank() == Some(0))
                    || crate::settings::debug_enabled()
                {
                    crate::settings::write_stderr(&format!(
                        "[spmd] rank {}: the MPI library is CUDA-aware, but this version of spmd \
                         still stages device buffers through pinned host memory (direct device \
                         transfers are not implemented yet)\n",
                        crate::settings::world_rank().unwrap_or(0)
                    ));
                }
            });
        }
        Err(problem) => super::fail(
            problem,
            "unset SPMD_CUDA_AWARE (or set it to 0) to stage device buffers through host memory",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Transfer::{Direct, Staged};

    #[test]
    fn every_setting_against_every_answer() {
        let answers = [Some(true), Some(false), None];
        // (values, result for: MPI yes, MPI no, MPI cannot say); `None` in the result: an error.
        type Row = (&'static [Option<&'static str>], [Option<Transfer>; 3]);
        let table: [Row; 3] = [
            (
                &[None, Some(""), Some("auto"), Some(" AUTO ")],
                [Some(Direct), Some(Staged), Some(Staged)],
            ),
            (
                &[
                    Some("0"),
                    Some("false"),
                    Some("no"),
                    Some("off"),
                    Some(" Off\n"),
                ],
                [Some(Staged), Some(Staged), Some(Staged)],
            ),
            (
                &[
                    Some("1"),
                    Some("true"),
                    Some("yes"),
                    Some("on"),
                    Some(" TRUE "),
                ],
                [Some(Direct), None, Some(Direct)],
            ),
        ];
        for (values, expected) in table {
            for value in values {
                for (answer, expected) in answers.iter().zip(expected) {
                    let got = decide(*value, *answer);
                    assert_eq!(
                        got.clone().ok(),
                        expected,
                        "{value:?} with {answer:?}: {got:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn forcing_on_a_library_that_says_no_explains_itself() {
        let error = decide(Some("1"), Some(false)).unwrap_err();
        assert!(error.contains("SPMD_CUDA_AWARE=1"), "{error}");
        assert!(error.contains("not CUDA-aware"), "{error}");
    }

    #[test]
    fn unknown_values_are_errors_whatever_mpi_says() {
        for answer in [Some(true), Some(false), None] {
            for value in ["2", "maybe", "yes please"] {
                let error = decide(Some(value), answer).unwrap_err();
                assert!(error.contains("is not understood"), "{error}");
                assert!(error.contains(&format!("{value:?}")), "{error}");
            }
        }
    }

    #[test]
    fn asking_the_mpi_library_never_fails() {
        // Whatever this machine's MPI answers (or whether it can answer at all), asking must
        // neither crash nor panic; the answer feeds `decide`, tested above.
        let answer = mpi_cuda_support();
        assert!(decide(None, answer).is_ok());
        let exported = !lookup(c"MPIX_Query_cuda_support").is_null()
            || !lookup(c"MPIX_GPU_query_support").is_null();
        assert_eq!(answer.is_some(), exported, "an exported query is asked");
    }

    #[test]
    fn lookup_finds_process_symbols_and_nothing_else() {
        // A symbol every process has, and one no process has: the lookup itself never fails.
        assert!(!lookup(c"malloc").is_null());
        assert!(lookup(c"spmd_no_such_symbol_anywhere").is_null());
    }
}
