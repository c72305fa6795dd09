//! The op table of the macro (`macros/src/ops.rs`) is the one list of ops: the runtime
//! re-exports exactly its ops, in the crate root and the prelude, by construction
//! (`spmd_macros::__for_each_op!`), and records their facts in `spmd::__private::OPS`. What
//! cannot follow from it by construction, the documentation and the test that calls every op,
//! is checked against that list here.

use std::collections::BTreeSet;
use std::path::Path;

use spmd::__private::{OPS, OpEntry};

fn read(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("reading {path}: {e}"))
}

fn op_names() -> BTreeSet<String> {
    OPS.iter().map(|op| op.name.to_owned()).collect()
}

#[test]
fn the_table_names_each_op_once() {
    assert!(OPS.len() >= 30, "{OPS:?}");
    assert_eq!(op_names().len(), OPS.len(), "a name appears twice: {OPS:?}");
    for op in OPS {
        if let Some(into) = op.receive_into {
            assert!(spmd::__private::op(into).is_some(), "{}: {into}", op.name);
        }
    }
}

#[test]
fn the_crate_docs_op_table_lists_every_op() {
    let lib = read("runtime/src/lib.rs");
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
    assert_eq!(
        table,
        op_names(),
        "the crate docs' op table vs the op table"
    );
}

#[test]
fn every_op_is_called_through_the_macro_in_both_modes() {
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
    for op in OPS {
        let call = format!("{}(", op.name);
        let called = |text: &str| {
            text.match_indices(&call)
                .any(|(at, _)| !text[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
        };
        assert!(
            called(&implicit),
            "`{}` is not called in implicit mode",
            op.name
        );
        assert!(
            called(&explicit),
            "`{}` is not called in explicit mode",
            op.name
        );
    }
}

/// The parameters of a signature `name<..>(a: A, b: &mut B, ..) -> R`, at the first `(`: each
/// top-level parameter's name with the reference its type starts with (`&a`, `&mut b`, `c`).
fn parameters(signature: &str) -> Vec<String> {
    let open = signature.find('(').expect("a parameter list");
    let mut depth = 0usize;
    let mut params = Vec::new();
    let mut current = String::new();
    for c in signature[open + 1..].chars() {
        match c {
            '(' | '<' | '[' => depth += 1,
            ')' if depth == 0 => break,
            ')' | '>' | ']' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                params.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    params.push(current);
    params
        .iter()
        .filter_map(|param| param.split_once(':'))
        .map(|(name, ty)| {
            let ty = ty.trim();
            let reference = if ty.starts_with("&mut ") {
                "&mut "
            } else if ty.starts_with('&') && !ty.starts_with("&Comm") {
                "&"
            } else {
                ""
            };
            format!("{reference}{}", name.trim())
        })
        .collect()
}

/// The parameters an op's documentation shows, from its table entry.
fn table_parameters(op: &OpEntry, explicit: bool) -> Vec<String> {
    let mut params: Vec<String> = op.params.iter().map(|&param| param.to_owned()).collect();
    if explicit {
        params.push("token".to_owned());
    }
    params
}

#[test]
fn the_op_reference_shows_every_op_with_its_parameters() {
    let reference = read("book/src/op-reference.md");
    for op in OPS {
        let row = reference
            .lines()
            .find(|line| line.starts_with(&format!("| `{}` |", op.name)))
            .unwrap_or_else(|| panic!("book/src/op-reference.md has no row for `{}`", op.name));
        for (column, explicit) in [(2, false), (3, true)] {
            let form = row.split('|').nth(column).expect("a column").trim();
            assert_eq!(
                parameters(form),
                table_parameters(op, explicit),
                "the op reference's {} form of `{}` ({form}) differs from the op table",
                if explicit { "explicit" } else { "implicit" },
                op.name
            );
        }
    }
}

#[test]
fn parameters_read_references_and_generics() {
    assert_eq!(
        parameters("f(a: &B, b: &mut Vec<(u8, u8)>, c: impl X<Y, Z>, comm: &Comm) -> T"),
        ["&a", "&mut b", "c", "comm"]
    );
}
