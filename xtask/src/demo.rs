//! `cargo xtask demo`: the global-sum example on 4 local ranks.

use crate::cargo::{cargo, target_dir};
use crate::error::Error;
use crate::mpi::{Launcher, RANKS};
use crate::prereqs;
use crate::process::step;

/// Builds the `global_sum` example in release mode and runs it on [`RANKS`] ranks.
pub fn run() -> Result<(), Error> {
    prereqs::ensure()?;
    let launcher = Launcher::detect()?;
    step(
        "build",
        &cargo().args([
            "build",
            "--release",
            "--package",
            "spmd-examples",
            "--bin",
            "global_sum",
        ]),
    )?;
    let program = target_dir().join("release").join("global_sum");
    step("run", &launcher.mpirun(RANKS, &program))?;
    Ok(())
}
