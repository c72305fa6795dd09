//! The check on this repository's own programs: every `#[spmd_jit]` function of the examples
//! and the test programs, analysed as the macro analyses it in a build, with its verdict, the
//! counts and the time spent. Run it with
//! `cargo test -p spmd-macros --release repository -- --nocapture` to see them.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use syn::visit::{self, Visit};

use crate::analyse::{self, Options};
use crate::ctxt::Ctxt;

/// The folders of the workspace whose `.rs` files are compiled programs.
const FOLDERS: &[&str] = &["examples", "tests/src"];

/// The fewest functions the check must evaluate wholly: what it reaches now (100 of 117, with
/// communicators made by `split` followed and the programs that use them; 73 of 89 before; 71
/// before this test installed the file's renamed imports as the macro does, which the two
/// functions of `jit_imports` need; 70 before loops over parameters typed as arrays were
/// followed; 62 of
/// 89 before loops on values the same on every rank were followed and the benchmark's forms
/// computed their peer from the rank; 42 of 76 and 39 before the crate's other files, methods
/// and struct fields were followed; 26 before the helpers of a file were followed and the rank
/// rule gave way to the pattern check).
const MIN_CHECKED: usize = 100;

/// Functions that must be checked: the shallow-water model's exchanges, whose neighbours are
/// fields of a struct built from the rank and size in another file; the heat example's
/// `solve`, a loop left when an `allreduce` says the plate converged; the benchmark's
/// point-to-point forms and its halo exchange; the staging test's `step`, a loop over an array
/// parameter (and the other functions named `step`); ops imported under other names; rows and
/// quarters made by `split` (the book's sub-communicators and the split test).
const MUST_BE_CHECKED: &[&str] = &[
    "rows",
    "quarters",
    "rows_explicit",
    "exchange_columns",
    "exchange_friction",
    "gather_global",
    "solve",
    "jit_ping_pong",
    "jit_exchange_handed_over",
    "jit_isendrecv_handed_over",
    "jit_halo",
    "step",
    "renamed",
    "renamed_explicit",
];

/// Functions that must be at least partly checked (their collectives and peers): loops that
/// poll a request with `test` on data (`halo_overlap`'s overlapped sweep, the every-op tests'
/// polled reductions, the CUDA nonblocking test), which gave up before such loops were taken
/// as completions of unknown timing; the shallow-water model's overlapped step, whose process
/// grid is the one its caller's model holds (given per rank by the call in `Model::step`).
const MUST_BE_FOLLOWED: &[&str] = &[
    "overlapped",
    "implicit",
    "explicit",
    "into_device",
    "update_overlapped",
];

/// Functions checked with the arguments of every call of them in the crate: the
/// shallow-water model's `exchange_edges`, whose edges and order of exchanges are parameters
/// (constants and enum variants at each call), and `jit_control_flow`'s `branches`, whose mode
/// is (its calls are in `assert_eq!`s).
const MUST_BE_CHECKED_WITH_ARGUMENTS: &[&str] = &["exchange_edges", "branches"];

/// The `#[spmd_jit]` functions of a file, methods included, with their attributes' arguments.
struct Jitted(Vec<(syn::ItemFn, proc_macro2::TokenStream)>);

fn jit_args(attrs: &[syn::Attribute]) -> Option<proc_macro2::TokenStream> {
    let attr = attrs.iter().find(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|last| last.ident == "spmd_jit")
    })?;
    Some(match &attr.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => proc_macro2::TokenStream::new(),
    })
}

impl<'ast> Visit<'ast> for Jitted {
    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if let Some(args) = jit_args(&item.attrs) {
            self.0.push((item.clone(), args));
        }
        visit::visit_item_fn(self, item);
    }

    fn visit_impl_item_fn(&mut self, item: &'ast syn::ImplItemFn) {
        if let Some(args) = jit_args(&item.attrs) {
            let func = syn::ItemFn {
                attrs: item.attrs.clone(),
                vis: item.vis.clone(),
                sig: item.sig.clone(),
                block: Box::new(item.block.clone()),
            };
            self.0.push((func, args));
        }
        visit::visit_impl_item_fn(self, item);
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_repository_programs_are_checked() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for folder in FOLDERS {
        rust_files(&root.join(folder), &mut files);
    }
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    let mut rejected = Vec::new();
    let mut total = Duration::ZERO;
    let mut functions = 0;
    // `SPMD_REPOSITORY_ONLY=name` analyses the functions of that name alone (to profile one).
    let only = std::env::var("SPMD_REPOSITORY_ONLY").ok();
    for path in &files {
        let source = std::fs::read_to_string(path).expect("a readable file");
        let Ok(file) = syn::parse_file(&source) else {
            continue;
        };
        let mut jitted = Jitted(Vec::new());
        jitted.visit_file(&file);
        let shown = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        for (func, args) in jitted.0 {
            if only.as_deref().is_some_and(|only| func.sig.ident != only) {
                continue;
            }
            let (args, error) = crate::parse::args(args);
            assert!(
                error.is_none(),
                "{shown}: `{}`: bad arguments",
                func.sig.ident
            );
            let options = Options {
                sizes: args.sizes.as_deref(),
                unchecked: args.unchecked,
                source: Some(&source),
                path: Some(path.as_path()),
            };
            let mut cx = Ctxt::default();
            let start = Instant::now();
            // The file's renames of ops and of the crate, as the macro installs them (timed:
            // the macro reads them for every function, kept per file as in a build).
            crate::imports::Imports::scan(Some(&source), args.krate_name().as_deref()).install();
            let analysis = analyse::analyse(&func, options, &mut cx);
            let elapsed = start.elapsed();
            total += elapsed;
            functions += 1;
            let word = analysis.coverage.word();
            let ident = func.sig.ident.to_string();
            for (names, words) in [
                (MUST_BE_CHECKED, &["checked"][..]),
                (
                    MUST_BE_CHECKED_WITH_ARGUMENTS,
                    &["checked with its calls' arguments"][..],
                ),
                (MUST_BE_FOLLOWED, &["checked", "partly checked"][..]),
            ] {
                assert!(
                    !names.contains(&ident.as_str()) || words.contains(&word),
                    "{shown}: `{ident}`: {word}: {}",
                    analysis.explanation
                );
            }
            match counts.iter_mut().find(|(w, _)| *w == word) {
                Some((_, count)) => *count += 1,
                None => counts.push((word, 1)),
            }
            println!(
                "{shown}: `{}`: {word} ({elapsed:.1?}): {}",
                func.sig.ident, analysis.explanation
            );
            if cx.has_errors() {
                rejected.push(format!(
                    "{shown}: `{}`: {}",
                    func.sig.ident,
                    cx.into_compile_errors()
                ));
            }
        }
    }
    counts.sort_by_key(|(_, count)| std::cmp::Reverse(*count));
    let summary: Vec<String> = counts.iter().map(|(w, n)| format!("{n} {w}")).collect();
    println!(
        "{functions} functions: {}; {total:.1?} in all",
        summary.join(", ")
    );
    assert!(
        rejected.is_empty(),
        "false alarms:\n{}",
        rejected.join("\n")
    );
    let checked = counts
        .iter()
        .find(|(w, _)| *w == "checked")
        .map_or(0, |(_, n)| *n);
    if only.is_some() {
        return;
    }
    assert!(
        checked >= MIN_CHECKED,
        "{checked} functions checked, fewer than {MIN_CHECKED}"
    );
}

/// The repository's 2-D halo exchanges (the heat example's and `halo_overlap`'s, on a process
/// grid), checked at every size from 1 to 1,024 ranks (`sizes = 1..=1024`) within the step
/// limit: about 10 s each (the shallow-water model's column exchanges, whose neighbours are
/// a struct's fields, take 30 s: measured by hand, left out of the suite).
#[test]
fn the_repository_halos_are_checked_up_to_1024_ranks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let sizes: Vec<usize> = (1..=1024).collect();
    for (file, name) in [
        ("examples/src/bin/heat.rs", "exchange"),
        ("examples/src/bin/halo_overlap.rs", "exchange"),
    ] {
        let path = root.join(file);
        let source = std::fs::read_to_string(&path).expect("a readable file");
        let parsed = syn::parse_file(&source).expect("a Rust file");
        let mut jitted = Jitted(Vec::new());
        jitted.visit_file(&parsed);
        let (func, _) = jitted
            .0
            .into_iter()
            .find(|(func, _)| func.sig.ident == name)
            .expect("the function");
        crate::imports::Imports::scan(Some(&source), None).install();
        let options = Options {
            sizes: Some(&sizes),
            unchecked: false,
            source: Some(&source),
            path: Some(path.as_path()),
        };
        let mut cx = Ctxt::default();
        let start = Instant::now();
        let analysis = analyse::analyse(&func, options, &mut cx);
        println!(
            "{file}: `{name}`: {} ({:.1?}): {}",
            analysis.coverage.word(),
            start.elapsed(),
            analysis.explanation
        );
        assert!(!cx.has_errors(), "{file}: `{name}`: a false alarm");
        assert_eq!(
            analysis.coverage.word(),
            "checked",
            "{file}: `{name}`: {}",
            analysis.explanation
        );
        assert!(
            !analysis.explanation.contains("not analysed"),
            "{file}: `{name}`: {}",
            analysis.explanation
        );
    }
}
