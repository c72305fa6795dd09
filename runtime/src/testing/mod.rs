//! What `#[spmd::test]` expands to: each generated test, run by `cargo test` or `cargo nextest`,
//! starts its own test binary under the MPI launcher with `N` ranks, and each rank runs the
//! user's function on the world.
//!
//! The same test function plays two parts. Started by the test runner, it is the *parent*: it
//! finds the launcher of the MPI library the binary links ([`launcher`]), takes a share of the
//! machine's cores ([`slots`]), starts `mpirun -n N <this binary> <this test> --exact` with
//! [`JOB_VARIABLE`] naming the test, and judges the job ([`job`]). Started by the launcher, it
//! is a *rank*: it initialises MPI, checks that the world has `N` ranks, runs the function and
//! says on its output that it passed, which the parent counts.

mod job;
mod launcher;
mod slots;

use std::time::Duration;

use crate::Comm;

/// The variable that tells a process started by the launcher which test it is a rank of.
pub const JOB_VARIABLE: &str = "SPMD_TEST_JOB";

/// The variable that runs every `#[spmd::test]` over another transport (`tcp` or `shm`).
pub const TRANSPORT_VARIABLE: &str = "SPMD_TEST_TRANSPORT";

/// The variable that sets the time bound, in seconds, of the tests that do not set their own.
pub const TIMEOUT_VARIABLE: &str = "SPMD_TEST_TIMEOUT";

/// The time bound of a job whose test sets none, unless [`TIMEOUT_VARIABLE`] says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// How the ranks of a job reach each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// What the MPI library picks on one host: shared memory.
    Shm,
    /// The MPI library's TCP transport over the loopback interface, shared memory off.
    Tcp,
}

impl Transport {
    /// The name in attributes, in [`TRANSPORT_VARIABLE`] and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Transport::Shm => "shm",
            Transport::Tcp => "tcp",
        }
    }

    fn from_variable() -> Result<Option<Transport>, String> {
        match std::env::var(TRANSPORT_VARIABLE) {
            Err(_) => Ok(None),
            Ok(value) => match value.trim() {
                "" => Ok(None),
                "shm" => Ok(Some(Transport::Shm)),
                "tcp" => Ok(Some(Transport::Tcp)),
                other => Err(format!(
                    "{TRANSPORT_VARIABLE}={other:?} is not a transport: set it to `tcp` (every \
                     message over TCP on the loopback interface) or `shm` (what the MPI library \
                     picks), or unset it"
                )),
            },
        }
    }
}

/// What the test expects of its job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Every rank returns from the function.
    Pass,
    /// Some rank panics (`expect = panic`), with a message that contains the text when one is
    /// given (`expect = panic("text")`).
    Panic(Option<&'static str>),
}

/// One generated test: a function run on one world size.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    /// `module_path!()` of the generated test, its own name included (`krate::tests::sums::ranks_2`).
    pub path: &'static str,
    /// The world size.
    pub ranks: usize,
    /// The time bound set by the attribute, if any.
    pub timeout: Option<Duration>,
    /// What the job must do to pass.
    pub expect: Expect,
    /// The transport set by the attribute, if any (`SPMD_TEST_TRANSPORT` otherwise).
    pub transport: Option<Transport>,
}

impl Case {
    /// The name the test runner knows the test by: the module path without the crate's name.
    fn test_name(&self) -> &'static str {
        self.path
            .split_once("::")
            .map_or(self.path, |(_crate, rest)| rest)
    }
}

/// What a test function may return: `()`, or a `Result` whose error fails the test.
pub trait Outcome {
    /// `Err` with the error, shown on the rank's output, when the test failed.
    fn into_result(self) -> Result<(), String>;
}

impl Outcome for () {
    fn into_result(self) -> Result<(), String> {
        Ok(())
    }
}

impl<E: std::fmt::Debug> Outcome for Result<(), E> {
    fn into_result(self) -> Result<(), String> {
        self.map_err(|error| format!("{error:?}"))
    }
}

/// Runs one generated test: as the parent when the test runner started it, as a rank when the
/// launcher did.
///
/// # Panics
/// When the test fails: the panic message says why, with every rank's output. The panic is
/// reported at the test's attribute.
#[track_caller]
pub fn run<R: Outcome>(case: &Case, body: fn(&Comm) -> R) {
    let name = case.test_name();
    if std::env::var(JOB_VARIABLE).is_ok_and(|job| job == name) {
        rank(case, name, body);
    } else if let Err(report) = parent(case, name) {
        panic!("{report}");
    }
}

/// Variables that the launchers of Open MPI and MPICH set in the processes they start.
const LAUNCHED_VARIABLES: [&str; 3] = ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"];

/// The line each rank prints once the function returned.
fn passed_line(name: &str, rank: usize, size: usize) -> String {
    format!("[spmd test] rank {rank} of {size}: `{name}` passed")
}

/// The line a rank prints when it panics as an `expect = panic` test expects.
fn expected_panic_line(name: &str, rank: usize, size: usize) -> String {
    format!("[spmd test] rank {rank} of {size}: `{name}` panicked as expected")
}

/// One rank of the job: MPI up, world size checked, the function, the line that says it passed.
fn rank<R: Outcome>(case: &Case, name: &'static str, body: fn(&Comm) -> R) {
    let universe = crate::init();
    let comm = universe.world();
    let (rank, size) = (comm.rank(), comm.size());
    if size != case.ranks {
        // Before the hook below: a wrong world is never an expected panic.
        panic!(
            "spmd::test: `{name}` expects {} ranks, but this world has {size}: the launcher \
             started processes of another MPI library than the one this binary links, so each \
             is a world of its own; set SPMD_MPIRUN to the launcher of the linked MPI",
            case.ranks
        );
    }
    if let Expect::Panic(pattern) = case.expect {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<String>()
                .map(String::as_str)
                .or_else(|| info.payload().downcast_ref::<&str>().copied())
                .unwrap_or("");
            let line = match pattern {
                Some(text) if !message.contains(text) => format!(
                    "[spmd test] rank {rank} of {size}: `{name}` panicked, but the message \
                     does not contain {text:?}"
                ),
                _ => expected_panic_line(name, rank, size),
            };
            crate::settings::write_stderr(&format!("{line}\n"));
            previous(info);
        }));
    }
    if let Err(error) = body(&comm).into_result() {
        panic!("spmd::test: `{name}` returned an error on rank {rank} of {size}: {error}");
    }
    // One write, so that the lines of ranks writing at once do not interleave.
    crate::settings::write_stderr(&format!("{}\n", passed_line(name, rank, size)));
}

/// The parent: starts the job and judges it.
fn parent(case: &Case, name: &str) -> Result<(), String> {
    if let Some(variable) = LAUNCHED_VARIABLES
        .iter()
        .find(|variable| std::env::var_os(variable).is_some())
    {
        return Err(format!(
            "`{name}` was started by an MPI launcher ({variable} is set), not by the test \
             runner: run `cargo test` itself, without `mpirun`; each test starts its own job"
        ));
    }
    let transport = match case.transport {
        Some(transport) => transport,
        None => Transport::from_variable()
            .map_err(|error| format!("`{name}`: {error}"))?
            .unwrap_or(Transport::Shm),
    };
    let timeout = match case.timeout {
        Some(timeout) => timeout,
        None => timeout_from_variable().map_err(|error| format!("`{name}`: {error}"))?,
    };
    let launcher = launcher::Launcher::get().map_err(|error| format!("`{name}`: {error}"))?;
    let exe = std::env::current_exe().map_err(|error| {
        format!("`{name}`: cannot find the path of this test binary to start it: {error}")
    })?;
    let mut command = launcher.command(case.ranks, transport);
    command
        .arg(exe)
        .args([name, "--exact", "--include-ignored", "--nocapture", "-q"])
        .env(JOB_VARIABLE, name);
    // The watchdog names the op each rank is stuck in before the job is killed at the bound.
    let watchdog = std::env::var_os("SPMD_TIMEOUT").is_none();
    if watchdog {
        command.env("SPMD_TIMEOUT", format!("{}", (timeout / 2).as_secs_f64()));
    }
    let job = job::Job {
        name,
        ranks: case.ranks,
        transport,
        timeout,
        watchdog,
        expect: case.expect,
        finalize_may_hang: launcher.finalize_may_hang(transport),
    };
    let _slots = slots::acquire(case.ranks).map_err(|error| format!("`{name}`: {error}"))?;
    let outcome = job::run_bounded(command, timeout)
        .map_err(|error| format!("`{name}`: cannot start {}: {error}", launcher.describe()))?;
    job.judge(&outcome)
}

fn timeout_from_variable() -> Result<Duration, String> {
    let Ok(value) = std::env::var(TIMEOUT_VARIABLE) else {
        return Ok(DEFAULT_TIMEOUT);
    };
    match value.trim().parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && seconds.is_finite() => Ok(Duration::from_secs_f64(seconds)),
        _ => Err(format!(
            "{TIMEOUT_VARIABLE}={value:?} is not a positive number of seconds; set e.g. \
             {TIMEOUT_VARIABLE}=120, or unset it for the default of {} s",
            DEFAULT_TIMEOUT.as_secs()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_test_name_leaves_out_the_crate() {
        let case = |path| Case {
            path,
            ranks: 2,
            timeout: None,
            expect: Expect::Pass,
            transport: None,
        };
        assert_eq!(
            case("my_crate::tests::sums::ranks_2").test_name(),
            "tests::sums::ranks_2"
        );
        assert_eq!(case("ring::around::ranks_4").test_name(), "around::ranks_4");
    }
}
