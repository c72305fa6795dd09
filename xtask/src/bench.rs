//! `cargo xtask bench [--quick]`: every op through spmd, through rsmpi directly and (allreduce,
//! ping-pong) through MPI's C functions, on 2 local ranks; then the cost of MPI's threading
//! levels, measured with the plain-C baseline.

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
    let tcp_out = out.join("tcp");
    let run = launcher
        .mpirun(BENCH_RANKS, program)
        .envs(&[
            ("OMPI_MCA_pml".to_owned(), "ob1".to_owned()),
            ("OMPI_MCA_btl".to_owned(), "tcp,self".to_owned()),
            ("OMPI_MCA_btl_tcp_if_include".to_owned(), "lo".to_owned()),
        ])
        .args([
            "--out".to_owned(),
            tcp_out.display().to_string(),
            "--op".to_owned(),
            "allreduce,ping-pong".to_owned(),
        ]);
    step("bench over TCP", &run)?;
    let table = tcp_out.join("ops.md");
    let text = std::fs::read_to_string(&table)
        .map_err(|error| Error::new(format!("reading {}: {error}", table.display())))?;
    Ok(format!(
        "\n## Over TCP\n\nAllreduce and ping-pong again, every message over TCP on the loopback \
         interface (`OMPI_MCA_btl=tcp,self`); the plot is {}.\n\n{text}",
        tcp_out.join("ops.png").display()
    ))
}

/// The threading levels compared, as `baseline --threading` names them; `single` is
/// `MPI_Init`, spmd's default is `funneled`.
const LEVELS: [&str; 3] = ["single", "funneled", "multiple"];

/// Rounds of the threading comparison: each runs the baseline once per level.
const ROUNDS: usize = 5;

/// Times the plain-C baseline (`examples/c/baseline.c`: ping-pong and allreduce of 4 to 64 B)
/// under `MPI_Init`, `MPI_THREAD_FUNNELED` and `MPI_THREAD_MULTIPLE`, one process per level,
/// the levels in a rotating order for [`ROUNDS`] rounds, and returns a markdown section: the
/// median time per level and the median over rounds of each level's ratio to `MPI_Init`
/// within the round. The level is a property of the whole process, so unlike the forms of the
/// main table they cannot be interleaved within one run.
fn threading_levels(launcher: &Launcher, out: &std::path::Path) -> Result<String, Error> {
    let baseline = out.join("baseline");
    step(
        "baseline (mpicc)",
        &Cmd::new("mpicc").args([
            "-O2".to_owned(),
            "-o".to_owned(),
            baseline.display().to_string(),
            crate::cargo::workspace_root()
                .join("examples/c/baseline.c")
                .display()
                .to_string(),
        ]),
    )?;
    // (op, bytes) -> per level, per round: nanoseconds.
    let mut times: std::collections::BTreeMap<(String, usize), [Vec<f64>; 3]> =
        std::collections::BTreeMap::new();
    for round in 0..ROUNDS {
        for turn in 0..LEVELS.len() {
            let level = (round + turn) % LEVELS.len();
            let run = launcher.mpirun(BENCH_RANKS, &baseline).args([
                "--threading".to_owned(),
                LEVELS[level].to_owned(),
                "--seconds".to_owned(),
                "0.3".to_owned(),
            ]);
            let output = run.output()?;
            if !output.status.success() {
                return Err(Error::new(format!(
                    "`{run}` failed ({}): {}",
                    output.status,
                    String::from_utf8_lossy(&output.stderr).trim()
                )));
            }
            for (op, bytes, ns) in parse_baseline(&String::from_utf8_lossy(&output.stdout)) {
                times.entry((op, bytes)).or_default()[level].push(ns);
            }
        }
    }
    Ok(threading_section(&times))
}

/// The `op=... bytes=... median_ns=...` lines of the baseline's output.
fn parse_baseline(text: &str) -> Vec<(String, usize, f64)> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| {
            let field = |key: &str| {
                line.split_whitespace()
                    .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
            };
            Some((
                field("op")?.to_owned(),
                field("bytes")?.parse().ok()?,
                field("median_ns")?.parse().ok()?,
            ))
        })
        .collect()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The markdown of [`threading_levels`].
fn threading_section(times: &std::collections::BTreeMap<(String, usize), [Vec<f64>; 3]>) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nThreading levels: plain C (`examples/c/baseline.c`), one process per level, \
         {ROUNDS} rounds in rotating order; times are medians over the rounds, ratios the median \
         over the rounds of the level's time over `MPI_Init`'s in the same round. spmd \
         initialises MPI with `MPI_THREAD_FUNNELED`; `Options::multi_threaded` asks for \
         `MPI_THREAD_MULTIPLE`.\n"
    );
    let _ = writeln!(
        out,
        "| op | size | MPI_Init | FUNNELED | MULTIPLE | FUNNELED / Init | MULTIPLE / Init |"
    );
    let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|");
    for ((op, bytes), levels) in times {
        let ratio_to_init = |level: usize| {
            let mut ratios: Vec<f64> = levels[level]
                .iter()
                .zip(&levels[0])
                .map(|(t, init)| t / init)
                .collect();
            median(&mut ratios)
        };
        let [init, funneled, multiple] = levels.clone().map(|mut t| median(&mut t));
        let _ = writeln!(
            out,
            "| {op} | {bytes} B | {init:.0} ns | {funneled:.0} ns | {multiple:.0} ns | {:.3} | {:.3} |",
            ratio_to_init(1),
            ratio_to_init(2)
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn baseline_lines_are_parsed_and_comments_skipped() {
        let text = "# Open MPI v4.1.4; threading=single\n\
                    op=ping-pong bytes=8 threading=single median_ns=562.3 blocks=25\n\
                    op=allreduce bytes=64 threading=single median_ns=2622.5 blocks=25\n\
                    garbage\n";
        assert_eq!(
            parse_baseline(text),
            [
                ("ping-pong".to_owned(), 8, 562.3),
                ("allreduce".to_owned(), 64, 2622.5)
            ]
        );
    }

    #[test]
    fn ratios_are_paired_by_round() {
        let mut times = std::collections::BTreeMap::new();
        times.insert(
            ("ping-pong".to_owned(), 8),
            [
                vec![100.0, 200.0, 300.0],
                vec![110.0, 220.0, 330.0],
                vec![150.0, 300.0, 450.0],
            ],
        );
        let section = threading_section(&times);
        assert!(
            section.contains("| ping-pong | 8 B | 200 ns | 220 ns | 300 ns | 1.100 | 1.500 |"),
            "{section}"
        );
    }
}
