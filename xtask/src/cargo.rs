//! Where the workspace and its build outputs are, and how to call the cargo that runs us.

use std::path::PathBuf;

use crate::error::Error;
use crate::process::{Cmd, step};

/// The workspace root: the folder above this crate.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map_or_else(|| manifest_dir.clone(), PathBuf::from)
}

/// The target folder cargo builds into, honouring `CARGO_TARGET_DIR`.
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => {
            let dir = PathBuf::from(dir);
            if dir.is_absolute() {
                dir
            } else {
                workspace_root().join(dir)
            }
        }
        None => workspace_root().join("target"),
    }
}

/// `cargo` as the toolchain that started us knows it (`$CARGO`), shown as plain `cargo`; with
/// `CARGO_INCREMENTAL=0` when `CI` is set and the variable is not.
pub fn cargo() -> Cmd {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let cmd = Cmd::with_shown_name(program, "cargo");
    // A CI clone is built once: incremental state would only fill the disk (a quarter of the
    // debug build's size).
    if std::env::var_os("CI").is_some() && std::env::var_os("CARGO_INCREMENTAL").is_none() {
        cmd.envs(&[("CARGO_INCREMENTAL".to_owned(), "0".to_owned())])
    } else {
        cmd
    }
}

/// Whether the `cargo nextest` subcommand is installed.
pub fn has_nextest() -> bool {
    cargo().args(["nextest", "--version"]).succeeds_quietly()
}

/// Builds the example binary `name` in release mode and returns its path.
pub fn build_release_example(name: &str) -> Result<PathBuf, Error> {
    step(
        "build",
        &cargo().args([
            "build",
            "--release",
            "--package",
            "spmd-examples",
            "--bin",
            name,
        ]),
    )?;
    Ok(target_dir().join("release").join(name))
}
