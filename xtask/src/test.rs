//! `cargo xtask test`: every test of the workspace, the multi-rank ones included.

use std::time::Instant;

use crate::book;
use crate::cargo::{cargo, has_nextest, target_dir, workspace_root};
use crate::error::Error;
use crate::mpi::Launcher;
use crate::prereqs;
use crate::process::{format_duration, last_step, step};

/// Builds every target (the multi-rank tests run the workspace's binaries, so those must exist),
/// checks that the two published crates package, runs the doc tests, builds and tests the book
/// (`mdbook build`, `mdbook test`; see [`book`]), then every other test: with `cargo nextest`
/// when installed, the `ci` profile when `CI` is set, else with `cargo test`; then the
/// example crate outside the workspace ([`own_crate`]), then the multi-rank tests again against
/// MPICH (see [`mpich`]). `args` go to the workspace's test runners.
pub fn run(args: &[String]) -> Result<(), Error> {
    let start = Instant::now();
    prereqs::ensure_for_tests()?;
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
    let open_mpi = last_step("tests", &tests);
    let own = own_crate("own crate", target_dir(), &[]);
    // MPICH runs even when Open MPI's tests failed: the two reports together say more.
    let mpich = mpich(args);
    eprintln!("xtask: test took {}", format_duration(start.elapsed()));
    open_mpi.and(own).and(mpich)
}

/// The multi-rank tests again, with every program built against MPICH (in `<target>/mpich`,
/// as the `mpi` crate's build script does not notice a change of MPI library) and started by
/// its `mpirun`: both transports and the multi-host runs.
fn mpich(args: &[String]) -> Result<(), Error> {
    if !prereqs::has_mpich() {
        eprintln!(
            "xtask: MPICH is not installed (mpicc.mpich, mpirun.mpich): its tests are skipped"
        );
        return Ok(());
    }
    let env = vec![
        ("MPICC".to_owned(), "mpicc.mpich".to_owned()),
        ("SPMD_MPIRUN".to_owned(), "mpirun.mpich".to_owned()),
        (
            "CARGO_TARGET_DIR".to_owned(),
            target_dir().join("mpich").display().to_string(),
        ),
    ];
    let start = Instant::now();
    step(
        "build (MPICH)",
        &cargo()
            .envs(&env)
            .args(["build", "--workspace", "--bins", "--tests"]),
    )?;
    let multi_rank = [
        "--test",
        "mpirun",
        "--test",
        "multihost",
        "--test",
        "spmd_test",
    ];
    let tests = if has_nextest() {
        let mut cmd = cargo()
            .envs(&env)
            .args(["nextest", "run", "-p", "spmd-tests", "--no-fail-fast"])
            .args(multi_rank);
        if std::env::var_os("CI").is_some() {
            cmd = cmd.args(["--profile", "ci"]);
        }
        cmd.args(args.iter().cloned())
    } else {
        cargo()
            .envs(&env)
            .args(["test", "-p", "spmd-tests", "--no-fail-fast"])
            .args(multi_rank)
            .args(args.iter().cloned())
    };
    let result = last_step("tests (MPICH)", &tests);
    let mpicc = [("MPICC".to_owned(), "mpicc.mpich".to_owned())];
    let own = own_crate("own crate (MPICH)", target_dir().join("mpich"), &mpicc);
    eprintln!("xtask: MPICH took {}", format_duration(start.elapsed()));
    result.and(own)
}

/// `cargo test` of `examples/own-crate`, a crate outside the workspace that depends on `spmd`
/// by path as a user's crate does, with `#[spmd::test]` tests on 1 to 4 ranks: no MPI variable
/// is passed (the tests find the launcher of the MPI they link, and set what it needs), only
/// `env` for the build. `target` is shared with the workspace's build, so that `spmd` and its
/// dependencies are not built again.
fn own_crate(
    name: &str,
    target: std::path::PathBuf,
    env: &[(String, String)],
) -> Result<(), Error> {
    let manifest = workspace_root().join("examples/own-crate/Cargo.toml");
    let target = [("CARGO_TARGET_DIR".to_owned(), target.display().to_string())];
    last_step(
        name,
        &cargo().envs(env).envs(&target).args([
            "test".to_owned(),
            "--manifest-path".to_owned(),
            manifest.display().to_string(),
        ]),
    )
}
