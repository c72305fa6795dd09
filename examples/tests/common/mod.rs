//! What the command-line tests of the examples share: running an example without MPI, and
//! `mpirun` as these tests start it.

use std::process::{Command, Output};

/// An MPI setting that makes `MPI_Init` fail at once under Open MPI: a program that still
/// succeeds with it set did not start MPI.
pub const BREAK_MPI: (&str, &str) = ("OMPI_MCA_pml", "no_such_pml");

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The exit status and everything the run wrote, for a failing assertion.
pub fn describe(output: &Output) -> String {
    format!(
        "{}\n--- stdout ---\n{}--- stderr ---\n{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    )
}

/// Runs `binary` with `args` and MPI broken ([`BREAK_MPI`]), without a launcher.
pub fn run_without_mpi(binary: &str, args: &[&str]) -> Output {
    Command::new(binary)
        .args(args)
        .env(BREAK_MPI.0, BREAK_MPI.1)
        .output()
        .expect("the example starts")
}

/// `mpirun` (or `SPMD_MPIRUN`) with what Open MPI needs to run as root and on few cores.
pub fn mpirun(ranks: usize) -> Command {
    let program = std::env::var_os("SPMD_MPIRUN").unwrap_or_else(|| "mpirun".into());
    let version = Command::new(&program)
        .arg("--version")
        .output()
        .expect("mpirun starts");
    let mut command = Command::new(program);
    command.arg("-n").arg(ranks.to_string());
    if text(&version.stdout).contains("Open MPI") {
        command
            .arg("--oversubscribe")
            .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
            .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    }
    command
}
