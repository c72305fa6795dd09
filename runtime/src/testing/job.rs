//! One job of a test: started in its own process group with a time bound, its output collected,
//! its outcome judged against what the test expects.

use std::io::Read;
use std::os::unix::process::CommandExt;
use std::process::{Command, ExitStatus, Stdio};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use super::{Expect, Transport, expected_panic_line, passed_line};

/// How long the launcher may take to end a job after a rank said it aborts it: Open MPI's
/// `mpirun` now and then keeps waiting after an `MPI_Abort` (once in about ten aborts of 3
/// ranks on 2 cores), which would otherwise cost the whole time bound.
const ABORT_GRACE: Duration = Duration::from_secs(10);

/// What a rank prints when it aborts the job: the panic hook, and the watchdog.
const ABORT_LINES: [&str; 2] = ["aborting the whole job (MPI_Abort)", "; aborting the job"];

/// How a job ended.
#[derive(Debug, Clone, Copy)]
pub(super) enum End {
    /// The launcher exited.
    Exited(ExitStatus),
    /// Killed at the time bound.
    TimedOut,
    /// Killed [`ABORT_GRACE`] after a rank said it aborts the job.
    KilledAfterAbort,
}

/// How a job ended and what its ranks wrote.
#[derive(Debug)]
pub(super) struct Outcome {
    end: End,
    elapsed: Duration,
    /// Standard output and error of the launcher and every rank, interleaved as written.
    output: String,
    /// The command, as shown in reports.
    command: String,
}

/// What a job is and what it must do to pass.
#[derive(Debug)]
pub(super) struct Job<'a> {
    pub(super) name: &'a str,
    pub(super) ranks: usize,
    pub(super) transport: Transport,
    pub(super) timeout: Duration,
    /// Whether the ranks run the watchdog at half the bound (`SPMD_TIMEOUT` was not set).
    pub(super) watchdog: bool,
    pub(super) expect: Expect,
    /// Whether the MPI library is known to hang in `MPI_Finalize` over this transport
    /// ([`Launcher::finalize_may_hang`](super::launcher::Launcher::finalize_may_hang)).
    pub(super) finalize_may_hang: bool,
}

/// Runs `command` in a process group of its own, both output streams into one pipe, and kills
/// the whole group (launcher and ranks) if it is still running after `timeout`, or
/// [`ABORT_GRACE`] after a rank said it aborts the job.
pub(super) fn run_bounded(mut command: Command, timeout: Duration) -> std::io::Result<Outcome> {
    let shown = format!("{command:?}");
    let (reader, writer) = std::io::pipe()?;
    command
        .stdin(Stdio::null())
        .stdout(writer.try_clone()?)
        .stderr(writer)
        .process_group(0);
    let start = Instant::now();
    let mut child = command.spawn()?;
    // The write ends held by `command` must go, or the reader never sees the end of the output.
    drop(command);
    let aborted: Arc<OnceLock<Instant>> = Arc::default();
    let collector = {
        let aborted = Arc::clone(&aborted);
        thread::spawn(move || {
            let mut reader = reader;
            let mut bytes = Vec::new();
            let mut chunk = [0; 4096];
            while let Ok(read) = reader.read(&mut chunk) {
                if read == 0 {
                    break;
                }
                bytes.extend_from_slice(&chunk[..read]);
                // A line may arrive in pieces: look again at the last few bytes read before.
                let from = bytes.len().saturating_sub(read + 64);
                let text = String::from_utf8_lossy(&bytes[from..]);
                if ABORT_LINES.iter().any(|line| text.contains(line)) {
                    aborted.get_or_init(Instant::now);
                }
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let group = child.id() as libc::pid_t;
    let end = loop {
        if let Some(status) = child.try_wait()? {
            break End::Exited(status);
        }
        let end = if start.elapsed() > timeout {
            End::TimedOut
        } else if aborted.get().is_some_and(|at| at.elapsed() > ABORT_GRACE) {
            End::KilledAfterAbort
        } else {
            thread::sleep(Duration::from_millis(2));
            continue;
        };
        // SAFETY: `kill` has no memory-safety preconditions; a negative pid signals the
        // process group made for this job above, and nothing else.
        unsafe { libc::kill(-group, libc::SIGKILL) };
        let _ = child.wait();
        break end;
    };
    let elapsed = start.elapsed();
    // A rank that outlived its launcher would hold the pipe open for ever: end the group.
    // SAFETY: as above.
    unsafe { libc::kill(-group, libc::SIGKILL) };
    let output = collector.join().unwrap_or_default();
    Ok(Outcome {
        end,
        elapsed,
        output,
        command: shown,
    })
}

impl Job<'_> {
    /// `Ok` when the outcome is what the test expects; otherwise the report: what went wrong,
    /// the command, the time and every rank's output.
    pub(super) fn judge(&self, outcome: &Outcome) -> Result<(), String> {
        let Some(problem) = self.problem(outcome) else {
            return Ok(());
        };
        Err(format!(
            "`{}` on {} rank(s) over {}: {problem}\n  command: {}\n  elapsed: {:.1}s (time \
             bound {}s)\n--- output of all ranks ---\n{}{}--- end of output ---",
            self.name,
            self.ranks,
            self.transport.name(),
            outcome.command,
            outcome.elapsed.as_secs_f64(),
            self.timeout.as_secs_f64(),
            outcome.output,
            if outcome.output.ends_with('\n') || outcome.output.is_empty() {
                ""
            } else {
                "\n"
            },
        ))
    }

    /// What is wrong with the outcome, if anything.
    fn problem(&self, outcome: &Outcome) -> Option<String> {
        let (success, status) = match outcome.end {
            End::Exited(status) => (status.success(), status.to_string()),
            End::KilledAfterAbort => (
                false,
                format!(
                    "the launcher had not ended the job {}s after the abort; killed with its \
                     process group",
                    ABORT_GRACE.as_secs()
                ),
            ),
            End::TimedOut => {
                return Some(format!(
                    "timed out after {}s: a hang or a deadlock; the job was killed with its whole \
                 process group. Raise the bound with `timeout = SECONDS` in the attribute (or \
                 SPMD_TEST_TIMEOUT) if the test is only slow",
                    self.timeout.as_secs_f64()
                ));
            }
        };
        let passed = (0..self.ranks)
            .filter(|&rank| {
                outcome
                    .output
                    .contains(&passed_line(self.name, rank, self.ranks))
            })
            .count();
        match self.expect {
            Expect::Pass if success && passed == self.ranks => None,
            Expect::Pass if success => Some(self.too_few(passed)),
            Expect::Pass if passed == self.ranks && self.hung_in_finalize(&outcome.output) => {
                eprintln!(
                    "`{}`: every rank passed, then the job hung in MPI_Finalize, a fault of the \
                     MPI library over TCP (MPICH 4.0 on UCX; 4.1 fixed it); counted as passed",
                    self.name
                );
                None
            }
            Expect::Pass => Some(self.failure(&status, &outcome.output)),
            Expect::Panic(pattern) => {
                let wanted = match pattern {
                    Some(text) => format!("a panic whose message contains {text:?}"),
                    None => "a panic".to_owned(),
                };
                let expected = (0..self.ranks).any(|rank| {
                    outcome
                        .output
                        .contains(&expected_panic_line(self.name, rank, self.ranks))
                });
                let wrong = outcome
                    .output
                    .contains("panicked, but the message does not contain");
                if success {
                    Some(if passed == self.ranks {
                        format!("expected {wanted}, but every rank returned")
                    } else {
                        self.too_few(passed)
                    })
                } else if wrong {
                    Some(format!(
                        "expected {wanted}, but a rank panicked with another message"
                    ))
                } else if expected {
                    None
                } else {
                    Some(format!(
                        "expected {wanted}, but the job failed otherwise: {}",
                        self.failure(&status, &outcome.output)
                    ))
                }
            }
        }
    }

    /// Whether the watchdog ended a job whose ranks all reached `MPI_Finalize` and hung there,
    /// with nothing else wrong, on an MPI library known for it.
    fn hung_in_finalize(&self, output: &str) -> bool {
        let every_rank_ended = (0..self.ranks).all(|rank| {
            output.contains(&format!(
                "[spmd] watchdog: rank {rank} of {} reached the end of the program",
                self.ranks
            ))
        });
        let something_else = ["blocked for", " panicked", "returned an error"]
            .iter()
            .any(|sign| output.contains(sign));
        self.finalize_may_hang && every_rank_ended && !something_else
    }

    /// The launcher said success, yet not every rank said it ran the test.
    fn too_few(&self, passed: usize) -> String {
        format!(
            "the launcher reported success, but only {passed} of {} rank(s) ran the test to its \
             end: the test binary's own filter did not select `{}` in the ranks (a custom test \
             harness?), or the launcher started fewer processes",
            self.ranks, self.name
        )
    }

    /// Why a job failed, as far as its output tells.
    fn failure(&self, status: &str, output: &str) -> String {
        let panicked: Vec<&str> = output
            .lines()
            .filter(|line| line.starts_with("[spmd] rank ") && line.contains(" panicked"))
            .map(|line| line.trim_start_matches("[spmd] ").trim_end_matches(':'))
            .collect();
        if output.contains("[spmd] watchdog:") {
            let after = if self.watchdog {
                format!(" (SPMD_TIMEOUT, set to half the time bound: {}s)", {
                    (self.timeout / 2).as_secs_f64()
                })
            } else {
                " (SPMD_TIMEOUT)".to_owned()
            };
            format!(
                "the watchdog found a rank blocked for too long{after} and aborted the job: a \
                 hang or a deadlock; its report is in the output below"
            )
        } else if !panicked.is_empty() {
            format!("{} ({status})", panicked.join("; "))
        } else {
            format!("the job failed ({status})")
        }
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::process::ExitStatusExt;

    use super::*;

    fn job(expect: Expect, finalize_may_hang: bool) -> Job<'static> {
        Job {
            name: "t::ranks_2",
            ranks: 2,
            transport: Transport::Tcp,
            timeout: Duration::from_secs(10),
            watchdog: true,
            expect,
            finalize_may_hang,
        }
    }

    fn outcome(code: Option<i32>, output: String) -> Outcome {
        Outcome {
            end: code.map_or(End::TimedOut, |code| {
                End::Exited(ExitStatus::from_raw(code << 8))
            }),
            elapsed: Duration::from_secs(1),
            output,
            command: "mpirun -n 2 t".into(),
        }
    }

    fn passed(ranks: &[usize]) -> String {
        ranks
            .iter()
            .map(|&rank| passed_line("t::ranks_2", rank, 2) + "\n")
            .collect()
    }

    #[test]
    fn a_pass_needs_success_and_every_rank() {
        let job = job(Expect::Pass, false);
        assert!(job.judge(&outcome(Some(0), passed(&[1, 0]))).is_ok());
        let one = job.judge(&outcome(Some(0), passed(&[0]))).unwrap_err();
        assert!(one.contains("only 1 of 2 rank(s) ran the test"), "{one}");
        let none = job.judge(&outcome(Some(0), String::new())).unwrap_err();
        assert!(none.contains("only 0 of 2"), "{none}");
        let failed = job.judge(&outcome(Some(1), passed(&[0, 1]))).unwrap_err();
        assert!(failed.contains("the job failed"), "{failed}");
        let killed = job.judge(&outcome(None, passed(&[0]))).unwrap_err();
        assert!(killed.contains("timed out after 10s"), "{killed}");
        assert!(killed.contains("--- output of all ranks ---\n[spmd test] rank 0"));
    }

    #[test]
    fn a_hang_in_finalize_passes_only_where_the_library_is_known_for_it() {
        let ended = |rank| {
            format!(
                "[spmd] watchdog: rank {rank} of 2 reached the end of the program 5.0s ago and \
                 waits in MPI_Finalize for the other ranks\n"
            )
        };
        let hung = passed(&[0, 1]) + &ended(0) + &ended(1);
        assert!(
            job(Expect::Pass, true)
                .judge(&outcome(Some(3), hung.clone()))
                .is_ok()
        );
        assert!(
            job(Expect::Pass, false)
                .judge(&outcome(Some(3), hung))
                .is_err()
        );
        // One rank never passed: a failure, whatever the library.
        let short = passed(&[0]) + &ended(0) + &ended(1);
        assert!(
            job(Expect::Pass, true)
                .judge(&outcome(Some(3), short))
                .is_err()
        );
    }

    #[test]
    fn a_job_killed_after_an_abort_failed() {
        let panicked = "[spmd] rank 1 of 2 panicked at t.rs:1:1:\nno\n".to_owned()
            + &expected_panic_line("t::ranks_2", 1, 2);
        let killed = Outcome {
            end: End::KilledAfterAbort,
            ..outcome(Some(1), panicked)
        };
        let error = job(Expect::Pass, false).judge(&killed).unwrap_err();
        assert!(
            error.contains("rank 1 of 2 panicked at t.rs:1:1 (the launcher had not ended"),
            "{error}"
        );
        assert!(job(Expect::Panic(None), false).judge(&killed).is_ok());
    }

    #[test]
    fn an_expected_panic_needs_the_line_of_the_rank_hook() {
        let job = job(Expect::Panic(Some("bad")), false);
        let expected = expected_panic_line("t::ranks_2", 1, 2) + "\n";
        assert!(job.judge(&outcome(Some(1), expected.clone())).is_ok());
        let wrong = "[spmd test] rank 0 of 2: `t::ranks_2` panicked, but the message does not \
                     contain \"bad\"\n";
        let error = job.judge(&outcome(Some(1), expected + wrong)).unwrap_err();
        assert!(error.contains("with another message"), "{error}");
        let other = job
            .judge(&outcome(Some(1), "segfault\n".into()))
            .unwrap_err();
        assert!(other.contains("the job failed otherwise"), "{other}");
        let none = job.judge(&outcome(Some(0), passed(&[0, 1]))).unwrap_err();
        assert!(none.contains("but every rank returned"), "{none}");
    }
}
