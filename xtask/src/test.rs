//! `cargo xtask test`: every test of the workspace, the multi-rank ones included.

use std::time::Instant;

use crate::book;
use crate::cargo::{cargo, has_nextest};
use crate::error::Error;
use crate::mpi::Launcher;
use crate::prereqs;
use crate::process::{format_duration, last_step, step};

/// Builds every target (the multi-rank tests run the workspace's binaries, so those must exist),
/// checks that the two published crates package, runs the doc tests, builds and tests the book
/// (`mdbook build`, `mdbook test`; see [`book`]), then every other test: with `cargo nextest`
/// when installed, the `ci` profile when `CI` is set, else with `cargo test`. `args` go to the
/// test runner.
pub fn run(args: &[String]) -> Result<(), Error> {
    let start = Instant::now();
    prereqs::ensure()?;
    let env = Launcher::detect()?.test_env();
    step(
        "build",
        &cargo()
            .envs(&env)
            .args(["build", "--workspace", "--all-targets"]),
    )?;
    // The two publishable crates, together: spmd depends on spmd-macros at `=0.1.0`, which only
    // resolves when both are packaged in one run. `--no-verify`: the build above already compiled
    // them, and verifying would build both again from the extracted `.crate` files.
    // `--allow-dirty`: this checks the tree as it is, uncommitted edits included, so a developer
    // can run it before committing; a CI clone is clean and the flag changes nothing there.
    step(
        "package",
        &cargo().args([
            "package",
            "--package",
            "spmd-macros",
            "--package",
            "spmd",
            "--no-verify",
            "--allow-dirty",
        ]),
    )?;
    step(
        "doc tests",
        &cargo().envs(&env).args(["test", "--workspace", "--doc"]),
    )?;
    book::build_and_test()?;
    let tests = if has_nextest() {
        let mut cmd = cargo()
            .envs(&env)
            .args(["nextest", "run", "--workspace", "--no-fail-fast"]);
        if std::env::var_os("CI").is_some() {
            cmd = cmd.args(["--profile", "ci"]);
        }
        cmd.args(args.iter().cloned())
    } else {
        eprintln!("xtask: cargo-nextest is not installed; using `cargo test`");
        cargo()
            .envs(&env)
            .args(["test", "--workspace", "--no-fail-fast"])
            .args(args.iter().cloned())
    };
    eprintln!(
        "xtask: build, doc tests and book took {}",
        format_duration(start.elapsed())
    );
    last_step("tests", &tests)
}
