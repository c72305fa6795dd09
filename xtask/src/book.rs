//! The book (`book/`, an mdBook): `mdbook build` and `mdbook test`, with a pinned `mdbook`
//! installed with `cargo install` (into cargo's folder of tools) when no adequate one is found.
//!
//! Every Rust block of the book includes a program of the workspace by anchor (which
//! `tests/tests/book.rs` checks) and is marked `ignore`: the programs need MPI and several
//! ranks, and the multi-rank tests compile and run them whole. `mdbook test` therefore compiles
//! nothing today; it fails when a block is added that is neither marked nor standalone.

use std::path::{Path, PathBuf};

use crate::cargo::{cargo, target_dir, workspace_root};
use crate::error::Error;
use crate::process::{Cmd, format_duration, step};

/// The version installed when no adequate `mdbook` is found.
const MDBOOK_VERSION: &str = "0.5.4";

/// The release series an `mdbook` on `PATH` must belong to: `book.toml` is written for 0.5,
/// whose configuration differs from 0.4's.
const MDBOOK_SERIES: &str = "0.5.";

/// Builds the book into `<target>/book` and runs `mdbook test` on it.
pub fn build_and_test() -> Result<(), Error> {
    let mdbook = mdbook()?;
    let book = workspace_root().join("book");
    let out = target_dir().join("book");
    step(
        "book",
        &mdbook.clone().args([
            "build".to_owned(),
            book.display().to_string(),
            "--dest-dir".to_owned(),
            out.display().to_string(),
        ]),
    )?;
    step(
        "book tests",
        &mdbook.args(["test".to_owned(), book.display().to_string()]),
    )?;
    Ok(())
}

/// An adequate `mdbook`: the one on `PATH` if it is of [`MDBOOK_SERIES`], else the pinned one
/// in cargo's folder of tools, installed first if missing.
fn mdbook() -> Result<Cmd, Error> {
    if let Some(version) = version_of(&Cmd::new("mdbook")) {
        if version.starts_with(MDBOOK_SERIES) {
            return Ok(Cmd::new("mdbook"));
        }
        eprintln!(
            "xtask: the mdbook on PATH is {version}; the book needs {MDBOOK_SERIES}x, so \
             mdbook {MDBOOK_VERSION} is used from cargo's folder of tools"
        );
    }
    let root = install_root();
    let program = root.join("bin").join("mdbook");
    let installed = || {
        let cmd = Cmd::with_shown_name(&program, &program.display().to_string());
        version_of(&cmd)
            .is_some_and(|version| version == MDBOOK_VERSION)
            .then_some(cmd)
    };
    if let Some(cmd) = installed() {
        return Ok(cmd);
    }
    install(&root)?;
    installed().ok_or_else(|| {
        Error::new(format!(
            "`cargo install` succeeded but {} does not report version {MDBOOK_VERSION}",
            program.display()
        ))
    })
}

/// Where the pinned mdbook goes: cargo's own folder for installed tools (`$CARGO_HOME`, else
/// `~/.cargo`), whose `bin` is where `cargo install mdbook` puts it too, so that it is installed
/// once per machine, not once per clone (a clean clone in CI would otherwise build it again).
fn install_root() -> PathBuf {
    match std::env::var_os("CARGO_HOME") {
        Some(home) => PathBuf::from(home),
        None => std::env::var_os("HOME")
            .map(|home| PathBuf::from(home).join(".cargo"))
            .unwrap_or_else(|| target_dir().join("tools")),
    }
}

/// `cargo install`s the pinned mdbook into `root`, with only the features `build` and `test`
/// need (no `serve` or `watch`, which would double the build), and removes its build folder.
fn install(root: &Path) -> Result<(), Error> {
    let build_dir = target_dir().join("tools").join("mdbook-build");
    eprintln!(
        "xtask: installing mdbook {MDBOOK_VERSION} into {} (once; about 4 minutes on 2 cores)",
        root.display()
    );
    let elapsed = step(
        "install mdbook",
        &cargo().args([
            "install".to_owned(),
            "mdbook".to_owned(),
            "--locked".to_owned(),
            "--version".to_owned(),
            MDBOOK_VERSION.to_owned(),
            "--no-default-features".to_owned(),
            "--features".to_owned(),
            "search".to_owned(),
            "--root".to_owned(),
            root.display().to_string(),
            "--target-dir".to_owned(),
            build_dir.display().to_string(),
        ]),
    )
    .map_err(|error| {
        Error::new(format!(
            "{error}\nmdbook builds the book; install it yourself (`cargo install mdbook \
             --locked --version {MDBOOK_VERSION}`) and run this command again"
        ))
    })?;
    eprintln!(
        "xtask: mdbook {MDBOOK_VERSION} installed in {}",
        format_duration(elapsed)
    );
    // Only the binary is needed; the build folder holds a few hundred megabytes.
    if let Err(error) = std::fs::remove_dir_all(&build_dir) {
        eprintln!("xtask: could not remove {}: {error}", build_dir.display());
    }
    Ok(())
}

/// The version `cmd --version` reports (`mdbook v0.5.4` gives `0.5.4`), or `None` when it
/// cannot run.
fn version_of(cmd: &Cmd) -> Option<String> {
    let output = cmd.clone().arg("--version").output().ok()?;
    if !output.status.success() {
        return None;
    }
    parse_version(&String::from_utf8_lossy(&output.stdout))
}

fn parse_version(output: &str) -> Option<String> {
    let word = output.split_whitespace().nth(1)?;
    let version = word.strip_prefix('v').unwrap_or(word);
    version
        .starts_with(|c: char| c.is_ascii_digit())
        .then(|| version.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_mdbooks_version_line() {
        assert_eq!(parse_version("mdbook v0.5.4\n").as_deref(), Some("0.5.4"));
        assert_eq!(parse_version("mdbook v0.4.52\n").as_deref(), Some("0.4.52"));
        assert_eq!(parse_version("mdbook 0.5.0").as_deref(), Some("0.5.0"));
        assert_eq!(parse_version("mdbook\n"), None);
        assert_eq!(parse_version("mdbook version unknown"), None);
    }

    #[test]
    fn the_pinned_version_is_of_the_accepted_series() {
        assert!(MDBOOK_VERSION.starts_with(MDBOOK_SERIES));
    }

    #[test]
    fn installs_where_cargo_install_puts_tools() {
        let root = install_root();
        match std::env::var_os("CARGO_HOME") {
            Some(home) => assert_eq!(root, PathBuf::from(home)),
            None => assert!(root.ends_with(".cargo") || root.starts_with(target_dir())),
        }
    }
}
