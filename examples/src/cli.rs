//! The examples' command lines, read with clap before MPI starts: `--help`, `--version` and a
//! mistyped option then need no MPI, and under `mpirun` only the first rank prints them.

use std::io::IsTerminal;

use clap::{ColorChoice, Parser};

/// The command line of this process as `Options`. On `--help`, `--version` or an error, the
/// launcher's rank 0 (or the process, when it runs without a launcher) prints what clap has to
/// say and the process exits with clap's code: 0, or 2 for a bad command line. Every rank reads
/// the same command line, so every rank exits alike.
pub fn parse_before_mpi<Options: Parser>() -> Options {
    let matches = Options::command().color(color_choice()).try_get_matches();
    matches
        .and_then(|matches| Options::from_arg_matches(&matches))
        .unwrap_or_else(|error| {
            if launcher_rank().unwrap_or(0) == 0 {
                let _ = error.print();
            }
            std::process::exit(error.exit_code());
        })
}

/// This process's rank as the launcher tells it (Open MPI, PMIx, MPICH's Hydra), read before
/// MPI starts; `None` when run without a launcher.
fn launcher_rank() -> Option<u32> {
    ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse().ok())
}

/// Colours in `--help` and errors where clap sees a terminal, except a pseudo-terminal without
/// a size: Open MPI gives each rank one for stdout even when `mpirun`'s output goes to a pipe
/// or a file.
fn color_choice() -> ColorChoice {
    if std::io::stdout().is_terminal() && console::Term::stdout().size_checked().is_none() {
        ColorChoice::Never
    } else {
        ColorChoice::Auto
    }
}
