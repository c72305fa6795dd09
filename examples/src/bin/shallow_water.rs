//! The non-linear shallow-water model of mpi4jax's demo, over 1, 2, 4, 6, 8 or 16 ranks: a
//! zonal jet on a 360 x 180 grid, run for 10 model days (43 301 steps of about 20 s).
//! ranks: 1 2
//! env: SW_QUICK=1
//! timeout: 120
//!
//! ```text
//! mpirun -n 2 shallow_water [--f32] [--benchmark] [--output DIR]
//! ```
//!
//! `--f32` runs in 32-bit floats (64-bit by default); `--benchmark` writes nothing and prints
//! the time to solution. Otherwise rank 0 writes to DIR (default `shallow-water-output`):
//! `day_XX.XX.png` pictures of the height anomaly and velocity at 0, 2.5, 5 and 10 days, and
//! `final.npy`, the final `h`, `u`, `v` as a `3 x 180 x 360` array of `f64` (NumPy format).
//! `SW_QUICK=1` (the test run) stops after 201 steps, writes to a temporary folder (or DIR),
//! then removes the files it wrote, and the folder only if it created it.
//!
//! Every rank computes on one thread. The program checks that the total mass is conserved.

#[path = "../font.rs"]
mod font;
#[path = "../shallow_water/model.rs"]
#[allow(dead_code)]
mod model;
#[path = "../shallow_water/output.rs"]
mod output;

use std::path::PathBuf;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use model::{DAY_IN_SECONDS, Model, Real, STEPS_PER_CHUNK, chunk_count, gather_global, time_step};
use spmd::Comm;
use spmd::ndarray::{Array3, Axis, s};

/// What the command line asks for.
#[derive(Debug)]
struct Options {
    single_precision: bool,
    benchmark: bool,
    output: PathBuf,
    /// Model days to run.
    days: f64,
    quick: bool,
}

impl Options {
    fn parse() -> Result<Self, String> {
        let quick = std::env::var_os("SW_QUICK").is_some_and(|v| v != "0");
        let mut options = Options {
            single_precision: false,
            benchmark: false,
            output: PathBuf::from("shallow-water-output"),
            days: 10.0,
            quick,
        };
        if quick {
            // The first step and two chunks of 100.
            options.days = 1.5 * STEPS_PER_CHUNK as f64 * time_step() / DAY_IN_SECONDS;
            options.output =
                std::env::temp_dir().join(format!("spmd-shallow-water-{}", std::process::id()));
        }
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--f32" => options.single_precision = true,
                "--f64" => options.single_precision = false,
                "--benchmark" => options.benchmark = true,
                "--output" => {
                    options.output = args.next().ok_or("`--output` needs a folder")?.into();
                }
                other => {
                    return Err(format!(
                        "unknown argument `{other}`; usage: shallow_water [--f32] [--benchmark] \
                         [--output DIR]"
                    ));
                }
            }
        }
        Ok(options)
    }
}

fn main() {
    let universe = spmd::init();
    let comm = universe.world();
    let options = Options::parse().unwrap_or_else(|message| {
        if comm.rank() == 0 {
            eprintln!("shallow_water: {message}");
        }
        std::process::exit(2);
    });
    if options.single_precision {
        run::<f32>(&comm, &options);
    } else {
        run::<f64>(&comm, &options);
    }
}

/// Model times at which a picture is taken, in days (the last one is the end of the run).
const PICTURE_DAYS: [f64; 3] = [0.0, 2.5, 5.0];

// ANCHOR: run
fn run<T: Real>(comm: &Comm, options: &Options) {
    let mut model = Model::<T>::new(comm).unwrap_or_else(|message| {
        if comm.rank() == 0 {
            eprintln!("shallow_water: {message}");
        }
        std::process::exit(2);
    });
    let chunks = chunk_count(options.days * DAY_IN_SECONDS);
    let chunk_days = STEPS_PER_CHUNK as f64 * time_step() / DAY_IN_SECONDS;
    // The pictures: the state at the chunk boundaries nearest to PICTURE_DAYS, kept locally
    // and gathered at the end.
    let picture_chunks: Vec<u64> = PICTURE_DAYS
        .iter()
        .map(|&days| {
            ((days - time_step() / DAY_IN_SECONDS) / chunk_days)
                .round()
                .max(0.0) as u64
        })
        .filter(|&chunk| chunk < chunks)
        .collect();
    let mut snapshots = vec![(0.0, model.local_fields())];

    model.advance(comm, 1);
    let progress = progress_bar(comm, chunks, options.days);
    let start = Instant::now();
    for chunk in 0..chunks {
        if !options.benchmark && picture_chunks.contains(&chunk) && chunk > 0 {
            snapshots.push((model.time / DAY_IN_SECONDS, model.local_fields()));
        }
        model.advance(comm, STEPS_PER_CHUNK);
        progress.set_position(model.steps);
    }
    let elapsed = start.elapsed();
    progress.finish_and_clear();
    snapshots.push((model.time / DAY_IN_SECONDS, model.local_fields()));
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
    if options.benchmark {
        return;
    }
    let global: Vec<(f64, Option<Array3<f64>>)> = snapshots
        .iter()
        .map(|(days, local)| (*days, gather_global(comm, local)))
        .collect();
    if comm.rank() == 0 {
        let global: Vec<(f64, Array3<f64>)> = global
            .into_iter()
            .map(|(days, fields)| (days, fields.expect("rank 0 is the root")))
            .collect();
        check_mass::<T>(&global);
        write_output(options, &global).unwrap_or_else(|message| {
            eprintln!("shallow_water: {message}");
            std::process::exit(1);
        });
    }
}
// ANCHOR_END: run

fn progress_bar(comm: &Comm, chunks: u64, days: f64) -> ProgressBar {
    if comm.rank() != 0 {
        return ProgressBar::hidden();
    }
    let total = 1 + chunks * STEPS_PER_CHUNK;
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(4));
    let step_days = time_step() / DAY_IN_SECONDS;
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {model_days} [{elapsed_precise} < {eta_precise}, {per_sec}]",
        )
        .expect("a valid template")
        .with_key(
            "model_days",
            move |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let done = state.pos() as f64 * step_days;
                let _ = write!(w, "{done:.2}/{days:.2} model days");
            },
        ),
    );
    bar.set_position(1);
    bar
}

/// The total mass, `sum(h) dx dy`, changes only by round-off: the fluxes through the walls are
/// zero, and those through the periodic sides cancel.
fn check_mass<T: Real>(snapshots: &[(f64, Array3<f64>)]) {
    let mass = |fields: &Array3<f64>| fields.index_axis(Axis(0), 0).sum();
    let initial = mass(&snapshots[0].1);
    let (days, last) = snapshots.last().expect("at least the initial state");
    let change = (mass(last) - initial).abs() / initial;
    let tolerance = if std::mem::size_of::<T>() == 4 {
        1e-4
    } else {
        1e-11
    };
    assert!(
        last.iter().all(|x| x.is_finite()),
        "the solution is not finite at day {days:.2}"
    );
    assert!(
        change <= tolerance,
        "the total mass changed by {change:e} (relative) after {days:.2} days"
    );
}

/// Writes `final.npy` and the pictures into `options.output`, creating the folder if needed.
/// The quick run then removes what it wrote, and the folder only if this run created it: files
/// that were there before, and a folder given by the user, are never deleted.
fn write_output(options: &Options, snapshots: &[(f64, Array3<f64>)]) -> Result<(), String> {
    let dir = &options.output;
    let created_dir = !dir.exists();
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    let result = write_files(options, snapshots, &mut written);
    if options.quick {
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

/// Writes the output files, recording each path in `written` as soon as it exists.
fn write_files(
    options: &Options,
    snapshots: &[(f64, Array3<f64>)],
    written: &mut Vec<PathBuf>,
) -> Result<(), String> {
    let dir = &options.output;
    let (_, last) = snapshots.last().expect("at least the initial state");
    let data = dir.join("final.npy");
    let write = output::write_npy(&data, last);
    if data.exists() {
        written.push(data.clone());
    }
    write.map_err(|e| format!("writing {}: {e}", data.display()))?;
    let back = output::read_npy(&data).map_err(|e| format!("reading {}: {e}", data.display()))?;
    assert_eq!(&back, last, "final.npy reads back as written");
    font::register()?;
    // The quick run draws one picture: enough to exercise the drawing.
    let drawn = if options.quick {
        &snapshots[snapshots.len() - 1..]
    } else {
        snapshots
    };
    for (days, fields) in drawn {
        let path = dir.join(format!("day_{days:05.2}.png"));
        let drawing = output::draw_state(
            &path,
            fields.slice(s![0, .., ..]),
            fields.slice(s![1, .., ..]),
            fields.slice(s![2, .., ..]),
            *days,
        );
        if path.exists() {
            written.push(path);
        }
        drawing?;
    }
    if !options.quick {
        println!("wrote {} pictures and {}", drawn.len(), data.display());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick_options(output: PathBuf) -> Options {
        Options {
            single_precision: false,
            benchmark: false,
            output,
            days: 0.0,
            quick: true,
        }
    }

    fn snapshots() -> Vec<(f64, Array3<f64>)> {
        let mut fields = Array3::zeros((3, model::NY_GLOBAL, model::NX_GLOBAL));
        fields.index_axis_mut(Axis(0), 0).fill(model::DEPTH);
        vec![(0.0, fields)]
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("spmd-sw-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_given_folder_and_its_files_survive_the_quick_run() {
        let dir = scratch("given");
        std::fs::create_dir_all(dir.join("notes")).unwrap();
        std::fs::write(dir.join("mine.txt"), "user data").unwrap();
        std::fs::write(dir.join("notes/more.txt"), "more user data").unwrap();
        write_output(&quick_options(dir.clone()), &snapshots()).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("mine.txt")).unwrap(),
            "user data"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("notes/more.txt")).unwrap(),
            "more user data"
        );
        assert!(
            !dir.join("final.npy").exists(),
            "the run's own files are removed"
        );
        let mut left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        left.sort();
        assert_eq!(left, ["mine.txt", "notes"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_folder_the_quick_run_created_is_removed() {
        let dir = scratch("created").join("nested");
        write_output(&quick_options(dir.clone()), &snapshots()).unwrap();
        assert!(!dir.exists());
        std::fs::remove_dir_all(dir.parent().unwrap()).unwrap();
    }
}
