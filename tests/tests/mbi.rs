//! The MPI Bugs Initiative (MBI) suite: spmd ports of a sample of MBI's codes
//! (`tests/mbi/codes/`, written by `tests/mbi/generate.py`), each compiled and, if it compiles,
//! run under `mpirun` with MBI's process count, check mode and the watchdog. A compile error
//! from `#[spmd_jit]` flags a code at compile time; a run that fails (check mode, the watchdog,
//! an MPI or spmd error) flags it at run time. MBI's metrics follow, at compile time and at
//! compile or run time, per category and in total; the table is printed and written to
//! `<target>/mbi-suite/report.md`.
//!
//! The verdict of every code is compared with `tests/mbi/baseline.txt`: the test fails when a
//! correct code is flagged (a false alarm, never allowed), when an incorrect code is caught
//! later than its baseline says (compile, then run, then missed), when a port fails to compile
//! for a reason of Rust's own (a type error: the port is broken, not judged), or when a code
//! has no baseline. Codes caught earlier than their baseline are listed, and pass. With
//! `SPMD_MBI_BLESS=1` the test writes the measured verdicts as the new baseline.
//!
//! The codes are built as the binaries of one generated package, `<target>/mbi-suite/`, with a
//! target folder of its own (`<target>/mbi-suite/target`: a nested build cannot take the lock of
//! the folder that the running tests were built in), `cargo build --keep-going` once: each
//! binary is its own crate, so each code gets its own compile verdict.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};
use spmd_tests::{binary_dir, run, workspace_root};

/// The watchdog's bound for a run, in seconds: a deadlocked run is reported after it.
const WATCHDOG_S: u64 = 5;
/// The harness's own bound for a run: a run still going after it is killed and counted missed.
const KILL_AFTER: Duration = Duration::from_secs(30);

fn main() {
    let args = Arguments::from_args();
    let trial = Trial::test("mbi::suite", suite);
    libtest_mimic::run(&args, vec![trial]).exit();
}

/// One code of the sample, from its header.
#[derive(Debug, Clone)]
struct Code {
    name: String,
    category: String,
    correct: bool,
    ranks: usize,
    args: Vec<String>,
    source: PathBuf,
}

/// When a code was flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verdict {
    /// Rejected by `#[spmd_jit]` at compile time.
    Compile,
    /// Compiled; its run failed (check mode, the watchdog, an error).
    Run,
    /// Compiled and ran to the end: not flagged.
    Pass,
}

impl Verdict {
    fn word(self, correct: bool) -> &'static str {
        match (self, correct) {
            (Verdict::Compile, _) => "compile",
            (Verdict::Run, _) => "run",
            (Verdict::Pass, true) => "pass",
            (Verdict::Pass, false) => "missed",
        }
    }

    fn parse(word: &str) -> Option<Verdict> {
        match word {
            "compile" => Some(Verdict::Compile),
            "run" => Some(Verdict::Run),
            "pass" | "missed" => Some(Verdict::Pass),
            _ => None,
        }
    }
}

/// A code's outcome: its verdict and the first line of what flagged it.
#[derive(Debug, Clone)]
struct Outcome {
    verdict: Verdict,
    message: String,
}

fn suite() -> Result<(), Failed> {
    let root = workspace_root();
    let codes = read_codes(&root.join("tests/mbi/codes"))?;
    let project = binary_dir()
        .parent()
        .expect("the binaries live in <target>/<profile>")
        .join("mbi-suite");
    let start = Instant::now();
    write_project(&project, &codes, &root)?;
    let compiled = build(&project, &codes)?;
    let build_time = start.elapsed();
    let mut outcomes = BTreeMap::new();
    let mut problems = Vec::new();
    for code in &codes {
        let outcome = match compiled.get(&code.name) {
            Some(Built::Rejected(message)) => Outcome {
                verdict: Verdict::Compile,
                message: message.clone(),
            },
            Some(Built::Broken(message)) => {
                problems.push(format!(
                    "{}: the port does not compile for a reason of Rust's own (fix the port):\n{message}",
                    code.name
                ));
                continue;
            }
            Some(Built::Binary(binary)) => run_code(code, binary)?,
            None => {
                problems.push(format!("{}: cargo built nothing for it", code.name));
                continue;
            }
        };
        outcomes.insert(code.name.clone(), outcome);
    }
    let run_time = start.elapsed() - build_time;
    let mut report = report(&codes, &outcomes, build_time, run_time);
    let unported = inexpressible(&root.join("tests/mbi/inexpressible.md"))?;
    let (inexpressible, not_applicable) = (
        unported
            .iter()
            .filter(|kind| *kind == "inexpressible")
            .count(),
        unported
            .iter()
            .filter(|kind| *kind == "not applicable")
            .count(),
    );
    writeln!(
        report,
        "\nOutside these counts (tests/mbi/inexpressible.md): {} incorrect codes of the sample, \
         {inexpressible} inexpressible with spmd's types, {not_applicable} not applicable.",
        unported.len()
    )
    .unwrap();
    println!("{report}");
    std::fs::write(project.join("report.md"), &report)
        .map_err(|error| format!("cannot write the report: {error}"))?;

    let baseline_file = root.join("tests/mbi/baseline.txt");
    if std::env::var_os("SPMD_MBI_BLESS").is_some() {
        let mut text = String::from(
            "# The verdict of every code of tests/mbi/codes, as last measured (SPMD_MBI_BLESS=1\n\
             # cargo test -p spmd-tests --test mbi): compile, run or missed for an incorrect\n\
             # code, pass for a correct one. tests/tests/mbi.rs fails when a code does worse.\n",
        );
        for code in &codes {
            if let Some(outcome) = outcomes.get(&code.name) {
                writeln!(text, "{} {}", code.name, outcome.verdict.word(code.correct)).unwrap();
            }
        }
        std::fs::write(&baseline_file, text)
            .map_err(|error| format!("cannot write {}: {error}", baseline_file.display()))?;
    }
    let baseline = read_baseline(&baseline_file)?;
    let mut better = Vec::new();
    for code in &codes {
        let Some(outcome) = outcomes.get(&code.name) else {
            continue;
        };
        if code.correct && outcome.verdict != Verdict::Pass {
            problems.push(format!(
                "{}: a false alarm: this correct code is flagged at {} time: {}",
                code.name,
                outcome.verdict.word(true),
                outcome.message
            ));
            continue;
        }
        match baseline.get(&code.name) {
            None => problems.push(format!(
                "{}: not in tests/mbi/baseline.txt (measured: {}; SPMD_MBI_BLESS=1 writes it)",
                code.name,
                outcome.verdict.word(code.correct)
            )),
            Some(&expected) if outcome.verdict > expected => problems.push(format!(
                "{}: caught later than its baseline: {} instead of {}{}",
                code.name,
                outcome.verdict.word(code.correct),
                expected.word(code.correct),
                if outcome.message.is_empty() {
                    String::new()
                } else {
                    format!(": {}", outcome.message)
                }
            )),
            Some(&expected) if outcome.verdict < expected => better.push(format!(
                "{}: {} instead of {}",
                code.name,
                outcome.verdict.word(code.correct),
                expected.word(code.correct)
            )),
            Some(_) => {}
        }
    }
    if !better.is_empty() {
        println!(
            "caught earlier than the baseline (SPMD_MBI_BLESS=1 records it):\n  {}",
            better.join("\n  ")
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

/// The codes of `dir`, sorted by name, from their headers.
fn read_codes(dir: &Path) -> Result<Vec<Code>, String> {
    let mut codes = Vec::new();
    let entries = std::fs::read_dir(dir)
        .map_err(|error| format!("cannot list {}: {error}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|error| error.to_string())?.path();
        if path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path)
            .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
        let field = |key: &str| {
            text.lines()
                .take_while(|line| line.starts_with("//!"))
                .find_map(|line| line.strip_prefix(&format!("//! {key}: ")))
                .map(str::trim)
        };
        let missing = |key: &str| format!("{}: no `//! {key}:` line", path.display());
        let name = field("mbi").ok_or_else(|| missing("mbi"))?.to_owned();
        let stem = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or("");
        if stem != name {
            return Err(format!("{}: named {name} in its header", path.display()));
        }
        codes.push(Code {
            name,
            category: field("category")
                .ok_or_else(|| missing("category"))?
                .to_owned(),
            correct: match field("expected") {
                Some("correct") => true,
                Some("incorrect") => false,
                _ => return Err(missing("expected: correct|incorrect")),
            },
            ranks: field("ranks")
                .and_then(|ranks| ranks.parse().ok())
                .ok_or_else(|| missing("ranks"))?,
            args: field("args")
                .map(|args| args.split_whitespace().map(str::to_owned).collect())
                .unwrap_or_default(),
            source: path,
        });
    }
    codes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(codes)
}

/// The kind (`inexpressible` or `not applicable`) of each code listed in `file`'s table.
fn inexpressible(file: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|error| format!("cannot read {}: {error}", file.display()))?;
    text.lines()
        .filter(|line| line.starts_with("| `"))
        .map(|line| {
            let kind = line.split('|').nth(3).map(str::trim).unwrap_or("");
            match kind {
                "inexpressible" | "not applicable" => Ok(kind.to_owned()),
                _ => Err(format!(
                    "{}: a row without its kind: {line}",
                    file.display()
                )),
            }
        })
        .collect()
}

fn read_baseline(file: &Path) -> Result<BTreeMap<String, Verdict>, String> {
    let text = std::fs::read_to_string(file)
        .map_err(|error| format!("cannot read {}: {error}", file.display()))?;
    let mut baseline = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (name, word) = line
            .split_once(' ')
            .ok_or_else(|| format!("{}: a line without a verdict: {line}", file.display()))?;
        let verdict = Verdict::parse(word.trim())
            .ok_or_else(|| format!("{}: not a verdict: {line}", file.display()))?;
        baseline.insert(name.to_owned(), verdict);
    }
    Ok(baseline)
}

/// Writes the package whose binaries are the codes, removing the binaries of codes gone.
fn write_project(project: &Path, codes: &[Code], root: &Path) -> Result<(), String> {
    let bin = project.join("src/bin");
    std::fs::create_dir_all(&bin)
        .map_err(|error| format!("cannot make {}: {error}", bin.display()))?;
    let manifest = format!(
        "# Written by tests/tests/mbi.rs: the MBI ports of tests/mbi/codes, one binary each.\n\
         [package]\nname = \"mbi-suite\"\nversion = \"0.0.0\"\nedition = \"2024\"\npublish = false\n\n\
         [dependencies]\nspmd = {{ path = {:?} }}\n\n\
         # No debug information: the binaries link faster.\n[profile.dev]\ndebug = 0\n\n\
         [workspace]\n",
        root.join("runtime").display().to_string()
    );
    write_if_changed(&project.join("Cargo.toml"), &manifest)?;
    // The workspace's versions of every dependency, copied at every run (Cargo prunes the copy
    // to the package's own dependencies): nothing to resolve or download.
    std::fs::copy(root.join("Cargo.lock"), project.join("Cargo.lock"))
        .map_err(|error| format!("cannot copy Cargo.lock: {error}"))?;
    let names: Vec<String> = codes
        .iter()
        .map(|code| format!("{}.rs", code.name))
        .collect();
    for entry in std::fs::read_dir(&bin).map_err(|error| error.to_string())? {
        let path = entry.map_err(|error| error.to_string())?.path();
        let file = path
            .file_name()
            .and_then(|name| name.to_str())
            .unwrap_or("");
        if !names.iter().any(|name| name == file) {
            std::fs::remove_file(&path).map_err(|error| error.to_string())?;
        }
    }
    for code in codes {
        let text = std::fs::read_to_string(&code.source).map_err(|error| error.to_string())?;
        write_if_changed(&bin.join(format!("{}.rs", code.name)), &text)?;
    }
    Ok(())
}

/// Writes `text` to `file` unless it holds it already (so that Cargo rebuilds only what changed).
fn write_if_changed(file: &Path, text: &str) -> Result<(), String> {
    if std::fs::read_to_string(file).is_ok_and(|old| old == text) {
        return Ok(());
    }
    std::fs::write(file, text).map_err(|error| format!("cannot write {}: {error}", file.display()))
}

/// What building a code gave.
enum Built {
    /// An executable.
    Binary(PathBuf),
    /// Errors of `#[spmd_jit]` only (errors without a Rust error code); the first.
    Rejected(String),
    /// An error of Rust's own (`error[E...]`): the port is broken.
    Broken(String),
}

/// Builds every code at once (`--keep-going`) and sorts the binaries from the rejected codes by
/// the compiler's short messages (`src/bin/<code>.rs:line:col: error: ...`).
fn build(project: &Path, codes: &[Code]) -> Result<BTreeMap<String, Built>, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let target = project.join("target");
    let output = Command::new(cargo)
        .current_dir(project)
        .args([
            "build",
            "--bins",
            "--keep-going",
            "--offline",
            "--message-format=short",
        ])
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("SPMD_EXPLAIN")
        .stdin(Stdio::null())
        .output()
        .map_err(|error| format!("cannot start cargo: {error}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut errors: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in stderr.lines() {
        let Some(rest) = line.strip_prefix("src/bin/") else {
            continue;
        };
        let Some((file, message)) = rest.split_once(".rs:") else {
            continue;
        };
        if message.contains(": error") {
            errors
                .entry(file.to_owned())
                .or_default()
                .push(line.to_owned());
        }
    }
    let mut built = BTreeMap::new();
    for code in codes {
        let result = match errors.get(&code.name) {
            Some(lines) => match lines.iter().find(|line| line.contains(": error[E")) {
                Some(broken) => Built::Broken(broken.clone()),
                None => Built::Rejected(message_of(&lines[0])),
            },
            None => {
                let binary = target.join("debug").join(&code.name);
                if !binary.exists() {
                    return Err(format!(
                        "cargo build of {} gave no binary and no error for {}:\n{stderr}",
                        project.display(),
                        code.name
                    ));
                }
                Built::Binary(binary)
            }
        };
        built.insert(code.name.clone(), result);
    }
    Ok(built)
}

/// The message of a short diagnostic line, without its file and position.
fn message_of(line: &str) -> String {
    line.split_once(": error: ")
        .map_or(line, |(_, message)| message)
        .to_owned()
}

/// Runs a code that compiled, with check mode and the watchdog.
fn run_code(code: &Code, binary: &Path) -> Result<Outcome, String> {
    let mut command = Command::new(mpirun());
    command.arg("-n").arg(code.ranks.to_string());
    if is_open_mpi() {
        command.arg("--oversubscribe");
        // SAFETY: geteuid has no preconditions and cannot fail.
        if unsafe { libc::geteuid() } == 0 {
            command
                .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
                .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
        }
    }
    command
        .arg(binary)
        .args(&code.args)
        .env("SPMD_CHECK", "1")
        .env("SPMD_TIMEOUT", WATCHDOG_S.to_string());
    let outcome = run::run_bounded(command, KILL_AFTER)
        .map_err(|error| format!("{}: cannot start mpirun: {error}", code.name))?;
    let finished = outcome.status.is_some_and(|status| status.success());
    Ok(if outcome.timed_out {
        Outcome {
            verdict: Verdict::Pass,
            message: format!(
                "still running after {} s (the watchdog did not end it): killed",
                KILL_AFTER.as_secs()
            ),
        }
    } else if finished {
        Outcome {
            verdict: Verdict::Pass,
            message: String::new(),
        }
    } else {
        Outcome {
            verdict: Verdict::Run,
            message: first_report(&outcome.output),
        }
    })
}

/// The first line of a failed run that says why.
fn first_report(output: &str) -> String {
    let keys = [
        "check mode",
        "watchdog",
        "panicked",
        "error",
        "Error",
        "MPI_ERR",
    ];
    let lines: Vec<&str> = output.lines().map(str::trim).collect();
    // The first line of the most telling kind: check mode's, the watchdog's, then the rest.
    let Some(at) = keys
        .iter()
        .find_map(|key| lines.iter().position(|line| line.contains(key)))
        .or_else(|| lines.iter().position(|line| !line.is_empty()))
    else {
        return "failed with no output".into();
    };
    // A line that ends in `:` (`rank 0 of 2 panicked:`) is followed by what it says.
    let mut report = lines[at].to_owned();
    if report.ends_with(':')
        && let Some(next) = lines.get(at + 1)
    {
        report = format!("{report} {next}");
    }
    report.chars().take(400).collect()
}

fn mpirun() -> std::ffi::OsString {
    std::env::var_os("SPMD_MPIRUN").unwrap_or_else(|| "mpirun".into())
}

fn is_open_mpi() -> bool {
    Command::new(mpirun())
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map(|out| {
            let text = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
            text.contains("Open MPI") || text.contains("OpenRTE")
        })
        .unwrap_or(false)
}

/// True and false positives and negatives.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    tp: usize,
    fn_: usize,
    tn: usize,
    fp: usize,
}

impl Counts {
    fn add(&mut self, correct: bool, flagged: bool) {
        match (correct, flagged) {
            (false, true) => self.tp += 1,
            (false, false) => self.fn_ += 1,
            (true, false) => self.tn += 1,
            (true, true) => self.fp += 1,
        }
    }

    /// Recall, specificity, precision and F1, as MBI defines them (`-` where undefined).
    fn metrics(&self) -> [String; 4] {
        let ratio = |num: usize, den: usize| (den > 0).then(|| num as f64 / den as f64);
        let recall = ratio(self.tp, self.tp + self.fn_);
        let specificity = ratio(self.tn, self.tn + self.fp);
        let precision = ratio(self.tp, self.tp + self.fp);
        let f1 = match (precision, recall) {
            (Some(p), Some(r)) if p + r > 0.0 => Some(2.0 * p * r / (p + r)),
            _ => None,
        };
        [recall, specificity, precision, f1]
            .map(|value| value.map_or("-".into(), |v| format!("{v:.2}")))
    }
}

/// The report: per category and in total, at compile time and at compile or run time; then the
/// misses and what flagged each code at run time.
fn report(
    codes: &[Code],
    outcomes: &BTreeMap<String, Outcome>,
    build_time: Duration,
    run_time: Duration,
) -> String {
    let mut per_category: BTreeMap<&str, (usize, usize, Counts, Counts)> = BTreeMap::new();
    let mut total = (0, 0, Counts::default(), Counts::default());
    for code in codes {
        let Some(outcome) = outcomes.get(&code.name) else {
            continue;
        };
        let at_compile = outcome.verdict == Verdict::Compile;
        let at_all = outcome.verdict != Verdict::Pass;
        for entry in [per_category.entry(&code.category).or_default(), &mut total] {
            if code.correct {
                entry.0 += 1;
            } else {
                entry.1 += 1;
            }
            entry.2.add(code.correct, at_compile);
            entry.3.add(code.correct, at_all);
        }
    }
    let mut text = String::from(
        "MBI suite (tests/mbi): recall, specificity, precision and F1 at compile time, and at\n\
         compile or run time (SPMD_CHECK=1, SPMD_TIMEOUT=5)\n\n\
         | category | correct | incorrect | TP / FN / TN / FP (compile) | recall | specificity | precision | F1 | TP / FN / TN / FP (compile or run) | recall | specificity | precision | F1 |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    let rows = per_category
        .iter()
        .map(|(name, entry)| ((*name).to_owned(), *entry))
        .chain(std::iter::once(("**total**".to_owned(), total)));
    for (name, (correct, incorrect, compile, all)) in rows {
        let [r1, s1, p1, f1] = compile.metrics();
        let [r2, s2, p2, f2] = all.metrics();
        writeln!(
            text,
            "| {name} | {correct} | {incorrect} | {} / {} / {} / {} | {r1} | {s1} | {p1} | {f1} | {} / {} / {} / {} | {r2} | {s2} | {p2} | {f2} |",
            compile.tp, compile.fn_, compile.tn, compile.fp, all.tp, all.fn_, all.tn, all.fp
        )
        .unwrap();
    }
    writeln!(
        text,
        "\nBuilt in {:.0} s, ran in {:.0} s.",
        build_time.as_secs_f64(),
        run_time.as_secs_f64()
    )
    .unwrap();
    let mut section = |title: &str, pick: &dyn Fn(&Code, &Outcome) -> bool| {
        let lines: Vec<String> = codes
            .iter()
            .filter_map(|code| Some((code, outcomes.get(&code.name)?)))
            .filter(|(code, outcome)| pick(code, outcome))
            .map(|(code, outcome)| format!("- {}: {}", code.name, outcome.message))
            .collect();
        if !lines.is_empty() {
            writeln!(text, "\n{title}:\n{}", lines.join("\n")).unwrap();
        }
    };
    section("False alarms (correct codes flagged)", &|code, outcome| {
        code.correct && outcome.verdict != Verdict::Pass
    });
    section(
        "Missed (incorrect codes that compiled and ran to the end)",
        &|code, outcome| !code.correct && outcome.verdict == Verdict::Pass,
    );
    section("Caught at compile time", &|code, outcome| {
        !code.correct && outcome.verdict == Verdict::Compile
    });
    section("Caught at run time", &|code, outcome| {
        !code.correct && outcome.verdict == Verdict::Run
    });
    text
}
