//! The benchmark's command line, read before MPI starts: `--help` and a mistyped option need
//! no MPI, and a bad command line exits with clap's code 2. The runs of the benchmark itself
//! (in quick mode) are in the `mpirun` test of `spmd-tests`.

mod common;

use std::process::Output;

use common::{describe, mpirun, run_without_mpi, text};

/// The benchmark, built by Cargo for this test.
const BINARY: &str = env!("CARGO_BIN_EXE_bench");

fn bench(args: &[&str]) -> Output {
    run_without_mpi(BINARY, args)
}

#[test]
fn help_needs_no_mpi_and_lists_every_flag_and_op() {
    let help = bench(&["--help"]);
    assert!(help.status.success(), "{}", describe(&help));
    let usage = text(&help.stdout);
    for needle in [
        "Usage: bench",
        "--out <DIR>",
        "--quick",
        "--op <NAMES>",
        "--seconds <S>",
        "allreduce",
        "ping-pong",
        "halo-column",
    ] {
        assert!(
            usage.contains(needle),
            "no `{needle}` in {}",
            describe(&help)
        );
    }
}

#[test]
fn a_bad_command_line_exits_2_before_mpi_starts() {
    for (args, needle) in [
        (&["--bogus"][..], "unexpected argument '--bogus'"),
        (&["--op", "allreduse"], "invalid value 'allreduse'"),
        (&["--op", "allreduce,pingpong"], "invalid value 'pingpong'"),
        (&["--seconds", "fast"], "`fast` is not a number of seconds"),
        (&["--out"], "a value is required"),
    ] {
        let output = bench(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            describe(&output)
        );
        let stderr = text(&output.stderr);
        assert!(stderr.contains(needle), "{args:?}: {}", describe(&output));
        assert!(
            !stderr.contains("panicked"),
            "{args:?}: {}",
            describe(&output)
        );
    }
}

#[test]
fn under_mpirun_a_bad_flag_is_reported_once_and_exits_2() {
    let output = mpirun(2)
        .arg(BINARY)
        .arg("--bogus")
        .output()
        .expect("mpirun starts");
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    let all = text(&output.stdout) + &text(&output.stderr);
    assert_eq!(
        all.matches("unexpected argument '--bogus'").count(),
        1,
        "{}",
        describe(&output)
    );
}
