//! Benchmark: each op through spmd and the same operation through rsmpi directly (and, for
//! allreduce and ping-pong, through MPI's C functions as a C program calls them), in one run.
//! ranks: 2
//! env: SPMD_BENCH_QUICK=1
//!
//! For every op (allreduce of f64 with `Sum`, ping-pong `send`/`recv`, `sendrecv`, `bcast`,
//! `allgather`, `alltoall`) and message sizes from 8 B to 64 MiB, the program times "raw"
//! (rsmpi called directly on preallocated buffers) and "ours" (the in-place or `_into` form of
//! the spmd op on the same buffers) in the same process, on the same communicator, interleaved
//! block by block, and prints the median time of one call of each and their ratio. Allreduce
//! has two more forms: the allocating functional `allreduce`, and `allreduce_in_place` on a
//! communicator with check mode on. Allreduce and ping-pong also have a "C" form: the same
//! `MPI_Allreduce`, `MPI_Send` and `MPI_Recv` called through the C functions with no wrapper,
//! which is what a C program runs; it shares the process, and so MPI's threading level
//! (`MPI_THREAD_FUNNELED`, spmd's default; the report's first line names it), with the other
//! forms. `SPMD_THREADS=single` runs everything at `MPI_THREAD_SINGLE`, the level of C's
//! `MPI_Init`: the C form is then what a C program that calls `MPI_Init` runs. `cargo xtask
//! bench` measures the cost of each level against plain `MPI_Init` separately, with
//! `examples/c/levels.c`.
//!
//! A counting global allocator shows the heap allocations made per call. Every form's result
//! is checked once per size before it is timed.
//!
//! Run it with `cargo xtask bench` (or `cargo xtask bench --quick`). Options: `--out DIR` writes
//! `ops.md` and `ops.png` there (default: `bench/` in the cargo target folder); `--quick` (or
//! the variable SPMD_BENCH_QUICK=1) runs a few small sizes, asserts that the in-place and
//! `_into` forms allocate nothing, and writes no file; `--op NAME` times one op only (e.g.
//! `--op ping-pong`, or several separated by commas); `--sizes B,..` only these message sizes in
//! bytes; `--seconds S` sets the time spent on
//! each (op, size, form), 0.5 by default, three times that from 1 MiB on. Timings are never
//! asserted. The command line is read before MPI starts, so `--help` and a mistyped option
//! need no MPI.
//!
//! The ops are in `ops.rs` (one type each, listed in `ops::OPS`), their timing in
//! `measure.rs`, the markdown in `report.rs`, the plot in `plot.rs` and the counting
//! allocator in `alloc.rs`.

mod alloc;
mod measure;
mod ops;
mod plot;
mod report;

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use clap::builder::PossibleValue;

use measure::{Plan, self_overhead};
use ops::{Ctx, OPS, Op, Variant};
use plot::plot;
use report::{format_allocs, format_size, format_time, overhead_section, report};

/// Each op through spmd, through rsmpi directly and (allreduce, ping-pong) through MPI's C
/// functions, in one run on exactly 2 ranks: `mpirun -n 2 bench`.
///
/// Prints the median time of one call of each form and their ratios, and writes them as
/// ops.md with a plot, ops.png. Timings are never asserted.
#[derive(Debug, Parser)]
#[command(name = "bench")]
struct Options {
    /// Folder for ops.md and ops.png, created if needed [default: bench/ in the cargo target
    /// folder].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Run a few small sizes, assert that the in-place and _into forms allocate nothing, and
    /// write no file (also SPMD_BENCH_QUICK=1).
    #[arg(long)]
    quick: bool,
    /// Time only these ops, separated by commas [default: all].
    #[arg(long = "op", value_name = "NAMES", value_delimiter = ',')]
    ops: Vec<Op>,
    /// Seconds of timed calls per (op, size, form), three times that from 1 MiB on [default:
    /// 0.5].
    #[arg(long, value_name = "S", value_parser = parse_seconds)]
    seconds: Option<f64>,
    /// Time only these message sizes, in bytes, separated by commas (each a multiple of 8, the
    /// size of an `f64`) [default: 8 B to 64 MiB, every factor of 4].
    #[arg(long, value_name = "BYTES", value_delimiter = ',', value_parser = parse_size)]
    sizes: Vec<usize>,
}

/// `--sizes`: a message size in bytes, a positive multiple of 8.
fn parse_size(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(bytes) if bytes > 0 && bytes % 8 == 0 => Ok(bytes),
        _ => Err(format!(
            "`{text}` is not a message size: give a positive number of bytes, a multiple of 8"
        )),
    }
}

/// `--op`: the ops by name, as [`OPS`] lists them.
impl clap::ValueEnum for Op {
    fn value_variants<'a>() -> &'a [Self] {
        OPS
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name))
    }
}

/// `--seconds`: a number of seconds, 0 or more.
fn parse_seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds >= 0.0 => Ok(seconds),
        _ => Err(format!("`{text}` is not a number of seconds (0 or more)")),
    }
}

/// `bench/` in `CARGO_TARGET_DIR` or the workspace's `target/`.
fn default_out_dir() -> PathBuf {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => workspace.join(dir),
        None => workspace.join("target"),
    };
    target.join("bench")
}

/// The machine's cores: `/proc/cpuinfo` where there is one (mpirun may bind each rank to one
/// core, which is all `available_parallelism` would see), else what the process may use.
fn cores() -> usize {
    std::fs::read_to_string("/proc/cpuinfo")
        .map(|info| info.lines().filter(|l| l.starts_with("processor")).count())
        .ok()
        .filter(|&n| n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from))
}

fn main() {
    let options: Options = spmd_examples::cli::parse_before_mpi();
    let quick =
        options.quick || std::env::var("SPMD_BENCH_QUICK").is_ok_and(|v| !v.is_empty() && v != "0");
    let out = options.out.clone().unwrap_or_else(default_out_dir);

    let universe = spmd::init();
    let comm = universe.world();
    assert_eq!(
        comm.size(),
        2,
        "the benchmark runs on exactly 2 ranks (ping-pong pairs rank 0 with rank 1): \
         start it with `mpirun -n 2`"
    );
    let checked = comm.with_check(true);
    // SAFETY: both ranks run the same benchmark, which calls every collective with the same
    // sizes, roots and operators on both, in the same order (the plan is the same on both).
    let unagreed = unsafe { comm.without_agreement() };
    // SAFETY: as above, and every message fits its receive: both ranks exchange buffers of
    // the plan's one size.
    let unguarded = unsafe { comm.unguarded() };
    let ctx = Ctx {
        rank: comm.rank(),
        size: comm.size(),
        peer: 1 - comm.rank(),
        comm,
        checked,
        unagreed,
        unguarded,
    };
    let mut plan = Plan::new(quick);
    if let Some(seconds) = options.seconds {
        plan.target = seconds;
        plan.large_target = 3.0 * plan.target;
    }
    let ops: Vec<Op> = if options.ops.is_empty() {
        OPS.to_vec()
    } else {
        options.ops.clone()
    };
    let sizes = if options.sizes.is_empty() {
        plan.sizes()
    } else {
        options.sizes.clone()
    };
    let started = Instant::now();

    let mut token = spmd::token();
    let mut cells = Vec::new();
    for &op in &ops {
        for &bytes in &sizes {
            let (mut measured, next) = op.measure(&ctx, &plan, bytes, token);
            token = next;
            if ctx.rank == 0 && !quick {
                for cell in &measured {
                    eprintln!(
                        "bench: {:<9} {:>7} {:<16} {:>9} ({} calls, {} allocs/call)",
                        op.name,
                        format_size(bytes),
                        cell.variant.name(),
                        format_time(cell.median),
                        cell.reps,
                        format_allocs(cell.allocs_per_call)
                    );
                }
            }
            cells.append(&mut measured);
        }
    }
    drop(token);

    // The in-place and `_into` forms (and rsmpi) must make no heap allocation in steady state.
    // The counts are the larger of the two ranks', so every rank sees the same and fails alike.
    let allocating: Vec<String> = cells
        .iter()
        .filter(|c| {
            c.variant.must_not_allocate()
                && !(c.op.ours_allocates && c.variant == Variant::Ours)
                && c.allocs_per_call != 0.0
        })
        .map(|c| {
            format!(
                "{} ({}) of {}: {} allocations per call",
                c.op.name,
                c.variant.name(),
                format_size(c.bytes),
                c.allocs_per_call
            )
        })
        .collect();

    let overhead = self_overhead(if quick { 2_000 } else { 400_000 });

    if ctx.rank == 0 {
        let version = spmd::mpi::environment::library_version()
            .map(|v| v.split([',', '\n']).next().unwrap_or("").trim().to_string())
            .unwrap_or_else(|_| "unknown MPI".into());
        // The transport, when the environment picks one (the TCP run of `cargo xtask bench`).
        let transport = match std::env::var("OMPI_MCA_btl") {
            Ok(btl) => format!(" over Open MPI's `{btl}` BTLs"),
            Err(_) => String::new(),
        };
        let level = match spmd::mpi::environment::threading_support() {
            spmd::mpi::Threading::Single => "MPI_THREAD_SINGLE",
            spmd::mpi::Threading::Funneled => "MPI_THREAD_FUNNELED",
            spmd::mpi::Threading::Serialized => "MPI_THREAD_SERIALIZED",
            spmd::mpi::Threading::Multiple => "MPI_THREAD_MULTIPLE",
        };
        let machine = format!(
            "2 ranks on one machine with {} cores{transport}; {version}, {level}; {} run, {:.0} s.",
            cores(),
            if quick { "quick" } else { "full" },
            started.elapsed().as_secs_f64()
        );
        let mut table = report(&cells, &sizes, &machine);
        overhead_section(&mut table, &overhead);
        println!("{table}");
        if !quick {
            std::fs::create_dir_all(&out)
                .unwrap_or_else(|e| panic!("cannot create {}: {e}", out.display()));
            let md = out.join("ops.md");
            std::fs::write(&md, &table)
                .unwrap_or_else(|e| panic!("cannot write {}: {e}", md.display()));
            println!("wrote {}", md.display());
            let png = out.join("ops.png");
            if let Err(problem) = plot(&cells, &sizes, &png) {
                panic!("no plot: {problem}");
            }
            println!("wrote {}", png.display());
        }
    }
    assert!(
        !quick || allocating.is_empty(),
        "steady-state calls that must not allocate did:\n  {}",
        allocating.join("\n  ")
    );
    if !quick && !allocating.is_empty() && ctx.rank == 0 {
        eprintln!(
            "bench: warning: steady-state calls that must not allocate did:\n  {}",
            allocating.join("\n  ")
        );
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        Options::try_parse_from(std::iter::once("bench").chain(args.iter().copied()))
    }

    #[test]
    fn the_command_line() {
        let defaults = parse(&[]).unwrap();
        assert!(!defaults.quick && defaults.out.is_none() && defaults.seconds.is_none());
        assert!(defaults.ops.is_empty(), "every op by default");
        // As `cargo xtask bench` runs it.
        let xtask = parse(&["--out", "dir", "--op", "allreduce,ping-pong", "--quick"]).unwrap();
        assert_eq!(xtask.out, Some(PathBuf::from("dir")));
        let names: Vec<&str> = xtask.ops.iter().map(|op| op.name).collect();
        assert_eq!(names, ["allreduce", "ping-pong"]);
        assert!(xtask.quick);
        assert_eq!(parse(&["--seconds", "2"]).unwrap().seconds, Some(2.0));
        assert_eq!(parse(&["--sizes", "8,4096"]).unwrap().sizes, vec![8, 4096]);
        for name in OPS.iter().map(|op| op.name) {
            assert_eq!(
                parse(&["--op", name]).unwrap().ops,
                [*OPS.iter().find(|op| op.name == name).unwrap()]
            );
        }
        for bad in [
            &["--op", "allreduse"][..],
            &["--op"],
            &["--seconds", "-1"],
            &["--seconds", "NaN"],
            &["--seconds", "fast"],
            &["--sizes", "12"],
            &["--sizes", "0"],
            &["--bogus"],
            &["extra"],
        ] {
            let error = parse(bad).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{bad:?}: {error}");
        }
        assert_eq!(parse(&["--help"]).unwrap_err().exit_code(), 0);
        Options::command().debug_assert();
    }
}
