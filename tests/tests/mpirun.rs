//! Runs every multi-rank program of the workspace under `mpirun`, once per world size its header
//! lists (see the `spmd_tests` crate docs for the header). Each (program, size) is one test,
//! named `<crate>::<program>::ranks_<n>`, so a filter picks them as usual:
//! `cargo nextest run -p spmd-tests --test mpirun hot_potato`.
//!
//! `SPMD_MPIRUN` names another launcher than `mpirun`. Against MPICH on a machine where Open MPI
//! is the default: `MPICC=mpicc.mpich SPMD_MPIRUN=mpirun.mpich CARGO_TARGET_DIR=target-mpich
//! cargo nextest run --workspace` (after building the binaries into the same target folder).
//!
//! A run that exceeds its time bound is killed with its whole process group and fails; a failing
//! run prints the command, the world size and everything the ranks wrote.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};
use spmd_tests::{Header, Transport};

/// The folders whose `*.rs` files are multi-rank programs, with the crate each belongs to.
const PROGRAM_DIRS: [(&str, &str); 2] =
    [("tests", "tests/src/bin"), ("examples", "examples/src/bin")];

fn main() {
    let mut args = Arguments::from_args();
    // The runs start several processes each; on a small machine, running them one at a time is
    // both faster and free of timing noise. `--test-threads` still overrides this.
    if args.test_threads.is_none() {
        args.test_threads = Some(1);
    }
    libtest_mimic::run(&args, trials()).exit();
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives inside the workspace")
        .to_path_buf()
}

/// The folder holding the workspace's binaries: this test runs from `<target>/<profile>/deps/`.
fn binary_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary knows its own path");
    exe.parent()
        .and_then(Path::parent)
        .expect("test binaries live in <target>/<profile>/deps")
        .to_path_buf()
}

fn trials() -> Vec<Trial> {
    let root = workspace_root();
    let mut trials = Vec::new();
    for (krate, dir) in PROGRAM_DIRS {
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|error| panic!("cannot list {dir}: {error}"))
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == "rs"))
            .collect();
        files.sort();
        for file in files {
            let program = file
                .file_stem()
                .and_then(|stem| stem.to_str())
                .expect("program file names are UTF-8")
                .to_owned();
            let source = std::fs::read_to_string(&file)
                .unwrap_or_else(|error| panic!("cannot read {}: {error}", file.display()));
            match Header::parse(&source) {
                Ok(header) => {
                    // A program whose hardware is missing is listed but ignored, so the runner
                    // reports each of its runs as skipped, by name.
                    let missing: Vec<String> = header
                        .requires
                        .iter()
                        .filter_map(|requirement| requirement.check().err())
                        .collect();
                    let skip = !missing.is_empty();
                    let runs = header.transports.iter().flat_map(|&transport| {
                        header
                            .ranks
                            .iter()
                            // One rank talks to nobody: one run is enough.
                            .filter(move |&&ranks| ranks > 1 || transport == Transport::Shm)
                            .map(move |&ranks| (transport, ranks))
                    });
                    for (transport, ranks) in runs {
                        let name = match transport {
                            Transport::Shm => format!("{krate}::{program}::ranks_{ranks}"),
                            _ => format!("{krate}::{program}::{}::ranks_{ranks}", transport.name()),
                        };
                        let header = header.clone();
                        let program = program.clone();
                        let missing = missing.clone();
                        let trial = Trial::test(name, move || {
                            if !missing.is_empty() {
                                return Err(
                                    format!("cannot run here: {}", missing.join("; ")).into()
                                );
                            }
                            run_program(&program, ranks, transport, &header)
                        });
                        trials.push(trial.with_ignored_flag(skip));
                    }
                }
                Err(error) => {
                    let message = format!("{}: {error}", file.display());
                    trials.push(Trial::test(
                        format!("{krate}::{program}::header"),
                        move || Err(message.into()),
                    ));
                }
            }
        }
    }
    trials
}

/// The launcher: `mpirun`, or the one `SPMD_MPIRUN` names (e.g. `mpirun.mpich`, to run the
/// tests built against MPICH with `MPICC=mpicc.mpich`).
fn mpirun_program() -> std::ffi::OsString {
    std::env::var_os("SPMD_MPIRUN").unwrap_or_else(|| "mpirun".into())
}

/// What `mpirun` is and what this machine needs to start ranks with it.
#[derive(Debug)]
struct Launcher {
    open_mpi: bool,
    is_root: bool,
    cores: usize,
}

fn launcher() -> &'static Launcher {
    static LAUNCHER: OnceLock<Launcher> = OnceLock::new();
    LAUNCHER.get_or_init(|| {
        let version = Command::new(mpirun_program())
            .arg("--version")
            .stdin(Stdio::null())
            .output()
            .map(|out| {
                String::from_utf8_lossy(&out.stdout).into_owned()
                    + &String::from_utf8_lossy(&out.stderr)
            })
            .unwrap_or_default();
        Launcher {
            open_mpi: version.contains("Open MPI") || version.contains("OpenRTE"),
            // SAFETY: geteuid has no preconditions and cannot fail.
            is_root: unsafe { libc::geteuid() } == 0,
            cores: thread::available_parallelism().map_or(1, usize::from),
        }
    })
}

impl Launcher {
    fn command(&self, ranks: usize, binary: &Path, transport: Transport) -> Command {
        let mut command = Command::new(mpirun_program());
        command.arg("-n").arg(ranks.to_string());
        if transport == Transport::Tcp {
            for (name, value) in self.tcp_settings() {
                command.env(name, value);
            }
        }
        if self.open_mpi {
            if ranks > self.cores || std::env::var_os("SPMD_MPIRUN_OVERSUBSCRIBE").is_some() {
                command.arg("--oversubscribe");
            }
            if self.is_root {
                command
                    .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
                    .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
            }
        }
        command.arg(binary);
        command
    }
}

impl Launcher {
    /// The variables that make the MPI library send every message over TCP on the loopback
    /// interface, shared memory off (Open MPI: the `tcp` and `self` BTLs only; MPICH: no local
    /// shortcut, and UCX's or libfabric's TCP transport).
    fn tcp_settings(&self) -> Vec<(&'static str, &'static str)> {
        if self.open_mpi {
            vec![
                ("OMPI_MCA_pml", "ob1"),
                ("OMPI_MCA_btl", "tcp,self"),
                ("OMPI_MCA_btl_tcp_if_include", "lo"),
            ]
        } else {
            vec![
                ("MPIR_CVAR_NOLOCAL", "1"),
                ("MPIR_CVAR_CH3_NOLOCAL", "1"),
                ("UCX_TLS", "tcp,self"),
                ("UCX_NET_DEVICES", "lo"),
                ("FI_PROVIDER", "tcp"),
                ("FI_TCP_IFACE", "lo"),
            ]
        }
    }
}

/// The outcome of one run: how it ended and what the ranks wrote.
struct Outcome {
    status: Option<ExitStatus>,
    timed_out: bool,
    elapsed: Duration,
    output: String,
}

fn run_program(
    program: &str,
    ranks: usize,
    transport: Transport,
    header: &Header,
) -> Result<(), Failed> {
    let binary = binary_dir().join(program);
    if !binary.exists() {
        return Err(format!(
            "{} is not built: run `cargo build --workspace --bins` first (`cargo xtask test` does)",
            binary.display()
        )
        .into());
    }
    let mut command = launcher().command(ranks, &binary, transport);
    command.args(&header.args);
    for (name, value) in &header.env {
        command.env(name, value);
    }
    let shown = format!("{command:?}");
    let outcome = run_bounded(command, header.timeout)
        .map_err(|error| format!("could not start `{shown}`: {error}; is MPI installed?"))?;

    let report = |problem: String| -> Failed {
        format!(
            "{problem}\n  program: {program} on {ranks} rank(s) over {}\n  command: {shown}\n  \
             elapsed: {:.1}s\n--- output of all ranks ---\n{}--- end of output ---",
            transport.name(),
            outcome.elapsed.as_secs_f64(),
            outcome.output
        )
        .into()
    };
    if outcome.timed_out {
        return Err(report(format!(
            "timed out after {}s (killed): a hang or deadlock",
            header.timeout.as_secs()
        )));
    }
    let status = outcome
        .status
        .expect("a run that did not time out has a status");
    if header.expects_failure() {
        if status.success() {
            return Err(report(
                "expected the run to fail, but it exited with status 0".into(),
            ));
        }
        let missing: Vec<&String> = header
            .expect_failure
            .iter()
            .filter(|needle| !outcome.output.contains(needle.as_str()))
            .collect();
        if !missing.is_empty() {
            return Err(report(format!(
                "the run failed ({status}) as expected, but its output lacks {missing:?}"
            )));
        }
        Ok(())
    } else if status.success() {
        Ok(())
    } else {
        Err(report(format!("the run failed: {status}")))
    }
}

/// Runs `command` in its own process group with both output streams captured (interleaved as
/// written), killing the whole group if it is still running after `timeout`.
fn run_bounded(mut command: Command, timeout: Duration) -> std::io::Result<Outcome> {
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
