//! Test support of the spmd workspace.
//!
//! The multi-rank tests are ordinary binaries (`tests/src/bin/*.rs`, and every example in
//! `examples/src/bin`, a file or a folder with a `main.rs`) that assert their own results on
//! every rank. Each one states in a header (of its `main.rs` for a folder) how it is to be run, and the `mpirun` test target (`tests/tests/mpirun.rs`) reads the
//! headers and starts every program under `mpirun` once per world size it lists:
//!
//! ```text
//! //! ranks: 1 2 3 4                       world sizes to run with (required)
//! //! expect-failure: scatter               the run must exit non-zero and print this (repeatable)
//! //! expect-output: possible race           the run must succeed and print this (repeatable)
//! //! refuse-output: leaked                 the run must not print this (repeatable)
//! //! timeout: 20                           seconds before the run is killed (default 60)
//! //! env: SPMD_DEBUG=1                     an environment variable for the run (repeatable)
//! //! args: --days 0.05 --scratch          command-line arguments of the program (repeatable)
//! //! requires: cuda-gpu                    skipped, by name, where the machine has no GPU
//! //! transports: shm                       the transports to run over (default: shm tcp)
//! //! only-with: open-mpi: REASON           run with this MPI library only; skipped, by name and
//! //!                                       with REASON, under the others
//! //! canary: 1                             these ranks make a canary file (see [`canary`]);
//! //!                                       after the run, each must exist and be intact
//! ```
//!
//! `args:` splits its value at whitespace, with no quoting; the arguments of repeated lines
//! follow each other.
//!
//! Every run on more than one rank happens once per transport: `shm`, what the MPI library picks
//! on one host (shared memory), and `tcp`, its TCP transport over the loopback interface, whose
//! eager limits, ordering and progress differ. `transports:` narrows the list for a program that
//! is about one transport only.
//!
//! A program never checks the world size itself and silently returns: it lists the sizes it is
//! meant for, and the runner holds it to them.

use std::fmt;
use std::time::Duration;

/// How a multi-rank program is to be run, as its header says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// World sizes to run the program with, each a separate test.
    pub ranks: Vec<usize>,
    /// Text the output must contain; when not empty, the run must also fail.
    pub expect_failure: Vec<String>,
    /// Text the output of a run that succeeds must contain.
    pub expect_output: Vec<String>,
    /// Text the output of a run must not contain.
    pub refuse_output: Vec<String>,
    /// Wall-clock bound of one run; a run that takes longer is killed and fails.
    pub timeout: Duration,
    /// Environment variables set for the run.
    pub env: Vec<(String, String)>,
    /// Command-line arguments of the program, after its path.
    pub args: Vec<String>,
    /// Hardware the program needs; where it is missing, the runs are reported as skipped.
    pub requires: Vec<Requirement>,
    /// The transports to run over (runs on one rank use `shm` only).
    pub transports: Vec<Transport>,
    /// The MPI library the program is written for (`open-mpi` or `mpich`), and why; `None`
    /// for any.
    pub only_with: Option<(String, String)>,
    /// The ranks that watch a buffer from outside the job ([`canary`]): after the run, each
    /// one's canary file must exist and be intact.
    pub canary: Vec<usize>,
}

/// How the ranks of a run on one host reach each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// What the MPI library picks on one host: shared memory.
    Shm,
    /// The MPI library's TCP transport, over the loopback interface.
    Tcp,
}

impl Transport {
    /// Every transport, in the order runs are listed.
    pub const ALL: [Transport; 2] = [Transport::Shm, Transport::Tcp];

    /// The name in headers and test names.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Shm => "shm",
            Transport::Tcp => "tcp",
        }
    }
}

/// Hardware a multi-rank program needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requirement {
    /// An NVIDIA GPU with its driver (`requires: cuda-gpu`).
    CudaGpu,
}

impl Requirement {
    /// Whether this machine meets the requirement, and if not, why.
    pub fn check(self) -> Result<(), String> {
        match self {
            Requirement::CudaGpu => {
                if std::path::Path::new("/dev/nvidiactl").exists() {
                    Ok(())
                } else {
                    Err("no NVIDIA GPU on this machine (/dev/nvidiactl is missing)".into())
                }
            }
        }
    }
}

/// The default bound of one run.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// A header line that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderError {
    /// 1-based line number in the file.
    pub line: usize,
    /// What is wrong and how to write it instead.
    pub message: String,
}

impl fmt::Display for HeaderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for HeaderError {}

impl Header {
    /// Reads the header from a program's source. Only the leading `//!` lines are read; keys
    /// other than the ten above are ordinary doc text. A program without a `ranks:` line is an
    /// error, so that no program is silently left out of the test run.
    pub fn parse(source: &str) -> Result<Self, HeaderError> {
        let mut header = Header {
            ranks: Vec::new(),
            expect_failure: Vec::new(),
            expect_output: Vec::new(),
            refuse_output: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            env: Vec::new(),
            args: Vec::new(),
            requires: Vec::new(),
            transports: Transport::ALL.to_vec(),
            only_with: None,
            canary: Vec::new(),
        };
        let mut saw_transports = false;
        let mut saw_ranks = false;
        for (index, line) in source.lines().enumerate() {
            let number = index + 1;
            let fail = |message: String| HeaderError {
                line: number,
                message,
            };
            let Some(text) = line.trim_start().strip_prefix("//!") else {
                break;
            };
            let text = text.trim();
            let Some((key, value)) = text.split_once(':') else {
                continue;
            };
            let value = value.trim();
            match key.trim() {
                "ranks" => {
                    saw_ranks = true;
                    for word in value.split_whitespace() {
                        match word.parse::<usize>() {
                            Ok(n) if n >= 1 => header.ranks.push(n),
                            _ => {
                                return Err(fail(format!(
                                    "`ranks:` takes world sizes of at least 1 separated by spaces, \
                                     got `{word}`"
                                )));
                            }
                        }
                    }
                    if header.ranks.is_empty() {
                        return Err(fail(
                            "`ranks:` lists no world size; write e.g. `//! ranks: 1 2 3 4`".into(),
                        ));
                    }
                }
                "expect-failure" => {
                    if value.is_empty() {
                        return Err(fail(
                            "`expect-failure:` needs the text the output must contain".into(),
                        ));
                    }
                    header.expect_failure.push(value.to_owned());
                }
                "expect-output" => {
                    if value.is_empty() {
                        return Err(fail(
                            "`expect-output:` needs the text the output must contain".into(),
                        ));
                    }
                    header.expect_output.push(value.to_owned());
                }
                "refuse-output" => {
                    if value.is_empty() {
                        return Err(fail(
                            "`refuse-output:` needs the text the output must not contain".into(),
                        ));
                    }
                    header.refuse_output.push(value.to_owned());
                }
                "timeout" => match value.parse::<u64>() {
                    Ok(seconds) if seconds > 0 => header.timeout = Duration::from_secs(seconds),
                    _ => {
                        return Err(fail(format!(
                            "`timeout:` takes a whole number of seconds, got `{value}`"
                        )));
                    }
                },
                "env" => match value.split_once('=') {
                    Some((name, val)) if !name.trim().is_empty() => {
                        header
                            .env
                            .push((name.trim().to_owned(), val.trim().to_owned()));
                    }
                    _ => {
                        return Err(fail(format!("`env:` takes `NAME=value`, got `{value}`")));
                    }
                },
                "args" => {
                    if value.is_empty() {
                        return Err(fail(
                            "`args:` needs the arguments, e.g. `//! args: --days 0.05`".into(),
                        ));
                    }
                    header
                        .args
                        .extend(value.split_whitespace().map(str::to_owned));
                }
                "transports" => {
                    if !saw_transports {
                        header.transports.clear();
                        saw_transports = true;
                    }
                    for word in value.split_whitespace() {
                        match Transport::ALL.into_iter().find(|t| t.name() == word) {
                            Some(transport) => header.transports.push(transport),
                            None => {
                                return Err(fail(format!(
                                    "`transports:` knows `shm` and `tcp`, got `{word}`"
                                )));
                            }
                        }
                    }
                    if header.transports.is_empty() {
                        return Err(fail(
                            "`transports:` lists none; write e.g. `//! transports: shm`".into(),
                        ));
                    }
                }
                "only-with" => match value.split_once(':') {
                    Some((library, reason))
                        if matches!(library.trim(), "open-mpi" | "mpich")
                            && !reason.trim().is_empty() =>
                    {
                        header.only_with =
                            Some((library.trim().to_owned(), reason.trim().to_owned()));
                    }
                    _ => {
                        return Err(fail(format!(
                            "`only-with:` takes `open-mpi: why` or `mpich: why`, got `{value}`"
                        )));
                    }
                },
                "canary" => {
                    for word in value.split_whitespace() {
                        match word.parse::<usize>() {
                            Ok(rank) => header.canary.push(rank),
                            Err(_) => {
                                return Err(fail(format!(
                                    "`canary:` takes the ranks that make a canary file, got \
                                     `{word}`"
                                )));
                            }
                        }
                    }
                    if header.canary.is_empty() {
                        return Err(fail(
                            "`canary:` lists no rank; write e.g. `//! canary: 1`".into(),
                        ));
                    }
                }
                "requires" => match value {
                    "cuda-gpu" => header.requires.push(Requirement::CudaGpu),
                    _ => {
                        return Err(fail(format!(
                            "`requires:` knows only `cuda-gpu`, got `{value}`"
                        )));
                    }
                },
                _ => {}
            }
        }
        if !saw_ranks {
            return Err(HeaderError {
                line: 1,
                message: "no `//! ranks: ...` header: every multi-rank program must list the \
                          world sizes it runs with, e.g. `//! ranks: 1 2 3 4`"
                    .into(),
            });
        }
        Ok(header)
    }

    /// Whether the run is expected to fail.
    pub fn expects_failure(&self) -> bool {
        !self.expect_failure.is_empty()
    }
}

/// The workspace's root folder.
pub fn workspace_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives inside the workspace")
        .to_path_buf()
}

/// The programs of a `src/bin` folder, as Cargo finds its binaries: every `*.rs` file, and
/// every folder with a `main.rs` (a program split into modules). Each program's name and the
/// file that holds its header, sorted by name.
pub fn programs(bin_dir: &std::path::Path) -> std::io::Result<Vec<(String, std::path::PathBuf)>> {
    let mut programs = Vec::new();
    for entry in std::fs::read_dir(bin_dir)? {
        let path = entry?.path();
        let source = if path.extension().is_some_and(|ext| ext == "rs") {
            path.clone()
        } else if path.join("main.rs").is_file() {
            path.join("main.rs")
        } else {
            continue;
        };
        let name = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .expect("program file names are UTF-8")
            .to_owned();
        programs.push((name, source));
    }
    programs.sort();
    Ok(programs)
}

/// The file that holds the header of program `name` of a `src/bin` folder: `name.rs`, or
/// `name/main.rs` for a program split into modules.
pub fn program_source(bin_dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let file = bin_dir.join(format!("{name}.rs"));
    if file.is_file() {
        file
    } else {
        bin_dir.join(name).join("main.rs")
    }
}

/// The folder holding the workspace's binaries, for a test binary of this crate, which runs
/// from `<target>/<profile>/deps/`.
pub fn binary_dir() -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its own path");
    exe.parent()
        .and_then(std::path::Path::parent)
        .expect("test binaries live in <target>/<profile>/deps")
        .to_path_buf()
}

pub mod canary;
pub mod counting;

/// Running a multi-rank program with a time bound, and judging the outcome against its header.
pub mod run {
    use std::io::Read;
    use std::os::unix::process::CommandExt;
    use std::process::{Command, ExitStatus, Stdio};
    use std::thread;
    use std::time::{Duration, Instant};

    use crate::Header;

    /// The outcome of one run: how it ended and what the ranks wrote.
    #[derive(Debug)]
    pub struct Outcome {
        /// The exit status, unless the run was killed for taking too long.
        pub status: Option<ExitStatus>,
        /// Whether the run was killed at its time bound.
        pub timed_out: bool,
        /// Wall-clock time from start to exit (or kill).
        pub elapsed: Duration,
        /// Standard output and error of every process, interleaved as written.
        pub output: String,
    }

    /// MPICH 4.0 on UCX (Debian 12's 4.0.2 with UCX 1.13) can hang in `MPI_Finalize` when its
    /// ranks talk over UCX's TCP transport: it closes its connections, which takes the peer's
    /// progress, before its final barrier, so a rank that has closed and waits in the barrier
    /// starves a peer that is still closing (MPICH 4.1 puts the barrier first). A plain C
    /// program (15 `MPI_Allreduce`s, then `MPI_Finalize`) hung in 3 of 180 runs on 2 ranks, 3
    /// jobs at a time on 2 cores, and in 11 of 60 on 3 ranks.
    ///
    /// A run that hangs there has done all its work, which is what a test checks. [`arm`](FinalizeHang::arm)
    /// starts the watchdog, so that the hang ends in a report from every
    /// rank instead of the kill, and [`explains`](FinalizeHang::explains) accepts a failed run
    /// in which every rank reported that it reached the end of the program and nothing else
    /// went wrong.
    #[derive(Debug)]
    pub struct FinalizeHang {
        ranks: usize,
    }

    impl FinalizeHang {
        /// Arms `command`, a run of `ranks` ranks of `header`'s program, against the hang: sets
        /// `SPMD_TIMEOUT` to a third of the run's time bound (at most 20 s). `None` for a run
        /// that expects to fail or sets the watchdog itself: its own verdict stands.
        pub fn arm(command: &mut Command, header: &Header, ranks: usize) -> Option<FinalizeHang> {
            let own_watchdog = header.env.iter().any(|(name, _)| name == "SPMD_TIMEOUT");
            if header.expects_failure() || own_watchdog {
                return None;
            }
            let seconds = (header.timeout.as_secs() / 3).clamp(1, 20);
            command.env("SPMD_TIMEOUT", seconds.to_string());
            Some(FinalizeHang { ranks })
        }

        /// Whether `outcome` failed only because every rank hung in `MPI_Finalize`: each rank
        /// reported reaching the end, no op was blocked, and nothing panicked or returned an
        /// error from `main`.
        pub fn explains(&self, outcome: &Outcome) -> bool {
            let size = self.ranks;
            let every_rank_ended = (0..size).all(|rank| {
                let line =
                    format!("watchdog: rank {rank} of {size} reached the end of the program");
                outcome.output.contains(&line)
            });
            let something_else = ["blocked for", "panicked", "Error:"]
                .iter()
                .any(|sign| outcome.output.contains(sign));
            !outcome.timed_out && every_rank_ended && !something_else
        }
    }

    /// Runs `command` bounded by `header`'s timeout and checks the outcome against the header
    /// (success, or failure with the expected text). `what` names the run in the report, which
    /// carries the command, the time and every rank's output.
    pub fn run_and_judge(command: Command, header: &Header, what: &str) -> Result<Outcome, String> {
        run_and_judge_or_hang(command, header, what, None)
    }

    /// [`run_and_judge`], accepting a run that `hang` explains (saying so on standard error).
    pub fn run_and_judge_or_hang(
        command: Command,
        header: &Header,
        what: &str,
        hang: Option<&FinalizeHang>,
    ) -> Result<Outcome, String> {
        let shown = format!("{command:?}");
        let outcome = run_bounded(command, header.timeout)
            .map_err(|error| format!("could not start `{shown}`: {error}; is MPI installed?"))?;
        let verdict = judge(&outcome, header);
        if verdict.is_err() && hang.is_some_and(|hang| hang.explains(&outcome)) {
            eprintln!(
                "{what}: every rank finished and then hung in MPI_Finalize, the MPI library's \
                 known fault (see `FinalizeHang`); counted as passed\n--- output ---\n{}",
                outcome.output
            );
            return Ok(outcome);
        }
        verdict.map_err(|problem| {
            format!(
                "{problem}\n  program: {what}\n  command: {shown}\n  elapsed: {:.1}s\n\
                 --- output of all ranks ---\n{}--- end of output ---",
                outcome.elapsed.as_secs_f64(),
                outcome.output
            )
        })?;
        Ok(outcome)
    }

    /// Whether `outcome` is what `header` expects.
    pub fn judge(outcome: &Outcome, header: &Header) -> Result<(), String> {
        if outcome.timed_out {
            return Err(format!(
                "timed out after {}s (killed): a hang or deadlock",
                header.timeout.as_secs()
            ));
        }
        let status = outcome
            .status
            .expect("a run that did not time out has a status");
        let refused: Vec<&String> = header
            .refuse_output
            .iter()
            .filter(|needle| outcome.output.contains(needle.as_str()))
            .collect();
        if !refused.is_empty() {
            return Err(format!(
                "the run ({status}) printed what it must not: {refused:?}"
            ));
        }
        if header.expects_failure() {
            if status.success() {
                return Err("expected the run to fail, but it exited with status 0".into());
            }
            let missing: Vec<&String> = header
                .expect_failure
                .iter()
                .filter(|needle| !outcome.output.contains(needle.as_str()))
                .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "the run failed ({status}) as expected, but its output lacks {missing:?}"
                ));
            }
            Ok(())
        } else if status.success() {
            let missing: Vec<&String> = header
                .expect_output
                .iter()
                .filter(|needle| !outcome.output.contains(needle.as_str()))
                .collect();
            if missing.is_empty() {
                Ok(())
            } else {
                Err(format!(
                    "the run succeeded, but its output lacks {missing:?}"
                ))
            }
        } else {
            Err(format!("the run failed: {status}"))
        }
    }

    /// Runs `command` in its own process group with both output streams captured (interleaved as
    /// written), killing the whole group if it is still running after `timeout`.
    pub fn run_bounded(mut command: Command, timeout: Duration) -> std::io::Result<Outcome> {
        let (reader, writer) = std::io::pipe()?;
        command
            .stdin(Stdio::null())
            .stdout(writer.try_clone()?)
            .stderr(writer)
            .process_group(0);
        let start = Instant::now();
        let mut child = command.spawn()?;
        // Drop our copies of the write end (held by `command`) so the reader sees end-of-file once
        // every process of the job has exited.
        drop(command);
        let collector = thread::spawn(move || {
            let mut reader = reader;
            let mut bytes = Vec::new();
            let _ = reader.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        });
        let pgid = child.id() as libc::pid_t;
        let mut timed_out = false;
        let status = loop {
            if let Some(status) = child.try_wait()? {
                break Some(status);
            }
            if start.elapsed() > timeout {
                timed_out = true;
                // SAFETY: kill with a negative pid signals the process group we created above;
                // it has no memory-safety preconditions.
                unsafe { libc::kill(-pgid, libc::SIGKILL) };
                let _ = child.wait();
                break None;
            }
            thread::sleep(Duration::from_millis(20));
        };
        let elapsed = start.elapsed();
        // Ranks that outlive mpirun (they should not) would keep the pipe open: end them too.
        // SAFETY: as above.
        unsafe { libc::kill(-pgid, libc::SIGKILL) };
        let output = collector.join().unwrap_or_default();
        Ok(Outcome {
            status,
            timed_out,
            elapsed,
            output,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A run that exited with status 0 after printing `output`.
    fn succeeded(output: &str) -> run::Outcome {
        use std::os::unix::process::ExitStatusExt;
        run::Outcome {
            status: Some(std::process::ExitStatus::from_raw(0)),
            timed_out: false,
            elapsed: Duration::ZERO,
            output: output.into(),
        }
    }

    #[test]
    fn a_run_must_not_print_what_it_refuses() {
        let header = Header::parse("//! ranks: 2\n//! refuse-output: leaked\n").unwrap();
        let outcome = succeeded;
        assert!(run::judge(&outcome("ok"), &header).is_ok());
        let error = run::judge(&outcome("ok\n[WARNING] 13 leaked objects"), &header).unwrap_err();
        assert!(error.contains("leaked"), "{error}");
        assert!(Header::parse("//! ranks: 2\n//! refuse-output:\n").is_err());
    }

    #[test]
    fn a_run_that_succeeds_must_print_what_it_is_expected_to() {
        let header = Header::parse("//! ranks: 2\n//! expect-output: race\n").unwrap();
        let outcome = succeeded;
        assert!(run::judge(&outcome("a possible race"), &header).is_ok());
        let error = run::judge(&outcome("nothing"), &header).unwrap_err();
        assert!(error.contains("lacks [\"race\"]"), "{error}");
    }

    #[test]
    fn reads_every_key() {
        let source = "//! Sums things.\n//! ranks: 1 3\n//! expect-failure: scatter\n\
                      //! expect-failure: rank 1\n//! timeout: 9\n//! env: SPMD_DEBUG=1\n\
                      use x;\n//! ranks: 7\n";
        let header = Header::parse(source).unwrap();
        assert_eq!(header.ranks, [1, 3]);
        assert_eq!(header.expect_failure, ["scatter", "rank 1"]);
        assert_eq!(header.timeout, Duration::from_secs(9));
        assert_eq!(header.env, [("SPMD_DEBUG".to_owned(), "1".to_owned())]);
        assert!(header.args.is_empty());
        let with_args =
            Header::parse("//! ranks: 2\n//! args: --days 0.05  --scratch\n//! args: -v\n")
                .unwrap();
        assert_eq!(with_args.args, ["--days", "0.05", "--scratch", "-v"]);
        let with_output =
            Header::parse("//! ranks: 2\n//! expect-output: a race\n//! expect-output: b\n")
                .unwrap();
        assert_eq!(with_output.expect_output, ["a race", "b"]);
        assert!(!with_output.expects_failure());
        assert!(Header::parse("//! ranks: 2\n//! expect-output:\n").is_err());
        let error = Header::parse("//! ranks: 2\n//! args:\n").unwrap_err();
        assert_eq!(error.line, 2);
        assert!(error.message.contains("`args:`"), "{error}");
        assert!(header.expects_failure());
        assert!(header.requires.is_empty());
        let gpu = Header::parse("//! ranks: 2\n//! requires: cuda-gpu\n").unwrap();
        assert_eq!(gpu.requires, [Requirement::CudaGpu]);
        let error = Header::parse("//! ranks: 2\n//! requires: tpu\n").unwrap_err();
        assert!(error.message.contains("`tpu`"), "{error}");
        assert_eq!(header.transports, Transport::ALL);
        let shm = Header::parse("//! ranks: 2\n//! transports: shm\n").unwrap();
        assert_eq!(shm.transports, [Transport::Shm]);
        let error = Header::parse("//! ranks: 2\n//! transports: ib\n").unwrap_err();
        assert!(error.message.contains("`ib`"), "{error}");
        let only = Header::parse("//! ranks: 2\n//! only-with: open-mpi: it says so\n").unwrap();
        assert_eq!(
            only.only_with,
            Some(("open-mpi".to_owned(), "it says so".to_owned()))
        );
        assert!(Header::parse("//! ranks: 2\n//! only-with: lam\n").is_err());
    }

    #[test]
    fn defaults() {
        let header = Header::parse("//! ranks: 2\nfn main() {}\n").unwrap();
        assert_eq!(header.timeout, DEFAULT_TIMEOUT);
        assert!(!header.expects_failure());
    }

    #[test]
    fn missing_ranks_is_an_error() {
        let error = Header::parse("//! Just docs.\nfn main() {}\n").unwrap_err();
        assert!(error.message.contains("ranks"), "{error}");
        let error = Header::parse("fn main() {}\n//! ranks: 2\n").unwrap_err();
        assert!(error.message.contains("ranks"), "{error}");
    }

    #[test]
    fn bad_values_name_the_line() {
        let error = Header::parse("//! ranks: 2 zero\n").unwrap_err();
        assert_eq!(error.line, 1);
        assert!(error.message.contains("`zero`"), "{error}");
        let error = Header::parse("//! ranks: 0\n").unwrap_err();
        assert!(error.message.contains("`0`"), "{error}");
        let error = Header::parse("//! ranks: 2\n//! timeout: soon\n").unwrap_err();
        assert_eq!(error.line, 2);
        let error = Header::parse("//! ranks: 2\n//! env: NOVALUE\n").unwrap_err();
        assert!(error.message.contains("NAME=value"), "{error}");
    }
}

#[cfg(test)]
mod finalize_hang {
    use std::process::Command;
    use std::time::Duration;

    use crate::Header;
    use crate::run::{FinalizeHang, Outcome};

    fn outcome(output: &str) -> Outcome {
        Outcome {
            status: None,
            timed_out: false,
            elapsed: Duration::from_secs(20),
            output: output.to_owned(),
        }
    }

    fn ended(rank: usize, size: usize) -> String {
        format!(
            "[spmd] watchdog: rank {rank} of {size} reached the end of the program 20.1s ago \
             and waits in MPI_Finalize for the other ranks\n"
        )
    }

    fn armed(header: &str, ranks: usize) -> (Option<FinalizeHang>, Command) {
        let mut command = Command::new("true");
        let hang = FinalizeHang::arm(&mut command, &Header::parse(header).unwrap(), ranks);
        (hang, command)
    }

    #[test]
    fn arming_sets_the_watchdog_to_a_third_of_the_bound() {
        let (hang, command) = armed("//! ranks: 2\n//! timeout: 30\n", 2);
        assert!(hang.is_some());
        let set: Vec<_> = command.get_envs().collect();
        assert_eq!(set, [("SPMD_TIMEOUT".as_ref(), Some("10".as_ref()))]);
        let (_, command) = armed("//! ranks: 2\n", 2);
        assert_eq!(command.get_envs().next().unwrap().1, Some("20".as_ref()));
    }

    #[test]
    fn a_run_that_expects_failure_or_sets_the_watchdog_is_not_armed() {
        assert!(
            armed("//! ranks: 2\n//! expect-failure: rank 1\n", 2)
                .0
                .is_none()
        );
        assert!(
            armed("//! ranks: 2\n//! env: SPMD_TIMEOUT=2\n", 2)
                .0
                .is_none()
        );
    }

    #[test]
    fn only_every_rank_ending_then_hanging_is_explained() {
        let hang = armed("//! ranks: 2\n", 2).0.unwrap();
        assert!(hang.explains(&outcome(&(ended(1, 2) + &ended(0, 2)))));
        // One rank never got there.
        assert!(!hang.explains(&outcome(&ended(0, 2))));
        let blocked = "[spmd] watchdog: rank 1 of 2 blocked for 20.0s in `recv` from rank 0 at \
                       x.rs:1:1 (op #3) on thread main\n";
        assert!(!hang.explains(&outcome(&(ended(0, 2) + blocked))));
        // Something went wrong before the end.
        let panicked = "thread 'main' panicked at x.rs:9:5:\nassertion failed\n";
        assert!(!hang.explains(&outcome(&(ended(0, 2) + &ended(1, 2) + panicked))));
        // Killed at the bound: the watchdog did not end it.
        let mut killed = outcome(&(ended(0, 2) + &ended(1, 2)));
        killed.timed_out = true;
        assert!(!hang.explains(&killed));
    }
}
