//! `cargo xtask bench [--quick]`: every op through spmd and through rsmpi directly, on 2 local
//! ranks.

use crate::cargo::{build_release_example, target_dir};
use crate::error::Error;
use crate::mpi::Launcher;
use crate::prereqs;
use crate::process::step;

/// The benchmark pairs rank 0 with rank 1 (ping-pong), so it runs on exactly two ranks.
const BENCH_RANKS: usize = 2;

/// Builds the `bench` example in release mode and runs it on [`BENCH_RANKS`] ranks. The full
/// run writes `ops.md` and `ops.png` to `bench/` in the target folder; `--quick` runs a few
/// small sizes, checks results and allocations, and writes nothing.
pub fn run(args: &[String]) -> Result<(), Error> {
    let quick = match args {
        [] => false,
        [flag] if flag == "--quick" => true,
        _ => {
            return Err(Error::usage(format!(
                "`cargo xtask bench` takes only `--quick`, got `{}`",
                args.join(" ")
            )));
        }
    };
    prereqs::ensure()?;
    let launcher = Launcher::detect()?;
    let program = build_release_example("bench")?;
    let out = target_dir().join("bench");
    let mut run = launcher
        .mpirun(BENCH_RANKS, &program)
        .args(["--out".to_owned(), out.display().to_string()]);
    if quick {
        run = run.arg("--quick");
    }
    step("bench", &run)?;
    if !quick {
        eprintln!(
            "xtask: the table is in {}, the plot in {}",
            out.join("ops.md").display(),
            out.join("ops.png").display()
        );
    }
    Ok(())
}
