//! One list of ops: the macro's table (`macros/src/ops.rs`) is the source of truth, and the
//! runtime's re-exports, its prelude, the crate docs' op table and the test that calls every
//! op through `#[spmd_jit]` (`tests/src/bin/jit_every_op.rs`, in both modes) must name exactly
//! the same ops. This test fails when any of them drifts.

use std::collections::BTreeSet;
use std::path::Path;

fn read(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

/// The names in `op("name", ...)` entries of the macro's table.
fn macro_ops() -> BTreeSet<String> {
    let source = read("macros/src/ops.rs");
    let table = source
        .split("pub(crate) const OPS: &[Op] = &[")
        .nth(1)
        .and_then(|rest| rest.split("];").next())
        .expect("the OPS table");
    table
        .split("op(")
        .skip(1)
        .filter_map(|entry| entry.trim_start().strip_prefix('"'))
        .filter_map(|entry| entry.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// Identifiers of a `{ ... }` list after `marker` in `source`.
fn braced_names(source: &str, marker: &str) -> BTreeSet<String> {
    let list = source
        .split(marker)
        .nth(1)
        .and_then(|rest| rest.split('{').nth(1))
        .and_then(|rest| rest.split('}').next())
        .unwrap_or_else(|| panic!("no list after {marker:?}"));
    list.split(',')
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

fn is_op_like(name: &str, ops: &BTreeSet<String>) -> bool {
    ops.contains(name) || name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
}

#[test]
fn the_runtime_exports_exactly_the_macros_ops() {
    let ops = macro_ops();
    assert!(ops.len() >= 30, "the table was not read: {ops:?}");
    let lib = read("runtime/src/lib.rs");
    let mut exported = BTreeSet::new();
    for marker in [
        "pub use ops::collective::",
        "pub use ops::nonblocking::",
        "pub use ops::p2p::",
        "pub use ops::reduction::",
    ] {
        exported.extend(braced_names(&lib, marker));
    }
    let exported: BTreeSet<String> = exported
        .into_iter()
        .filter(|name| is_op_like(name, &ops))
        .collect();
    assert_eq!(exported, ops, "re-exports of lib.rs vs the macro's table");

    let prelude_start = lib.find("pub mod prelude").expect("the prelude");
    let prelude: BTreeSet<String> = braced_names(&lib[prelude_start..], "pub use crate::")
        .into_iter()
        .filter(|name| is_op_like(name, &ops) && name != "spmd_jit")
        .collect();
    assert_eq!(prelude, ops, "the prelude vs the macro's table");

    let table: BTreeSet<String> = lib
        .lines()
        .filter(|line| line.starts_with("//! | ["))
        .flat_map(|line| {
            line.split('|').nth(1).unwrap_or("").split(',').map(|cell| {
                // `[`op`]`, or `[`op`](fn@op)` where the name is also a macro's.
                let cell = cell.trim().trim_start_matches("[`");
                cell.split('`').next().unwrap_or(cell).to_owned()
            })
        })
        .collect();
    assert_eq!(table, ops, "the crate docs' op table vs the macro's table");
}

#[test]
fn every_op_is_called_through_the_macro_in_both_modes() {
    let ops = macro_ops();
    let source = read("tests/src/bin/jit_every_op.rs");
    let body = |start: &str, end: &str| -> String {
        let from = source.find(start).unwrap_or_else(|| panic!("{start:?}"));
        let to = source[from..]
            .find(end)
            .map_or(source.len(), |at| from + at);
        source[from..to].to_owned()
    };
    let implicit = body("fn implicit(", "#[spmd_jit");
    let explicit = body("fn explicit(", "/// What rank");
    for op in &ops {
        let call = format!("{op}(");
        let called = |text: &str| {
            text.match_indices(&call)
                .any(|(at, _)| !text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
        };
        assert!(called(&implicit), "`{op}` is not called in implicit mode");
        assert!(called(&explicit), "`{op}` is not called in explicit mode");
    }
}

/// The parameter names of a signature `name<..>(a: A, b: impl B<C, D>, ..) -> R`, at the first
/// `(` after `name`: what is before the `:` of each top-level parameter.
fn parameter_names(signature: &str) -> Vec<String> {
    let open = signature.find('(').expect("a parameter list");
    let mut depth = 0usize;
    let mut names = Vec::new();
    let mut current = String::new();
    for c in signature[open + 1..].chars() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' if depth == 0 => break,
            ')' | '>' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                names.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    names.push(current);
    names
        .iter()
        .filter_map(|param| param.split(':').next())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .collect()
}

#[test]
fn the_op_reference_lists_every_op_with_its_parameters() {
    let ops = macro_ops();
    let reference = read("book/src/op-reference.md");
    let sources: String = ["collective", "p2p", "reduction", "nonblocking"]
        .iter()
        .map(|file| read(&format!("runtime/src/ops/{file}.rs")))
        .collect();
    for op in &ops {
        let row = reference
            .lines()
            .find(|line| line.starts_with(&format!("| `{op}` |")))
            .unwrap_or_else(|| panic!("book/src/op-reference.md has no row for `{op}`"));
        let explicit = row.split('|').nth(3).expect("an explicit column").trim();
        let documented = parameter_names(explicit);
        let at = sources
            .find(&format!("pub fn {op}<"))
            .or_else(|| sources.find(&format!("pub fn {op}(")))
            .unwrap_or_else(|| panic!("no `pub fn {op}` in runtime/src/ops"));
        let actual = parameter_names(&sources[at..]);
        assert_eq!(
            documented, actual,
            "the op reference's explicit form of `{op}` names other parameters than the source"
        );
    }
}
