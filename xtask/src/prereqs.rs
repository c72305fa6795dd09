//! The system packages the workspace needs, and their installation.
//!
//! Building needs an MPI library with its headers and compiler wrapper (the `mpi` crate probes
//! it) and libclang (the `mpi` crate generates its bindings with bindgen); running needs
//! `mpirun`. On Debian and Ubuntu these come from apt: Open MPI by default, or MPICH when it is
//! the one already installed. The tests want both libraries (and iproute2 for the multi-host
//! tests): `cargo xtask test` installs them.

use crate::error::Error;
use crate::mpi::is_root;
use crate::process::{Cmd, step};

/// Open MPI, the default MPI.
const OPEN_MPI: [&str; 2] = ["libopenmpi-dev", "openmpi-bin"];
/// MPICH, accepted instead of Open MPI when installed.
const MPICH: [&str; 2] = ["libmpich-dev", "mpich"];
/// What bindgen needs to read the MPI headers.
const LIBCLANG: &str = "libclang-dev";

/// What the tests need beyond building: both MPI libraries (the multi-rank tests run against
/// each) and `ip` (the multi-host tests make network namespaces).
const FOR_TESTS: [&str; 5] = [OPEN_MPI[0], OPEN_MPI[1], MPICH[0], MPICH[1], "iproute2"];

/// Installs what is missing to build and run programs when running as root; otherwise fails
/// with the command to run.
pub fn ensure() -> Result<(), Error> {
    install(missing_packages())
}

/// [`ensure`], plus what the tests need: MPICH beside Open MPI, and iproute2.
pub fn ensure_for_tests() -> Result<(), Error> {
    let mut missing = missing_packages();
    for package in FOR_TESTS {
        if !missing.contains(&package) && !is_installed(package) {
            missing.push(package);
        }
    }
    install(missing)
}

/// Whether MPICH's compiler wrapper and launcher are installed under their Debian names.
pub fn has_mpich() -> bool {
    Cmd::new("mpicc.mpich").arg("-show").succeeds_quietly()
        && Cmd::new("mpirun.mpich").arg("--version").succeeds_quietly()
}

fn install(missing: Vec<&'static str>) -> Result<(), Error> {
    if !has_apt() {
        return check_without_apt();
    }
    if missing.is_empty() {
        return Ok(());
    }
    let install = Cmd::new("apt-get")
        .envs(&[("DEBIAN_FRONTEND".into(), "noninteractive".into())])
        .args(["install", "-y", "--no-install-recommends"])
        .args(missing.iter().copied());
    if !is_root() {
        return Err(Error::new(format!(
            "missing system packages: {}. Install them, then run this command again:\n    \
             sudo apt-get update && sudo {install}",
            missing.join(" ")
        )));
    }
    eprintln!(
        "xtask: installing missing system packages: {}",
        missing.join(" ")
    );
    step(
        "apt-get update",
        &Cmd::new("apt-get").args(["update", "-q"]),
    )?;
    step("install packages", &install)?;
    Ok(())
}

/// The packages to install: Open MPI unless a complete MPI is installed, and libclang.
fn missing_packages() -> Vec<&'static str> {
    let mut missing = Vec::new();
    let complete = |packages: &[&str]| packages.iter().all(|package| is_installed(package));
    if !complete(&OPEN_MPI) && !complete(&MPICH) {
        missing.extend(OPEN_MPI.iter().filter(|package| !is_installed(package)));
    }
    if !is_installed(LIBCLANG) {
        missing.push(LIBCLANG);
    }
    missing
}

fn has_apt() -> bool {
    Cmd::new("dpkg-query").arg("--version").succeeds_quietly()
        && Cmd::new("apt-get").arg("--version").succeeds_quietly()
}

/// Whether dpkg lists `package` as installed.
fn is_installed(package: &str) -> bool {
    Cmd::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .is_ok_and(|output| {
            output.status.success()
                && String::from_utf8_lossy(&output.stdout).contains("install ok installed")
        })
}

/// Without apt, only checks that the MPI tools are on `PATH`, and says what is needed if not.
fn check_without_apt() -> Result<(), Error> {
    let missing: Vec<&str> = ["mpicc", "mpirun"]
        .into_iter()
        .filter(|tool| !Cmd::new(tool).arg("--version").succeeds_quietly())
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Error::new(format!(
            "{} not found and this system has no apt-get: install an MPI library with its \
             development files (Open MPI or MPICH) and libclang, then run this command again",
            missing.join(" and ")
        )))
    }
}
