//! `cargo xtask`: the set-up and task runner of the spmd workspace.
//!
//! It has no dependency beyond `std` and never links MPI itself, so it builds on a machine that
//! has nothing installed yet; its first job is to install what the workspace needs (see
//! [`prereqs`]), its second to run the demo, the whole test suite or the benchmark with the
//! right `mpirun` environment (see [`mpi`]).

mod bench;
mod book;
mod cargo;
mod demo;
mod error;
mod mpi;
mod prereqs;
mod process;
mod test;

use std::process::ExitCode;

use error::Error;

const HELP: &str = "\
cargo xtask: set-up and task runner of the spmd workspace

USAGE:
    cargo xtask <COMMAND> [ARGS...]

COMMANDS:
    demo            install what is missing (MPI, libclang), build the global_sum example
                    in release mode and run it on 4 local ranks with mpirun
    test [ARGS...]  install what is missing, build every target, run the doc tests, build
                    and test the book (mdbook build, mdbook test; mdbook 0.5 from PATH, or
                    0.5.4 installed once with cargo install), then every test (cargo
                    nextest if installed, else cargo test), cargo test of the crate
                    outside the workspace (examples/own-crate), and the multi-rank tests
                    again against MPICH; ARGS go to the workspace's test runner, e.g. a
                    test-name filter
    bench [--quick] install what is missing, build the benchmark in release mode and run
                    it on 2 local ranks: every op through spmd and through rsmpi directly,
                    8 B to 64 MiB; prints the table of medians and ratios and writes
                    target/bench/ops.md and ops.png (--quick: a few small sizes, checks
                    results and allocations, writes nothing)
    help            print this message

ENVIRONMENT:
    CI                 set: nextest runs with `--profile ci` (see .config/nextest.toml)
    CARGO_TARGET_DIR   honoured as by cargo

Missing system packages are installed with apt-get when running as root; otherwise the
exact command to run is printed and nothing is changed.";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let command = args.next();
    let rest: Vec<String> = args.collect();
    let result = match command.as_deref() {
        Some("demo") if rest.is_empty() => demo::run(),
        Some("demo") => Err(Error::usage(format!(
            "`cargo xtask demo` takes no arguments, got `{}`",
            rest.join(" ")
        ))),
        Some("test") => test::run(&rest),
        Some("help" | "--help" | "-h") => {
            println!("{HELP}");
            Ok(())
        }
        Some("bench") => bench::run(&rest),
        Some(other) => Err(Error::usage(format!(
            "unknown command `{other}`: expected `demo`, `test`, `bench` or `help`"
        ))),
        None => Err(Error::usage(
            "no command given: expected `demo`, `test`, `bench` or `help`",
        )),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error}");
            if error.is_usage() {
                eprintln!("\n{HELP}");
            }
            error.exit_code()
        }
    }
}
