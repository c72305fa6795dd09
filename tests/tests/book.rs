//! The book shows only tested code: every Rust block is an `{{#include}}` of a compiled file by
//! anchor, every included anchor exists, and every chapter in `SUMMARY.md` exists.

use std::path::{Path, PathBuf};

fn book_src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../book/src")
}

fn chapters() -> Vec<(PathBuf, String)> {
    let mut chapters: Vec<(PathBuf, String)> = std::fs::read_dir(book_src())
        .expect("book/src exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("readable chapter");
            (path, text)
        })
        .collect();
    chapters.sort();
    chapters
}

#[test]
fn every_summary_entry_exists() {
    let summary = std::fs::read_to_string(book_src().join("SUMMARY.md")).expect("SUMMARY.md");
    let mut count = 0;
    for link in summary.split("](").skip(1) {
        let target = link.split(')').next().unwrap_or_default();
        assert!(
            book_src().join(target).is_file(),
            "SUMMARY.md links to `{target}`, which does not exist"
        );
        count += 1;
    }
    assert!(count >= 5, "SUMMARY.md lists only {count} chapters");
}

#[test]
fn rust_blocks_are_anchored_includes_of_existing_code() {
    let mut includes = 0;
    for (path, text) in chapters() {
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let mut lines = text.lines();
        while let Some(line) = lines.next() {
            let Some(info) = line.trim_start().strip_prefix("```") else {
                continue;
            };
            let block: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.trim_start().starts_with("```"))
                .collect();
            if !info.starts_with("rust") {
                continue;
            }
            // `mdbook test` compiles every block not marked `ignore`, with no access to this
            // workspace's crates; the included programs are compiled and run by the tests.
            assert!(
                info.split(',')
                    .any(|attribute| attribute.trim() == "ignore"),
                "{name}: a ```{info} block must be marked `rust,ignore` (mdbook test cannot \
                 build it; the multi-rank tests compile and run the included program)"
            );
            let body: Vec<&str> = block
                .iter()
                .copied()
                .filter(|l| !l.trim().is_empty())
                .collect();
            assert!(
                body.len() == 1 && body[0].trim().starts_with("{{#include "),
                "{name}: a ```rust block must be a single `{{{{#include file:anchor}}}}` of tested code, got:\n{}",
                block.join("\n")
            );
            let directive = body[0]
                .trim()
                .trim_start_matches("{{#include ")
                .trim_end_matches("}}");
            let (file, anchor) = directive
                .rsplit_once(':')
                .unwrap_or_else(|| panic!("{name}: include `{directive}` has no anchor; include by anchor, never whole files or line numbers"));
            assert!(
                !anchor.chars().all(|c| c.is_ascii_digit() || c == ':'),
                "{name}: include `{directive}` uses line numbers; use an anchor"
            );
            let source_path = book_src().join(file);
            let source = std::fs::read_to_string(&source_path).unwrap_or_else(|e| {
                panic!(
                    "{name}: cannot read included {}: {e}",
                    source_path.display()
                )
            });
            assert!(
                source.contains(&format!("ANCHOR: {anchor}"))
                    && source.contains(&format!("ANCHOR_END: {anchor}")),
                "{name}: {} has no `ANCHOR: {anchor}` / `ANCHOR_END: {anchor}` pair",
                source_path.display()
            );
            includes += 1;
        }
    }
    assert!(
        includes >= 3,
        "the book includes only {includes} code samples"
    );
}
