//! Compile-time diagnostics of `#[spmd_jit]` (`tests/ui/*.rs`, one diagnostic per file, with its
//! `.stderr`) and the forms that must compile (`tests/ui/pass/*.rs`).
//!
//! After a deliberate change of a message, regenerate the `.stderr` files with
//! `TRYBUILD=overwrite cargo test -p spmd-tests --test ui`, then read every changed file.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("ui/*.rs");
    t.pass("ui/pass/*.rs");
}
