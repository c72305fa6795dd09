//! `cargo xtask bench [--quick]`: every op through spmd, through rsmpi directly and (allreduce,
//! ping-pong) through MPI's C functions, on 2 local ranks; allreduce and ping-pong again over
//! TCP and at `MPI_THREAD_SINGLE` (C's `MPI_Init` level); then the cost of MPI's threading
//! levels, counted with the plain-C program `examples/c/levels.c`.

use crate::cargo::{build_release_example, target_dir};
use crate::error::Error;
use crate::mpi::Launcher;
use crate::prereqs;
use crate::process::{Cmd, step};

/// The benchmark pairs rank 0 with rank 1 (ping-pong), so it runs on exactly two ranks.
const BENCH_RANKS: usize = 2;

/// Builds the `bench` example in release mode and runs it on [`BENCH_RANKS`] ranks. The full
/// run writes `ops.md` and `ops.png` to `bench/` in the target folder; `--quick` runs a few
/// small sizes, checks results and allocations, and writes nothing.
pub fn run(args: &[String]) -> Result<(), Error> {
    let quick = match args {
        [] => false,
        [flag] if flag == "--quick" => true,
        _ => {
            return Err(Error::usage(format!(
                "`cargo xtask bench` takes only `--quick`, got `{}`",
                args.join(" ")
            )));
        }
    };
    prereqs::ensure()?;
    let launcher = Launcher::detect()?;
    let program = build_release_example("bench")?;
    let out = target_dir().join("bench");
    let mut run = launcher
        .mpirun(BENCH_RANKS, &program)
        .args(["--out".to_owned(), out.display().to_string()]);
    if quick {
        run = run.arg("--quick");
    }
    step("bench", &run)?;
    if !quick {
        let mut section = tcp_run(&launcher, &program, &out)?;
        section.push_str(&single_run(&launcher, &program, &out)?);
        section.push_str(&halo_overlap(&launcher)?);
        section.push_str(&shallow_water_overlap(&launcher)?);
        section.push_str(&threading_levels(&launcher, &out)?);
        let table = out.join("ops.md");
        let mut text = std::fs::read_to_string(&table)
            .map_err(|error| Error::new(format!("reading {}: {error}", table.display())))?;
        text.push_str(&section);
        std::fs::write(&table, text)
            .map_err(|error| Error::new(format!("writing {}: {error}", table.display())))?;
        print!("{section}");
        eprintln!(
            "xtask: the table is in {}, the plot in {}",
            table.display(),
            out.join("ops.png").display()
        );
    }
    Ok(())
}

/// Open MPI's settings that send every message over TCP on the loopback interface.
const TCP_SETTINGS: [(&str, &str); 3] = [
    ("OMPI_MCA_pml", "ob1"),
    ("OMPI_MCA_btl", "tcp,self"),
    ("OMPI_MCA_btl_tcp_if_include", "lo"),
];

/// `settings` as the owned pairs `Cmd::envs` takes.
fn owned(settings: &[(&str, &str)]) -> Vec<(String, String)> {
    settings
        .iter()
        .map(|&(name, value)| (name.to_owned(), value.to_owned()))
        .collect()
}

/// The two main ops (allreduce, ping-pong) again over TCP on the loopback interface (Open MPI's
/// `tcp` and `self` BTLs), where a message costs microseconds instead of a fraction of one: their
/// table, for the report. Empty with another MPI library.
fn tcp_run(
    launcher: &Launcher,
    program: &std::path::Path,
    out: &std::path::Path,
) -> Result<String, Error> {
    if !launcher.is_open_mpi() {
        eprintln!("xtask: the TCP run of the bench needs Open MPI's BTL settings; skipped");
        return Ok(String::new());
    }
    let settings = TCP_SETTINGS;
    let intro = "Allreduce and ping-pong again, every message over TCP on the loopback interface \
                 (`OMPI_MCA_btl=tcp,self`)";
    main_ops_again(
        launcher,
        program,
        &out.join("tcp"),
        &settings,
        "Over TCP",
        intro,
    )
}

/// The two main ops again with MPI initialised at `MPI_THREAD_SINGLE` (`SPMD_THREADS=single`),
/// the level of C's `MPI_Init`: the C form of this run is then what a C program that calls
/// `MPI_Init` runs, side by side with spmd.
fn single_run(
    launcher: &Launcher,
    program: &std::path::Path,
    out: &std::path::Path,
) -> Result<String, Error> {
    let intro = "Allreduce and ping-pong again with `SPMD_THREADS=single`: MPI initialised at \
                 `MPI_THREAD_SINGLE`, the level of C's `MPI_Init` (see `spmd::Threads`), so the \
                 C form is what a C program that calls `MPI_Init` runs";
    let settings = [("SPMD_THREADS", "single")];
    main_ops_again(
        launcher,
        program,
        &out.join("single"),
        &settings,
        "At MPI_Init's level",
        intro,
    )
}

/// Runs the bench for allreduce and ping-pong with `settings` in the environment, its report
/// in `dir`: the report's text under `title`, after `intro`.
fn main_ops_again(
    launcher: &Launcher,
    program: &std::path::Path,
    dir: &std::path::Path,
    settings: &[(&str, &str)],
    title: &str,
    intro: &str,
) -> Result<String, Error> {
    let run = launcher
        .mpirun(BENCH_RANKS, program)
        .envs(&owned(settings))
        .args([
            "--out".to_owned(),
            dir.display().to_string(),
            "--op".to_owned(),
            "allreduce,ping-pong".to_owned(),
        ]);
    step(&format!("bench: {title}"), &run)?;
    let table = dir.join("ops.md");
    let text = std::fs::read_to_string(&table)
        .map_err(|error| Error::new(format!("reading {}: {error}", table.display())))?;
    Ok(format!(
        "\n## {title}\n\n{intro}; the plot is {}.\n\n{text}",
        dir.join("ops.png").display()
    ))
}

/// The `halo_overlap` example over shared memory and, with Open MPI, over TCP on the loopback
/// interface: how much of a halo exchange overlapping it with the stencil hides.
fn halo_overlap(launcher: &Launcher) -> Result<String, Error> {
    let program = build_release_example("halo_overlap")?;
    let mut section = String::from(
        "\n## Overlapping a halo exchange\n\n`halo_overlap` (see the book's \"Overlapping \
         communication\"): the exchange posted with `irecv`/`isend`, the interior computed, \
         then the edges; `hidden` is `(exchange + compute - overlapped) / exchange`.\n",
    );
    for (name, stdout) in over_transports(launcher, &program, &[])? {
        section.push_str(&format!("\nOver {name}. {stdout}"));
    }
    Ok(section)
}

/// The shallow-water model with and without `--overlap`, side by side in one run
/// (`--compare-overlap`: chunks of 100 steps alternate between the two), on the default grid
/// and on one 4 times larger, over shared memory and, with Open MPI, over TCP.
fn shallow_water_overlap(launcher: &Launcher) -> Result<String, Error> {
    let program = build_release_example("shallow_water")?;
    let mut section = String::from(
        "\n## Overlap in the shallow-water model\n\n`shallow_water --compare-overlap`: chunks \
         of 100 steps alternate between the blocking step and `--overlap`, on the same state; \
         median time per step of each.\n\n",
    );
    for (grid, days) in [("360x180", "3"), ("720x360", "1")] {
        let args = ["--compare-overlap", "--grid", grid, "--days", days].map(str::to_owned);
        for (name, stdout) in over_transports(launcher, &program, &args)? {
            let lines: Vec<&str> = stdout
                .lines()
                .filter(|line| line.contains("overlapped / blocking") || line.contains("waited"))
                .collect();
            let text = match lines[..] {
                [] => "no comparison printed".to_owned(),
                _ => lines.join("; "),
            };
            section.push_str(&format!("- {grid}, over {name}: {text}\n"));
        }
    }
    Ok(section)
}

/// Runs `program` with `args` on [`BENCH_RANKS`] ranks over shared memory and, with Open MPI,
/// over TCP on the loopback interface: each transport's name and standard output.
fn over_transports(
    launcher: &Launcher,
    program: &std::path::Path,
    args: &[String],
) -> Result<Vec<(&'static str, String)>, Error> {
    let mut runs = vec![("shared memory", Vec::new())];
    if launcher.is_open_mpi() {
        runs.push(("TCP on the loopback interface", owned(&TCP_SETTINGS)));
    }
    let mut outputs = Vec::new();
    for (name, envs) in runs {
        let run = launcher
            .mpirun(BENCH_RANKS, program)
            .args(args.to_vec())
            .envs(&envs);
        let output = run.output()?;
        let program_name = program.file_name().unwrap_or_default().to_string_lossy();
        if !output.status.success() {
            return Err(Error::new(format!(
                "{program_name} over {name} failed: {}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )));
        }
        outputs.push((name, String::from_utf8_lossy(&output.stdout).into_owned()));
    }
    Ok(outputs)
}

/// The threading levels compared, as `levels` names them: `MPI_Init`, and `MPI_Init_thread`
/// with `MPI_THREAD_SINGLE`, `MPI_THREAD_FUNNELED` (spmd's default) and `MPI_THREAD_MULTIPLE`
/// (`Threads::Multiple`); `Threads::Single` asks for `MPI_THREAD_SINGLE`.
const LEVELS: [&str; 4] = ["init", "single", "funneled", "multiple"];

/// Call pairs made in the counted run.
const PAIRS: u64 = 20_000;

/// The cost of MPI's threading levels per call, in instructions: `examples/c/levels.c` makes
/// [`PAIRS`] pairs of calls (`MPI_Allreduce` and `MPI_Sendrecv` of one double on
/// `MPI_COMM_SELF`) at each level, under `valgrind --tool=callgrind`, and once with none; the
/// difference over the pairs is the library's own work per pair. Timings would compare
/// processes, which on a small shared machine differ by more than the effect (two runs of the
/// same C program differed 2x here); instruction counts do not. A markdown section, or a line
/// saying why there is none (no valgrind).
fn threading_levels(_launcher: &Launcher, out: &std::path::Path) -> Result<String, Error> {
    if !Cmd::new("valgrind").arg("--version").succeeds_quietly() {
        return Ok(
            "\nThreading levels: not measured (valgrind is not installed; \
                   `apt-get install valgrind`).\n"
                .to_owned(),
        );
    }
    let levels = out.join("levels");
    step(
        "levels (mpicc)",
        &Cmd::new("mpicc").args([
            "-O2".to_owned(),
            "-o".to_owned(),
            levels.display().to_string(),
            crate::cargo::workspace_root()
                .join("examples/c/levels.c")
                .display()
                .to_string(),
        ]),
    )?;
    let count = |level: &str, pairs: u64| -> Result<u64, Error> {
        let run = Cmd::new("valgrind")
            .envs(&[
                ("OMPI_ALLOW_RUN_AS_ROOT".to_owned(), "1".to_owned()),
                ("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM".to_owned(), "1".to_owned()),
            ])
            .args([
                "--tool=callgrind".to_owned(),
                "--callgrind-out-file=/dev/null".to_owned(),
                levels.display().to_string(),
                level.to_owned(),
                pairs.to_string(),
            ]);
        let output = run.output()?;
        let text = String::from_utf8_lossy(&output.stderr);
        if !output.status.success() {
            return Err(Error::new(format!("`{run}` failed: {}", text.trim())));
        }
        collected(&text).ok_or_else(|| {
            Error::new(format!(
                "`{run}` printed no instruction count: {}",
                text.trim()
            ))
        })
    };
    let mut per_pair = Vec::new();
    for level in LEVELS {
        eprintln!("xtask: counting the instructions of {level}");
        let base = count(level, 0)?;
        let with = count(level, PAIRS)?;
        per_pair.push(with.saturating_sub(base) as f64 / PAIRS as f64);
    }
    Ok(threading_section(&per_pair))
}

/// The total of callgrind's `Collected : N` line.
fn collected(stderr: &str) -> Option<u64> {
    stderr
        .lines()
        .find_map(|line| line.split("Collected :").nth(1))
        .and_then(|count| count.trim().parse().ok())
}

/// The markdown of [`threading_levels`]: instructions per pair by level, and against
/// `MPI_Init`.
fn threading_section(per_pair: &[f64]) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nThreading levels, counted in instructions (valgrind's callgrind; deterministic): the \
         MPI library's own work per pair of calls (`MPI_Allreduce` and `MPI_Sendrecv` of one \
         double on `MPI_COMM_SELF`, {PAIRS} pairs), by the level MPI was initialised with. spmd \
         initialises MPI with `MPI_THREAD_FUNNELED` unless `SPMD_THREADS` (`Options::threads`) \
         asks for `single` or `multiple`.\n"
    );
    let _ = writeln!(out, "| level | instructions per pair | against MPI_Init |");
    let _ = writeln!(out, "|---|---:|---:|");
    let init = per_pair.first().copied().unwrap_or(f64::NAN);
    for (level, count) in LEVELS.iter().zip(per_pair) {
        let name = match *level {
            "init" => "`MPI_Init`",
            "single" => "`MPI_THREAD_SINGLE`",
            "funneled" => "`MPI_THREAD_FUNNELED`",
            _ => "`MPI_THREAD_MULTIPLE`",
        };
        let _ = writeln!(out, "| {name} | {count:.0} | {:.3} |", count / init);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_instruction_count_is_read_from_callgrind() {
        let stderr =
            "==1== Events    : Ir\n==1== Collected : 72209380\n==1==\n==1== I   refs:  72\n";
        assert_eq!(collected(stderr), Some(72_209_380));
        assert_eq!(collected("no count"), None);
    }

    #[test]
    fn levels_are_compared_with_mpi_init() {
        let section = threading_section(&[1423.4, 1423.5, 1640.7, 1640.3]);
        assert!(
            section.contains("| `MPI_Init` | 1423 | 1.000 |"),
            "{section}"
        );
        assert!(
            section.contains("| `MPI_THREAD_FUNNELED` | 1641 | 1.153 |"),
            "{section}"
        );
    }
}
