//! `#[spmd::test]` itself: tests that pass on every world size, over shared memory and TCP, and
//! expect panics; and, in the `failure_modes` module, each way a test can fail, shown by
//! running this binary again on a fixture and reading its report.
//!
//! The fixtures fail on purpose: they are `#[ignore]`d so that a plain run of this binary
//! passes, and `failure_modes` starts them one at a time, with `--include-ignored`.

use spmd::prelude::*;

#[spmd::test(ranks = 1..=4)]
#[spmd_jit]
fn every_size(comm: &Comm) {
    let size = comm.size() as u64;
    let total = allreduce(&(comm.rank() as u64), Sum, comm);
    assert_eq!(total, size * (size - 1) / 2, "rank {}", comm.rank());
}

#[spmd::test(ranks = [2, 3], transport = tcp)]
#[spmd_jit]
fn over_tcp(comm: &Comm) {
    let (rank, size) = (comm.rank(), comm.size());
    let (from, to) = comm.shift(1);
    let got = sendrecv(&[rank as i32], &[0i32], from, to, comm);
    assert_eq!(got, [((rank + size - 1) % size) as i32]);
}

#[spmd::test(ranks = 2, transport = tcp)]
fn tcp_settings_reach_the_ranks(_comm: &Comm) {
    assert!(fixtures::over_tcp());
}

#[spmd::test(ranks = [2, 4], expect = panic("rank 1 refuses"))]
fn expected_panic(comm: &Comm) {
    if comm.rank() == 1 {
        panic!("rank 1 refuses: the input is out of range");
    }
}

#[spmd::test(ranks = 2)]
fn returns_ok(comm: &Comm) -> Result<(), String> {
    if comm.size() == 2 {
        Ok(())
    } else {
        Err(format!("a world of {}", comm.size()))
    }
}

/// A test named as the module around it (its tests are `same_name::same_name::ranks_N`).
mod same_name {
    #[spmd::test(ranks = [1, 2])]
    fn same_name(comm: &spmd::Comm) {
        assert!(comm.rank() < comm.size());
    }
}

/// Tests that fail on purpose, each run by a test of `failure_modes`.
mod fixtures {
    use spmd::prelude::*;

    #[spmd::test(ranks = 3)]
    #[ignore = "fails on purpose: run by `failure_modes::a_failing_rank_fails_with_every_ranks_output`"]
    fn failing_rank(comm: &Comm) {
        println!("rank {} was here", comm.rank());
        // Every rank prints before one fails.
        drop(barrier(comm, spmd::token()));
        assert_ne!(comm.rank(), 2, "rank 2 fails on purpose");
    }

    // The watchdog fires at half the bound and takes 1.5 s more to let every rank report before
    // it aborts the job: a bound of 10 s leaves that room even on a loaded machine (at 6 s the
    // job ended ~1 s before the bound when idle, and after it once under CI's parallel tests).
    #[spmd::test(ranks = 2, timeout = 10)]
    #[ignore = "fails on purpose: run by `failure_modes::a_hang_fails_with_the_watchdogs_report`"]
    fn hang(comm: &Comm) {
        // Both ranks receive first: neither message is ever sent.
        let peer = 1 - comm.rank();
        let (_message, _token) = recv(&0u32, peer, comm, spmd::token());
    }

    #[spmd::test(ranks = 2, timeout = 6)]
    #[ignore = "fails on purpose: run by `failure_modes::a_hang_outside_the_ops_is_killed_at_the_bound`"]
    fn spin(_comm: &Comm) {
        // Outside any op, and no rank reaches `MPI_Finalize`: the watchdog sees nothing.
        loop {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    #[spmd::test(ranks = 2)]
    #[ignore = "fails on purpose: run by `failure_modes::the_timeout_variable_sets_the_default_bound`"]
    fn spin_without_bound(_comm: &Comm) {
        loop {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }

    #[spmd::test(ranks = 2, expect = panic("a message that never comes"))]
    #[ignore = "fails on purpose: run by `failure_modes::an_expected_panic_must_have_the_message`"]
    fn wrong_message(comm: &Comm) {
        panic!("rank {} panics with another message", comm.rank());
    }

    #[spmd::test(ranks = 2, expect = panic)]
    #[ignore = "fails on purpose: run by `failure_modes::an_expected_panic_must_happen`"]
    fn no_panic(_comm: &Comm) {}

    /// Whether the launcher was told to send every message over TCP, shared memory off.
    pub(super) fn over_tcp() -> bool {
        let is = |name: &str, value: &str| std::env::var(name).is_ok_and(|set| set == value);
        is("OMPI_MCA_btl", "tcp,self") || is("MPIR_CVAR_NOLOCAL", "1")
    }

    #[spmd::test(ranks = 2)]
    #[ignore = "passes over TCP only: run by `failure_modes::the_transport_variable_selects_tcp`"]
    fn needs_tcp(comm: &Comm) {
        assert!(over_tcp(), "rank {} runs over shared memory", comm.rank());
    }

    #[spmd::test(ranks = 2)]
    #[ignore = "fails on purpose: run by `failure_modes::an_error_returned_fails_the_test`"]
    fn returns_err(comm: &Comm) -> Result<(), String> {
        Err(format!("rank {} found nothing", comm.rank()))
    }
}

mod failure_modes {
    use std::process::Command;

    /// Runs this test binary on `filter` (an exact test name unless `exact` is false) with the
    /// ignored fixtures included; its exit success and its output.
    fn run_self(filter: &str, exact: bool, setup: impl FnOnce(&mut Command)) -> (bool, String) {
        let mut command = Command::new(std::env::current_exe().unwrap());
        command.arg(filter).arg("--include-ignored");
        if exact {
            command.arg("--exact");
        }
        setup(&mut command);
        let output = command.output().expect("this test binary starts again");
        let text = String::from_utf8_lossy(&output.stdout).into_owned()
            + &String::from_utf8_lossy(&output.stderr);
        (output.status.success(), text)
    }

    fn fails_with(filter: &str, needles: &[&str]) -> String {
        let (passed, output) = run_self(filter, true, |_| {});
        assert!(!passed, "`{filter}` passed, but must fail:\n{output}");
        for needle in needles {
            assert!(
                output.contains(needle),
                "the report of `{filter}` lacks {needle:?}:\n{output}"
            );
        }
        output
    }

    #[test]
    fn a_failing_rank_fails_with_every_ranks_output() {
        fails_with(
            "fixtures::failing_rank::ranks_3",
            &[
                "`fixtures::failing_rank::ranks_3` on 3 rank(s) over shm: rank 2 of 3 panicked",
                "rank 2 fails on purpose",
                "rank 0 was here",
                "rank 1 was here",
                "rank 2 was here",
                "--- output of all ranks ---",
                "command: ",
            ],
        );
    }

    #[test]
    fn a_hang_fails_with_the_watchdogs_report() {
        fails_with(
            "fixtures::hang::ranks_2",
            &[
                "the watchdog found a rank blocked for too long (SPMD_TIMEOUT, set to half the \
                 time bound: 5s)",
                "[spmd] watchdog: rank 0 of 2 blocked for",
                "in `recv` source=1 at tests/tests/spmd_test.rs:",
            ],
        );
    }

    #[test]
    fn a_hang_outside_the_ops_is_killed_at_the_bound() {
        let started = std::time::Instant::now();
        fails_with(
            "fixtures::spin::ranks_2",
            &["timed out after 6s", "killed with its whole process group"],
        );
        // The kill ended the ranks too: the run returned soon after the bound.
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    }

    #[test]
    fn the_timeout_variable_sets_the_default_bound() {
        let bound = |value: &str| {
            run_self("fixtures::spin_without_bound::ranks_2", true, |command| {
                command.env("SPMD_TEST_TIMEOUT", value);
            })
        };
        let (passed, output) = bound("2");
        assert!(!passed, "{output}");
        assert!(output.contains("timed out after 2s"), "{output}");
        let (passed, output) = bound("soon");
        assert!(!passed, "{output}");
        assert!(
            output.contains("SPMD_TEST_TIMEOUT=\"soon\" is not a positive number of seconds"),
            "{output}"
        );
    }

    #[test]
    fn a_test_started_by_a_launcher_says_to_use_cargo_test() {
        let (passed, output) = run_self("every_size::ranks_1", true, |command| {
            command
                .env("OMPI_COMM_WORLD_SIZE", "2")
                .env("PMI_SIZE", "2");
        });
        assert!(!passed, "{output}");
        assert!(
            output.contains("run `cargo test` itself, without `mpirun`"),
            "{output}"
        );
    }

    #[test]
    fn an_expected_panic_must_have_the_message() {
        fails_with(
            "fixtures::wrong_message::ranks_2",
            &[
                "expected a panic whose message contains \"a message that never comes\", but a \
                 rank panicked with another message",
                "panics with another message",
            ],
        );
    }

    #[test]
    fn an_expected_panic_must_happen() {
        fails_with(
            "fixtures::no_panic::ranks_2",
            &["expected a panic, but every rank returned"],
        );
    }

    #[test]
    fn an_error_returned_fails_the_test() {
        fails_with(
            "fixtures::returns_err::ranks_2",
            &["returned an error on rank", "found nothing"],
        );
    }

    #[test]
    fn the_transport_variable_selects_tcp() {
        let tcp = |value: &str| {
            run_self("fixtures::needs_tcp::ranks_2", true, |command| {
                command.env("SPMD_TEST_TRANSPORT", value);
            })
        };
        let (passed, output) = tcp("tcp");
        assert!(passed, "{output}");
        let (passed, output) = tcp("shm");
        assert!(!passed, "{output}");
        assert!(output.contains("runs over shared memory"), "{output}");
        let (passed, output) = tcp("infiniband");
        assert!(!passed, "{output}");
        assert!(
            output.contains("SPMD_TEST_TRANSPORT=\"infiniband\" is not a transport"),
            "{output}"
        );
    }

    #[test]
    fn a_filter_selects_one_world_size() {
        let (listed, list) = run_self("every_size", false, |command| {
            command.arg("--list");
        });
        assert!(listed, "{list}");
        for ranks in 1..=4 {
            assert!(
                list.contains(&format!("every_size::ranks_{ranks}: test")),
                "{list}"
            );
        }
        let (passed, output) = run_self("every_size::ranks_3", true, |_| {});
        assert!(passed, "{output}");
        assert!(
            output.contains("test every_size::ranks_3 ... ok"),
            "{output}"
        );
        assert!(output.contains("1 passed"), "{output}");
    }

    /// A folder holding one program, `mpirun`, that answers `--version` as the launcher of the
    /// MPI library this binary does not link; removed when dropped.
    struct OtherLaunchers(std::path::PathBuf);

    impl OtherLaunchers {
        fn new(test: &str) -> OtherLaunchers {
            use std::os::unix::fs::PermissionsExt;
            let linked = spmd::mpi::environment::library_version().unwrap_or_default();
            let version = if linked.contains("Open MPI") {
                "HYDRA build details:\n    Version: 4.0.2"
            } else {
                "mpirun (Open MPI) 4.1.4"
            };
            let dir = std::env::temp_dir().join(format!("spmd-test-{test}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            let program = dir.join("mpirun");
            std::fs::write(&program, format!("#!/bin/sh\necho '{version}'\n")).unwrap();
            std::fs::set_permissions(&program, std::fs::Permissions::from_mode(0o755)).unwrap();
            OtherLaunchers(dir)
        }
    }

    impl Drop for OtherLaunchers {
        fn drop(&mut self) {
            // Only the one file made above is in this folder, which `new` made.
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    #[test]
    fn no_launcher_is_a_clear_error() {
        // The only `mpirun` on PATH belongs to the other MPI: it must not be taken.
        let other = OtherLaunchers::new("no-launcher");
        let (passed, output) = run_self("every_size::ranks_2", true, |command| {
            command.env("PATH", &other.0).env_remove("SPMD_MPIRUN");
        });
        assert!(!passed, "{output}");
        for needle in [
            "no MPI launcher found for ",
            "`mpiexec` (not on PATH)",
            "/mpirun (a launcher of ",
            "set SPMD_MPIRUN to its path",
        ] {
            assert!(output.contains(needle), "lacks {needle:?}:\n{output}");
        }
    }

    #[test]
    fn a_launcher_of_the_other_mpi_is_refused() {
        let other = OtherLaunchers::new("other-mpi");
        let (passed, output) = run_self("every_size::ranks_2", true, |command| {
            command.env("SPMD_MPIRUN", other.0.join("mpirun"));
        });
        assert!(!passed, "{output}");
        assert!(
            output.contains("its processes would not form one world"),
            "{output}"
        );
    }
}
