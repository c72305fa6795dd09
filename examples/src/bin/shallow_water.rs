//! The non-linear shallow-water model of mpi4jax's demo, over 1, 2, 4, 6, 8 or 16 ranks: a
//! zonal jet on a 360 x 180 grid, run for 10 model days (43 301 steps of about 20 s).
//! ranks: 1 2
//! args: --days 0.05 --scratch
//! timeout: 120
//!
//! ```text
//! mpirun -n 2 shallow_water [--f32] [--benchmark] [--days N] [--grid NXxNY] [--overlap]
//!     [--compare-overlap] [--output DIR] [--scratch]
//! shallow_water --help
//! ```
//!
//! `--f32` runs in 32-bit floats (64-bit by default); `--benchmark` writes nothing and prints
//! the time to solution; `--grid NXxNY` sets the global grid (360x180 by default; the spacing
//! stays 5 km, so a larger grid is a larger ocean, for weak scaling); `--overlap` overlaps the
//! exchange of each step's updated edge rows with the update of the rest of the block (the same
//! bits either way); `--compare-overlap` writes nothing and times chunks of 100 steps
//! alternately with and without `--overlap`, printing the median time per step of each and
//! their ratio; `--days N` runs N model days instead of 10 (the run stops at the first
//! chunk of 100 steps that reaches N days). Otherwise rank 0 writes to DIR (default
//! `shallow-water-output`): `day_DD.DD.png` pictures of the height anomaly and velocity at 0,
//! 2.5 and 5 days and at the end, named by the day (`day_02.50.png`, ..., `day_10.00.png`;
//! those past the end are left out), and `final.npy`, the final `h`, `u`, `v` as a
//! `3 x NY x NX` array of `f64` (NumPy format). `--scratch` (the test run) writes to a new
//! temporary folder (or DIR), reads the data back, then removes the files it wrote, and the
//! folder only if it created it; it never overwrites a file. The command line is read before
//! MPI starts, so `--help`, `--version` and a mistyped option need no MPI.
//!
//! Rank 0 shows the progress: a bar on stderr when that is a terminal, else a bar on stdout when
//! that is a terminal with a size (Open MPI gives every rank a pseudo-terminal for stdout, sized
//! like `mpirun`'s terminal when `mpirun` writes to one, and a pipe for stderr), else one line
//! per model day (per tenth of the run in runs under 10 days) on stdout.
//!
//! Every rank computes on one thread. The program checks that the total mass is conserved.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use spmd::ndarray::{Array3, Axis, s};
use spmd::{Comm, barrier, spmd_jit};
use spmd_examples::font;
use spmd_examples::shallow_water::model::{
    DAY_IN_SECONDS, GridSize, Model, Real, STEPS_PER_CHUNK, chunk_count, gather_global, time_step,
};
use spmd_examples::shallow_water::output;
use spmd_examples::stats::median;

/// mpi4jax's shallow-water demo in Rust: a zonal jet on 360 x 180 cells, 10 model days, on 1,
/// 2, 4, 6, 8 or 16 MPI ranks.
///
/// Run it under mpirun, e.g. `mpirun -n 2 shallow_water`. Rank 0 shows the progress and writes
/// pictures of the height anomaly and velocity at 0, 2.5 and 5 days and at the end (named by
/// the day: day_00.00.png, day_02.50.png, ...), and the final h, u, v as final.npy.
#[derive(Debug, Parser)]
#[command(name = "shallow_water", version)]
struct Options {
    /// Compute in 32-bit floats (64-bit by default).
    #[arg(long = "f32")]
    single_precision: bool,
    /// Write nothing; print the time to solution.
    #[arg(long, conflicts_with_all = ["output", "scratch"])]
    benchmark: bool,
    /// Model days to run, from 0.01 to 100000; the run stops at the first chunk of 100 steps
    /// (0.023 days) that reaches them.
    #[arg(long, value_name = "N", default_value_t = 10.0, value_parser = parse_days)]
    days: f64,
    /// Folder for the pictures and final.npy, created if needed [default: shallow-water-output,
    /// or a new temporary folder with --scratch].
    #[arg(long, value_name = "DIR")]
    output: Option<PathBuf>,
    /// Write the output, read it back, then remove the files written, and the folder if this
    /// run created it; never overwrites a file (the test suite's run).
    #[arg(long)]
    scratch: bool,
    /// The global grid in cells, as NXxNY (e.g. 1440x720 for 16 times the cells); the cell
    /// spacing stays 5 km, so a larger grid is a larger ocean (weak scaling).
    #[arg(long, value_name = "NXxNY", default_value = "360x180", value_parser = parse_grid)]
    grid: GridSize,
    /// Overlap the exchange of each step's updated edge rows with the update of the rest of
    /// the block (nonblocking ops); the solution is the same, bit for bit.
    #[arg(long)]
    overlap: bool,
    /// Write nothing; time the run's chunks of 100 steps alternately with and without
    /// --overlap (blocking, overlapped, overlapped, blocking, ...) and print the median time
    /// per step of each and their ratio: a side-by-side comparison in one run, on the same
    /// state (the two give the same bits).
    #[arg(long, conflicts_with_all = ["benchmark", "output", "scratch", "overlap"])]
    compare_overlap: bool,
}

/// `--grid`: `NXxNY`, two whole numbers of cells of at least 2.
fn parse_grid(text: &str) -> Result<GridSize, String> {
    let parse = |part: Option<&str>| {
        part.and_then(|value| value.trim().parse::<usize>().ok())
            .filter(|&cells| (2..=1 << 16).contains(&cells))
    };
    let mut parts = text.split(['x', 'X']);
    match (parse(parts.next()), parse(parts.next()), parts.next()) {
        (Some(nx), Some(ny), None) => Ok(GridSize { nx, ny }),
        _ => Err(format!(
            "`{text}` is not a grid: write NXxNY, e.g. 720x360, with 2 to 65536 cells each way"
        )),
    }
}

/// `--days`: a number of model days in `0.01..=100000` (shorter runs are one chunk anyway).
fn parse_days(text: &str) -> Result<f64, String> {
    let days: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if (0.01..=1e5).contains(&days) {
        Ok(days)
    } else {
        Err(format!("{days} is not between 0.01 and 100000"))
    }
}

impl Options {
    /// Where rank 0 writes (read on rank 0 only: the temporary folder is named by process id).
    fn output_dir(&self) -> PathBuf {
        match (&self.output, self.scratch) {
            (Some(dir), _) => dir.clone(),
            (None, false) => PathBuf::from("shallow-water-output"),
            (None, true) => {
                std::env::temp_dir().join(format!("spmd-shallow-water-{}", std::process::id()))
            }
        }
    }
}

fn main() {
    let options: Options = spmd_examples::cli::parse_before_mpi();
    let universe = spmd::init();
    let comm = universe.world();
    if options.single_precision {
        run::<f32>(&comm, &options);
    } else {
        run::<f64>(&comm, &options);
    }
}

/// Model days at which a picture is taken, besides the end of the run.
const PICTURE_DAYS: [f64; 3] = [0.0, 2.5, 5.0];

/// A picture to draw: the day it is named by, and the step after which the state is drawn (0:
/// the initial state).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Picture {
    day: f64,
    step: u64,
}

impl Picture {
    /// The file name: the day with two decimals, e.g. `day_02.50.png`.
    fn file_name(&self) -> String {
        picture_name(self.day)
    }
}

fn picture_name(day: f64) -> String {
    format!("day_{day:05.2}.png")
}

/// What a run of `days` model days does: as mpi4jax's demo, one step, then chunks of
/// [`STEPS_PER_CHUNK`] steps until the model time reaches `days`; the pictures are taken at the
/// chunk boundaries nearest to [`PICTURE_DAYS`] and at the end.
#[derive(Debug, Clone, PartialEq)]
struct Plan {
    /// Chunks after the first step.
    chunks: u64,
    /// Every step of the run: the first one and the chunks.
    total_steps: u64,
    /// The initial state first, the end of the run last.
    pictures: Vec<Picture>,
}

impl Plan {
    fn new(days: f64) -> Self {
        let chunks = chunk_count(days * DAY_IN_SECONDS);
        let total_steps = 1 + chunks * STEPS_PER_CHUNK;
        let chunk_days = STEPS_PER_CHUNK as f64 * time_step() / DAY_IN_SECONDS;
        let mut pictures: Vec<Picture> = PICTURE_DAYS
            .iter()
            // A picture at the end's day, or past it, would be the end's picture.
            .filter(|&&day| day < days && picture_name(day) != picture_name(days))
            .filter_map(|&day| {
                if day == 0.0 {
                    return Some(Picture { day, step: 0 });
                }
                let chunk = ((day - time_step() / DAY_IN_SECONDS) / chunk_days)
                    .round()
                    .max(0.0) as u64;
                (chunk < chunks).then_some(Picture {
                    day,
                    step: 1 + chunk * STEPS_PER_CHUNK,
                })
            })
            .collect();
        pictures.push(Picture {
            day: days,
            step: total_steps,
        });
        Plan {
            chunks,
            total_steps,
            pictures,
        }
    }
}

/// A state saved for a picture: the picture, the model time in days, and the fields (this
/// rank's block, or after the gather, the global grid).
#[derive(Debug)]
struct Snapshot {
    picture: Picture,
    days: f64,
    fields: Array3<f64>,
}

// ANCHOR: run
fn run<T: Real>(comm: &Comm, options: &Options) {
    let model = Model::<T>::on(comm, options.grid).unwrap_or_else(|message| {
        if comm.rank() == 0 {
            eprintln!("shallow_water: {message}");
        }
        std::process::exit(2);
    });
    let mut model = model.overlapped(options.overlap);
    let plan = Plan::new(options.days);
    // The pictures: the states kept locally, gathered at the end.
    let mut snapshots = Vec::new();
    let save = |model: &Model<T>, snapshots: &mut Vec<Snapshot>| {
        if options.benchmark {
            return;
        }
        for picture in plan.pictures.iter().filter(|p| p.step == model.steps) {
            snapshots.push(Snapshot {
                picture: *picture,
                days: model.time / DAY_IN_SECONDS,
                fields: model.local_fields(),
            });
        }
    };
    save(&model, &mut snapshots);
    model.advance(comm, 1);
    save(&model, &mut snapshots);
    let mut progress = Progress::for_rank(comm.rank(), plan.total_steps);
    let mut comparison = Comparison::default();
    let start = Instant::now();
    for chunk in 0..plan.chunks {
        if options.compare_overlap {
            let overlap = Comparison::overlaps(chunk);
            model = model.overlapped(overlap);
            let seconds = timed_chunk(comm, &mut model);
            comparison.add(overlap, seconds);
        } else {
            model.advance(comm, STEPS_PER_CHUNK);
        }
        save(&model, &mut snapshots);
        progress.update(model.steps);
    }
    let elapsed = start.elapsed();
    progress.finish();
    if options.compare_overlap && comm.rank() == 0 {
        comparison.print(comm.size());
        let waited = model.overlap_wait.as_secs_f64() / model.overlapped_steps.max(1) as f64;
        println!(
            "the overlapped steps waited {:.1} us each on rank 0 for their edge rows after the \
             sweep",
            waited * 1e6
        );
    }
    assert_eq!(
        model.steps, plan.total_steps,
        "the run took the planned steps"
    );
    if comm.rank() == 0 {
        println!(
            "{} steps ({:.2} model days) in {} on {} rank(s): solution took {:.2} s",
            model.steps,
            model.time / DAY_IN_SECONDS,
            std::any::type_name::<T>(),
            comm.size(),
            elapsed.as_secs_f64()
        );
    }
    if options.benchmark || options.compare_overlap {
        return;
    }
    let global: Vec<Option<Snapshot>> = snapshots
        .into_iter()
        .map(|local| gather_global(comm, &local.fields).map(|fields| Snapshot { fields, ..local }))
        .collect();
    if comm.rank() == 0 {
        let global: Vec<Snapshot> = global
            .into_iter()
            .map(|snapshot| snapshot.expect("rank 0 is the root"))
            .collect();
        check_mass::<T>(&global);
        write_output(&options.output_dir(), options.scratch, &global).unwrap_or_else(|message| {
            eprintln!("shallow_water: {message}");
            std::process::exit(1);
        });
    }
}
// ANCHOR_END: run

/// Runs a chunk of [`STEPS_PER_CHUNK`] steps between two barriers and returns its time in
/// seconds, the same on every rank give or take a barrier's exit.
#[spmd_jit]
fn timed_chunk<T: Real>(comm: &Comm, model: &mut Model<T>) -> f64 {
    barrier(comm);
    let start = Instant::now();
    model.advance(comm, STEPS_PER_CHUNK);
    barrier(comm);
    start.elapsed().as_secs_f64()
}

/// The chunk times of `--compare-overlap`, in seconds.
#[derive(Debug, Default)]
struct Comparison {
    blocking: Vec<f64>,
    overlapped: Vec<f64>,
}

impl Comparison {
    /// Whether chunk `chunk` overlaps: blocking, overlapped, overlapped, blocking, and again,
    /// so that a drift of the machine's speed weighs on both alike.
    fn overlaps(chunk: u64) -> bool {
        matches!(chunk % 4, 1 | 2)
    }

    fn add(&mut self, overlap: bool, seconds: f64) {
        if overlap {
            self.overlapped.push(seconds);
        } else {
            self.blocking.push(seconds);
        }
    }

    /// Each overlapped chunk's time over that of the blocking chunk next to it.
    fn ratios(&self) -> Vec<f64> {
        let pairs = self.overlapped.iter().zip(&self.blocking);
        pairs.map(|(o, b)| o / b).collect()
    }

    fn print(&self, ranks: usize) {
        let per_step = |seconds: f64| seconds / STEPS_PER_CHUNK as f64 * 1e6;
        let (blocking, overlapped) = (median(&self.blocking), median(&self.overlapped));
        let mut pairs = self.ratios();
        pairs.sort_by(f64::total_cmp);
        match (blocking, overlapped, pairs.first(), pairs.last()) {
            (Some(b), Some(o), Some(low), Some(high)) => println!(
                "{} chunks of {STEPS_PER_CHUNK} steps each way on {ranks} rank(s), median per \
                 step: blocking {:.1} us, overlapped {:.1} us; overlapped / blocking {:.3} \
                 (chunk pairs: median {:.3}, from {low:.3} to {high:.3})",
                pairs.len(),
                per_step(b),
                per_step(o),
                o / b,
                median(&pairs).unwrap_or(f64::NAN),
            ),
            _ => println!("too short to compare: run at least 2 chunks (--days 0.05)"),
        }
    }
}

/// How rank 0 shows the progress of the run; the other ranks show nothing.
#[derive(Debug)]
enum Progress {
    Hidden,
    /// A bar, redrawn in place: on stderr when that is a terminal, else on stdout when that is
    /// a terminal with a size (under Open MPI in a terminal: it gives each rank a
    /// pseudo-terminal for stdout, sized as `mpirun`'s when `mpirun`'s stdout is a terminal, and
    /// 0 x 0 when not, and a pipe for stderr).
    Bar(ProgressBar),
    /// Lines on stdout, for logs and pipes.
    Lines(Lines<std::io::Stdout>),
}

impl Progress {
    fn for_rank(rank: usize, total_steps: u64) -> Self {
        if rank != 0 {
            Progress::Hidden
        } else if std::io::stderr().is_terminal() {
            Progress::Bar(progress_bar(
                ProgressDrawTarget::stderr_with_hz(4),
                total_steps,
            ))
        } else if console::Term::stdout().size_checked().is_some() {
            Progress::Bar(progress_bar(
                ProgressDrawTarget::stdout_with_hz(4),
                total_steps,
            ))
        } else {
            Progress::Lines(Lines::new(std::io::stdout(), total_steps))
        }
    }

    /// The model has taken `steps` steps.
    fn update(&mut self, steps: u64) {
        match self {
            Progress::Hidden => {}
            Progress::Bar(bar) => bar.set_position(steps),
            Progress::Lines(lines) => lines.update(steps),
        }
    }

    /// Removes the bar, so that what follows is printed in its place.
    fn finish(&mut self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// `done/total model days`, as the bar and the lines show the progress; the total is the model
/// time at the end of the run, which the last chunk takes past the days asked for.
fn model_days(steps: u64, total_steps: u64) -> String {
    let step_days = time_step() / DAY_IN_SECONDS;
    format!(
        "{:.2}/{:.2} model days",
        steps as f64 * step_days,
        total_steps as f64 * step_days
    )
}

fn progress_bar(target: ProgressDrawTarget, total_steps: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total_steps), target);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {model_days} [{elapsed_precise} < {eta_precise}, {steps_per_second}]",
        )
        .expect("a valid template")
        .with_key(
            "steps_per_second",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0} steps/s", state.per_sec());
            },
        )
        .with_key(
            "model_days",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let total = state.len().unwrap_or(state.pos());
                let _ = w.write_str(&model_days(state.pos(), total));
            },
        ),
    );
    // The first step is taken when the bar appears.
    bar.set_position(1);
    bar
}

/// Progress as lines, one per model day, or per tenth of the run when it is shorter than 10
/// days (at most one per chunk), and one at the end.
#[derive(Debug)]
struct Lines<W> {
    out: W,
    total_steps: u64,
    /// Model days between two lines.
    interval: f64,
    /// The model time of the next line.
    next: f64,
    start: Instant,
}

impl<W: Write> Lines<W> {
    fn new(out: W, total_steps: u64) -> Self {
        let total_days = total_steps as f64 * time_step() / DAY_IN_SECONDS;
        let interval = (total_days / 10.0).min(1.0);
        Lines {
            out,
            total_steps,
            interval,
            next: interval,
            start: Instant::now(),
        }
    }

    /// The model has taken `steps` steps: prints a line if it passed the next mark.
    fn update(&mut self, steps: u64) {
        let done = steps as f64 * time_step() / DAY_IN_SECONDS;
        let finished = steps >= self.total_steps;
        if done < self.next && !finished {
            return;
        }
        while self.next <= done {
            self.next += self.interval;
        }
        let elapsed = self.start.elapsed().as_secs_f64();
        let percent = 100 * steps / self.total_steps;
        let label = model_days(steps, self.total_steps);
        // The first step was taken before the clock started.
        let left = if finished || steps <= 1 {
            String::new()
        } else {
            let rate = elapsed / (steps - 1) as f64;
            format!(
                ", about {:.0} s left",
                rate * (self.total_steps - steps) as f64
            )
        };
        // A progress line that cannot be written is no reason to stop the run.
        let _ = writeln!(self.out, "{label} ({percent}%), {elapsed:.1} s{left}");
        let _ = self.out.flush();
    }
}

/// The total mass, `sum(h) dx dy`, changes only by round-off: the fluxes through the walls are
/// zero, and those through the periodic sides cancel. `snapshots` start with the initial state.
fn check_mass<T: Real>(snapshots: &[Snapshot]) {
    let mass = |fields: &Array3<f64>| fields.index_axis(Axis(0), 0).sum();
    let first = &snapshots[0];
    assert_eq!(
        first.picture.step, 0,
        "the first snapshot is the initial state"
    );
    let initial = mass(&first.fields);
    let last = snapshots.last().expect("at least the initial state");
    let days = last.days;
    let change = (mass(&last.fields) - initial).abs() / initial;
    let tolerance = if std::mem::size_of::<T>() == 4 {
        1e-4
    } else {
        1e-11
    };
    assert!(
        last.fields.iter().all(|x| x.is_finite()),
        "the solution is not finite at day {days:.2}"
    );
    assert!(
        change <= tolerance,
        "the total mass changed by {change:e} (relative) after {days:.2} days"
    );
}

/// Writes `final.npy` and the pictures into `dir`, creating the folder if needed. With
/// `scratch`, it then removes what it wrote, and the folder only if this run created it: files
/// that were there before, and a folder given by the user, are never deleted, and a file that
/// is already there is an error, not overwritten.
fn write_output(dir: &Path, scratch: bool, snapshots: &[Snapshot]) -> Result<(), String> {
    let created_dir = !dir.exists();
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    let result = write_files(dir, scratch, snapshots, &mut written);
    if scratch {
        for path in &written {
            std::fs::remove_file(path).map_err(|e| format!("removing {}: {e}", path.display()))?;
        }
        if created_dir {
            // Not recursive: whatever else appeared in the folder meanwhile stays.
            std::fs::remove_dir(dir).map_err(|e| format!("removing {}: {e}", dir.display()))?;
        }
    }
    result
}

/// Writes the output files, recording each path in `written` as soon as this run has created
/// it; with `scratch`, a file that already exists is an error.
fn write_files(
    dir: &Path,
    scratch: bool,
    snapshots: &[Snapshot],
    written: &mut Vec<PathBuf>,
) -> Result<(), String> {
    let exists = |path: &Path| format!("{} exists: --scratch overwrites nothing", path.display());
    let last = snapshots.last().expect("at least the initial state");
    let data = dir.join("final.npy");
    if scratch && data.exists() {
        return Err(exists(&data));
    }
    let write = output::write_npy(&data, &last.fields, scratch);
    if data.exists() {
        written.push(data.clone());
    }
    write.map_err(|e| format!("writing {}: {e}", data.display()))?;
    let back = output::read_npy(&data).map_err(|e| format!("reading {}: {e}", data.display()))?;
    assert_eq!(back, last.fields, "final.npy reads back as written");
    font::register()?;
    for snapshot in snapshots {
        let path = dir.join(snapshot.picture.file_name());
        if scratch && path.exists() {
            return Err(exists(&path));
        }
        let fields = &snapshot.fields;
        let drawing = output::draw_state(
            &path,
            fields.slice(s![0, .., ..]),
            fields.slice(s![1, .., ..]),
            fields.slice(s![2, .., ..]),
            snapshot.days,
        );
        if path.exists() {
            written.push(path);
        }
        drawing?;
    }
    if !scratch {
        println!(
            "wrote {} pictures and {} to {}",
            snapshots.len(),
            data.file_name().expect("a file name").display(),
            dir.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;
    use spmd_examples::shallow_water::model;

    use super::*;

    /// The initial state of the unit tests: at rest, flat.
    fn snapshots() -> Vec<Snapshot> {
        let mut fields = Array3::zeros((3, model::NY_GLOBAL, model::NX_GLOBAL));
        fields.index_axis_mut(Axis(0), 0).fill(model::DEPTH);
        vec![Snapshot {
            picture: Picture { day: 0.0, step: 0 },
            days: 0.0,
            fields,
        }]
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("spmd-sw-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn listing(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_given_folder_and_its_files_survive_the_scratch_run() {
        let dir = scratch("given");
        std::fs::create_dir_all(dir.join("notes")).unwrap();
        std::fs::write(dir.join("mine.txt"), "user data").unwrap();
        std::fs::write(dir.join("notes/more.txt"), "more user data").unwrap();
        write_output(&dir, true, &snapshots()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("mine.txt")).unwrap(),
            "user data"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("notes/more.txt")).unwrap(),
            "more user data"
        );
        assert_eq!(listing(&dir), ["mine.txt", "notes"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_folder_the_scratch_run_created_is_removed() {
        let dir = scratch("created").join("nested");
        write_output(&dir, true, &snapshots()).unwrap();
        assert!(!dir.exists());
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }

    #[test]
    fn the_scratch_run_overwrites_and_removes_no_file_that_was_there() {
        for name in ["final.npy", "day_00.00.png"] {
            let dir = scratch("existing");
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join(name), "user data").unwrap();
            let error = write_output(&dir, true, &snapshots()).unwrap_err();
            assert!(error.contains("exists"), "{error}");
            assert_eq!(
                std::fs::read_to_string(dir.join(name)).unwrap(),
                "user data"
            );
            assert_eq!(listing(&dir), [name]);
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn the_output_reads_back_and_the_pictures_are_named_by_day() {
        let dir = scratch("kept");
        let mut states = snapshots();
        let mut last = Snapshot {
            picture: Picture {
                day: 2.5,
                step: 10_801,
            },
            days: 10_801.0 * time_step() / DAY_IN_SECONDS,
            fields: states[0].fields.clone(),
        };
        last.fields[[1, 3, 4]] = 0.25;
        states.push(last);
        write_output(&dir, false, &states).unwrap();
        assert_eq!(
            listing(&dir),
            ["day_00.00.png", "day_02.50.png", "final.npy"]
        );
        let back: Array3<f64> = ndarray_npy::read_npy(dir.join("final.npy")).unwrap();
        assert_eq!(back, states[1].fields);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn names(plan: &Plan) -> Vec<String> {
        plan.pictures.iter().map(Picture::file_name).collect()
    }

    #[test]
    fn the_pictures_are_named_by_the_days_the_docs_promise() {
        let plan = Plan::new(10.0);
        assert_eq!(plan.total_steps, 43_301, "mpi4jax's count");
        assert_eq!(
            names(&plan),
            [
                "day_00.00.png",
                "day_02.50.png",
                "day_05.00.png",
                "day_10.00.png"
            ]
        );
        // Taken at the chunk boundaries nearest to the days, the last at the end.
        let steps: Vec<u64> = plan.pictures.iter().map(|p| p.step).collect();
        assert_eq!(steps, [0, 10_801, 21_601, 43_301]);
        for picture in &plan.pictures[1..] {
            let days = picture.step as f64 * time_step() / DAY_IN_SECONDS;
            assert!((days - picture.day).abs() < 0.02, "{picture:?} at {days}");
        }
        assert_eq!(names(&Plan::new(2.5)), ["day_00.00.png", "day_02.50.png"]);
        assert_eq!(
            names(&Plan::new(3.0)),
            ["day_00.00.png", "day_02.50.png", "day_03.00.png"]
        );
        // Never two pictures of one name, nor one past the end.
        assert_eq!(
            names(&Plan::new(5.001)),
            ["day_00.00.png", "day_02.50.png", "day_05.00.png"]
        );
        let short = Plan::new(0.05);
        assert_eq!((short.chunks, short.total_steps), (3, 301));
        assert_eq!(names(&short), ["day_00.00.png", "day_00.05.png"]);
        assert_eq!(Plan::new(0.01).pictures[0], Picture { day: 0.0, step: 0 });
    }

    #[test]
    fn the_progress_total_is_the_end_of_the_run() {
        // The old bar ended at "0.05/0.03 model days": its total was the days asked for.
        for (days, end) in [
            (0.05, "0.07/0.07"),
            (0.03, "0.05/0.05"),
            (10.0, "10.00/10.00"),
        ] {
            let plan = Plan::new(days);
            let label = model_days(plan.total_steps, plan.total_steps);
            assert_eq!(label, format!("{end} model days"), "--days {days}");
        }
    }

    #[test]
    fn progress_lines_come_per_tenth_of_a_short_run_and_per_day_of_a_long_one() {
        let printed = |days: f64| {
            let plan = Plan::new(days);
            let mut lines = Lines::new(Vec::new(), plan.total_steps);
            lines.update(1);
            for chunk in 1..=plan.chunks {
                lines.update(1 + chunk * STEPS_PER_CHUNK);
            }
            String::from_utf8(lines.out).unwrap()
        };
        let short = printed(0.05);
        let labels: Vec<&str> = short
            .lines()
            .map(|line| line.split(" (").next().unwrap())
            .collect();
        assert_eq!(
            labels,
            [
                "0.02/0.07 model days",
                "0.05/0.07 model days",
                "0.07/0.07 model days"
            ],
            "{short}"
        );
        assert!(short.lines().last().unwrap().contains("(100%)"), "{short}");
        let long = printed(10.0);
        let labels: Vec<&str> = long
            .lines()
            .map(|line| line.split('/').next().unwrap())
            .collect();
        assert_eq!(
            labels,
            [
                "1.02", "2.01", "3.00", "4.02", "5.01", "6.01", "7.02", "8.01", "9.01", "10.00"
            ],
            "{long}"
        );
    }

    #[test]
    fn the_comparison_alternates_and_takes_medians() {
        let modes: Vec<bool> = (0..8).map(Comparison::overlaps).collect();
        assert_eq!(modes, [false, true, true, false, false, true, true, false]);
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        let mut comparison = Comparison::default();
        for (chunk, seconds) in [0.03, 0.02, 0.04, 0.05].into_iter().enumerate() {
            comparison.add(Comparison::overlaps(chunk as u64), seconds);
        }
        assert_eq!(comparison.blocking, [0.03, 0.05]);
        assert_eq!(comparison.overlapped, [0.02, 0.04]);
        assert_eq!(comparison.ratios(), [0.02 / 0.03, 0.04 / 0.05]);
    }

    #[test]
    fn the_command_line() {
        let parse = |args: &[&str]| {
            Options::try_parse_from(std::iter::once("shallow_water").chain(args.iter().copied()))
        };
        let defaults = parse(&[]).unwrap();
        assert_eq!(defaults.days, 10.0);
        assert!(!defaults.single_precision && !defaults.benchmark && !defaults.scratch);
        assert!(!defaults.overlap);
        assert_eq!(defaults.grid, GridSize::DEFAULT);
        let larger = parse(&["--grid", "1440x720", "--overlap"]).unwrap();
        assert_eq!(larger.grid, GridSize { nx: 1440, ny: 720 });
        assert!(larger.overlap && !larger.compare_overlap);
        assert!(
            parse(&["--compare-overlap", "--days", "1"])
                .unwrap()
                .compare_overlap
        );
        assert_eq!(defaults.output_dir(), Path::new("shallow-water-output"));
        let options = parse(&["--f32", "--days", "0.5", "--output", "out", "--scratch"]).unwrap();
        assert!(options.single_precision && options.scratch);
        assert_eq!((options.days, options.output_dir()), (0.5, "out".into()));
        assert!(
            parse(&["--scratch"])
                .unwrap()
                .output_dir()
                .starts_with(std::env::temp_dir())
        );
        for bad in [
            &["--days", "0"][..],
            &["--days", "-1"],
            &["--days", "NaN"],
            &["--days", "ten"],
            &["--benchmark", "--output", "out"],
            &["--f16"],
            &["extra"],
            &["--grid", "360"],
            &["--grid", "360x1"],
            &["--grid", "360x180x2"],
            &["--grid", "axb"],
            &["--compare-overlap", "--overlap"],
            &["--compare-overlap", "--benchmark"],
            &["--compare-overlap", "--scratch"],
        ] {
            let error = parse(bad).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{bad:?}: {error}");
        }
        let help = parse(&["--help"]).unwrap_err();
        assert_eq!(help.exit_code(), 0);
        Options::command().debug_assert();
    }
}
