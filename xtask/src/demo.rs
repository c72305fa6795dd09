//! `cargo xtask demo`: the global-sum example on 4 local ranks.

use crate::cargo::build_release_example;
use crate::error::Error;
use crate::mpi::{Launcher, RANKS};
use crate::prereqs;
use crate::process::step;

/// Builds the `global_sum` example in release mode and runs it on [`RANKS`] ranks.
pub fn run() -> Result<(), Error> {
    prereqs::ensure()?;
    let launcher = Launcher::detect()?;
    let program = build_release_example("global_sum")?;
    step("run", &launcher.mpirun(RANKS, &program))?;
    Ok(())
}
