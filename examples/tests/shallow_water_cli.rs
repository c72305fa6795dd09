//! The shallow-water example as a user runs it: its command line, read before MPI starts, and
//! the progress it shows under `mpirun` with stdout a pipe and in a (pseudo-)terminal.
//!
//! The multi-rank runs of the example itself, with the arguments of its `//! args:` header, are
//! in the `mpirun` test of `spmd-tests`.

mod common;

use std::process::{Command, Output};

use common::{BREAK_MPI, describe, mpirun, run_without_mpi, text};

/// The example, built by Cargo for this test.
const BINARY: &str = env!("CARGO_BIN_EXE_shallow_water");

fn example(args: &[&str]) -> Output {
    run_without_mpi(BINARY, args)
}

#[test]
fn help_and_version_need_no_mpi() {
    let help = example(&["--help"]);
    assert!(help.status.success(), "{}", describe(&help));
    let usage = text(&help.stdout);
    for needle in [
        "Usage: shallow_water",
        "--days <N>",
        "--output <DIR>",
        "--f32",
    ] {
        assert!(
            usage.contains(needle),
            "no `{needle}` in {}",
            describe(&help)
        );
    }
    let version = example(&["--version"]);
    assert!(version.status.success(), "{}", describe(&version));
    assert!(text(&version.stdout).starts_with("shallow_water "));
    // The control: with the same setting, a run that starts MPI fails (where MPI is Open MPI;
    // other MPIs ignore the setting, and then this test shows less).
    let run = example(&["--days", "0.01", "--benchmark"]);
    if run.status.success() {
        eprintln!(
            "this MPI ignores {}: the control proves nothing",
            BREAK_MPI.0
        );
    } else {
        assert!(!text(&run.stdout).contains("steps"), "{}", describe(&run));
    }
}

#[test]
fn a_bad_command_line_exits_2_before_mpi_starts() {
    for (args, needle) in [
        (&["--bogus"][..], "unexpected argument '--bogus'"),
        (&["--days", "0"], "0 is not between 0.01 and 100000"),
        (&["--days", "ten"], "`ten` is not a number"),
        (&["--benchmark", "--scratch"], "cannot be used with"),
    ] {
        let output = example(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            describe(&output)
        );
        let stderr = text(&output.stderr);
        assert!(stderr.contains(needle), "{args:?}: {}", describe(&output));
        assert!(stderr.contains("--help"), "{args:?}: {}", describe(&output));
    }
}

#[test]
fn under_mpirun_only_the_first_rank_prints_help() {
    let output = mpirun(2)
        .arg(BINARY)
        .arg("--help")
        .output()
        .expect("mpirun starts");
    assert!(output.status.success(), "{}", describe(&output));
    assert!(
        !text(&output.stdout).contains('\x1b'),
        "no colours in a pipe: {}",
        describe(&output)
    );
    assert_eq!(
        text(&output.stdout).matches("Usage: shallow_water").count(),
        1,
        "{}",
        describe(&output)
    );
}

/// The progress lines of `--days 0.05` (301 steps, three chunks), in order.
const LINES: [&str; 3] = [
    "0.02/0.07 model days (33%)",
    "0.05/0.07 model days (66%)",
    "0.07/0.07 model days (100%)",
];

#[test]
fn progress_lines_under_mpirun_when_stdout_is_not_a_terminal() {
    let output = mpirun(1)
        .arg(BINARY)
        .args(["--days", "0.05", "--benchmark"])
        .output()
        .expect("mpirun starts");
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = text(&output.stdout);
    let progress: Vec<&str> = stdout
        .lines()
        .filter(|line| line.contains("model days ("))
        .collect();
    assert_eq!(progress.len(), LINES.len(), "{}", describe(&output));
    for (line, expected) in progress.iter().zip(LINES) {
        assert!(line.starts_with(expected), "{}", describe(&output));
    }
    assert!(
        !stdout.contains('\r') && !stdout.contains('\x1b'),
        "no terminal controls in a pipe: {}",
        describe(&output)
    );
    assert!(
        stdout.contains("301 steps (0.07 model days)"),
        "{}",
        describe(&output)
    );
}

#[test]
fn a_progress_bar_under_mpirun_in_a_terminal() {
    // `script` runs the command in a pseudo-terminal, as a terminal would; without a size the
    // pseudo-terminal would count as a log, so the command sets one.
    let has_script = Command::new("script").arg("--version").output().is_ok();
    if !has_script {
        eprintln!("no `script` (util-linux) here: the terminal case is not tested");
        return;
    }
    let mpirun = mpirun(1);
    let mut line = vec![
        "stty cols 120 rows 30;".to_owned(),
        "exec".to_owned(),
        quote(mpirun.get_program().to_str().expect("a UTF-8 path")),
    ];
    line.extend(
        mpirun
            .get_args()
            .map(|arg| quote(arg.to_str().expect("UTF-8 arguments"))),
    );
    line.extend([BINARY, "--days", "0.05", "--benchmark"].map(quote));
    let mut command = Command::new("script");
    command.args(["-q", "-e", "-c", &line.join(" "), "/dev/null"]);
    // A terminal names its type; without `TERM` (a CI job, a chroot) the bar library takes the
    // pseudo-terminal for a dumb one and draws nothing.
    command.env("TERM", "xterm-256color");
    for (name, value) in mpirun.get_envs() {
        if let Some(value) = value {
            command.env(name, value);
        }
    }
    let output = command.output().expect("script starts");
    assert!(output.status.success(), "{}", describe(&output));
    let shown = text(&output.stdout);
    assert!(
        shown.contains("/0.07 model days ["),
        "the bar was drawn: {}",
        describe(&output)
    );
    assert!(
        !shown.contains(LINES[0]),
        "a terminal gets the bar, not lines: {}",
        describe(&output)
    );
    assert!(
        shown.contains("301 steps (0.07 model days)"),
        "{}",
        describe(&output)
    );
}

/// `text` as one word of a POSIX shell command line.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}
