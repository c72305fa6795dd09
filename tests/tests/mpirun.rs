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

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::thread;

use libtest_mimic::{Arguments, Failed, Trial};
use spmd_tests::{Header, Transport, binary_dir, run, workspace_root};

/// The folders whose programs (`*.rs` files, and folders with a `main.rs`) are multi-rank
/// programs, with the crate each belongs to.
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

fn trials() -> Vec<Trial> {
    let root = workspace_root();
    let mut trials = Vec::new();
    for (krate, dir) in PROGRAM_DIRS {
        let programs = spmd_tests::programs(&root.join(dir))
            .unwrap_or_else(|error| panic!("cannot list {dir}: {error}"));
        for (program, file) in programs {
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
                    // The examples that run on one rank also run without a launcher, as a
                    // user may start them (MPI's singleton start).
                    if krate == "examples" && header.ranks.contains(&1) {
                        let name = format!("{krate}::{program}::singleton");
                        let (header, program) = (header.clone(), program.clone());
                        let trial = Trial::test(name, move || run_singleton(&program, &header));
                        trials.push(trial.with_ignored_flag(skip));
                    }
                    for (transport, ranks) in runs {
                        // Known to hang in the MPI library itself: listed, skipped, with why.
                        let broken = launcher()
                            .broken(transport, ranks)
                            .map(str::to_owned)
                            .or_else(|| launcher().not_for(&header));
                        let skip = skip || broken.is_some();
                        let missing: Vec<String> = missing.iter().cloned().chain(broken).collect();
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
    /// MPICH built on UCX (`--with-device=ch4:ucx`, Debian 12's).
    mpich_ucx: bool,
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
            mpich_ucx: version.contains("HYDRA") && version.contains("ch4:ucx"),
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
    /// Why a run of `ranks` ranks over `transport` cannot pass with this MPI library, if it
    /// cannot: MPICH on UCX (4.0.2 with UCX 1.13.1 in Debian 12) hangs in `MPI_Finalize` with
    /// UCX's TCP transport (see [`run::FinalizeHang`]), so often on 3 or more ranks of one host
    /// (a C program that does one `MPI_Allreduce`, one `MPI_Barrier` and `MPI_Finalize` hung in
    /// 15 runs of 15 on 3 ranks, in 3 of 10 on 4) that those runs would mostly test the
    /// library. Runs on 2 ranks hang rarely (3 of 180): they run, and a hang after every rank
    /// has finished is accepted.
    fn broken(&self, transport: Transport, ranks: usize) -> Option<&'static str> {
        (self.mpich_ucx && transport == Transport::Tcp && ranks >= 3).then_some(
            "MPICH on UCX hangs in MPI_Finalize over UCX's TCP transport with 3 or more ranks on \
             one host (a plain C program too); run on 2 ranks, or over shared memory",
        )
    }

    /// Why `header`'s program is not run with this MPI library, if it is written for another.
    fn not_for(&self, header: &Header) -> Option<String> {
        let (library, reason) = header.only_with.as_ref()?;
        let this = if self.open_mpi { "open-mpi" } else { "mpich" };
        (library != this).then(|| format!("written for {library} only: {reason}"))
    }

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

/// Runs `program` directly, with no launcher: one rank.
fn run_singleton(program: &str, header: &Header) -> Result<(), Failed> {
    let binary = binary_dir().join(program);
    let mut command = Command::new(&binary);
    command.args(&header.args);
    for (name, value) in &header.env {
        command.env(name, value);
    }
    let what = format!("{program} without a launcher (one rank)");
    run::run_and_judge(command, header, &what)
        .map(drop)
        .map_err(Failed::from)
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
    let hang = (launcher().mpich_ucx && transport == Transport::Tcp)
        .then(|| run::FinalizeHang::arm(&mut command, header, ranks))
        .flatten();
    let what = format!("{program} on {ranks} rank(s) over {}", transport.name());
    let canaries = (!header.canary.is_empty())
        .then(|| CanaryDir::new(program, ranks, transport, &mut command))
        .transpose()?;
    let verdict = run::run_and_judge_or_hang(command, header, &what, hang.as_ref()).map(drop);
    let watched = canaries.map_or(Ok(()), |dir| dir.check(&header.canary, &what));
    match (verdict, watched) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(problem), Ok(())) | (Ok(()), Err(problem)) => Err(problem.into()),
        (Err(run), Err(canary)) => Err(format!("{canary}\n{run}").into()),
    }
}

/// The folder of a run's canary files (see `spmd_tests::canary`): made for the run, checked and
/// removed after it.
struct CanaryDir(std::path::PathBuf);

impl CanaryDir {
    fn new(
        program: &str,
        ranks: usize,
        transport: Transport,
        command: &mut Command,
    ) -> Result<CanaryDir, String> {
        let dir = std::env::temp_dir().join(format!(
            "spmd-canary-{program}-{ranks}-{}-{}",
            transport.name(),
            std::process::id()
        ));
        std::fs::create_dir(&dir)
            .map_err(|error| format!("cannot make the canary folder {}: {error}", dir.display()))?;
        command.env(spmd_tests::canary::DIR_VARIABLE, &dir);
        Ok(CanaryDir(dir))
    }

    /// Whether every rank of `ranks` made its file and left its canary intact.
    fn check(self, ranks: &[usize], what: &str) -> Result<(), String> {
        let problems: Vec<String> = ranks
            .iter()
            .filter_map(|&rank| {
                spmd_tests::canary::check_file(&spmd_tests::canary::file_of(&self.0, rank))
                    .err()
                    .map(|problem| format!("rank {rank}: {problem}"))
            })
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(format!("{what}: {}", problems.join("\n")))
        }
    }
}

impl Drop for CanaryDir {
    fn drop(&mut self) {
        // Only the files the run made are in this folder, which this run made.
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
