//! Commands that can be both shown to the user and run, and the timed steps built on them.

use std::ffi::OsString;
use std::fmt;
use std::process::{Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use crate::error::Error;

/// A command kept in a form that prints as a line the user can paste into a shell.
#[derive(Debug, Clone)]
pub struct Cmd {
    /// What is executed: a name looked up in `PATH` or a full path.
    program: OsString,
    /// What is printed in its place: `cargo` rather than the toolchain's full path.
    shown_as: String,
    args: Vec<String>,
    envs: Vec<(String, String)>,
}

impl Cmd {
    /// A command that runs, and prints as, `program`.
    pub fn new(program: &str) -> Self {
        Self::with_shown_name(program, program)
    }

    /// A command that runs `program` but prints as `shown_as`.
    pub fn with_shown_name(program: impl Into<OsString>, shown_as: &str) -> Self {
        Self {
            program: program.into(),
            shown_as: shown_as.to_owned(),
            args: Vec::new(),
            envs: Vec::new(),
        }
    }

    /// Appends one argument.
    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Appends several arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets environment variables for the command (on top of the inherited environment).
    pub fn envs(mut self, envs: &[(String, String)]) -> Self {
        self.envs.extend_from_slice(envs);
        self
    }

    fn command(&self) -> Command {
        let mut command = Command::new(&self.program);
        command.args(&self.args);
        command.envs(self.envs.iter().map(|(key, value)| (key, value)));
        command
    }

    /// Runs the command with the terminal as its standard streams and returns its exit status.
    pub fn status(&self) -> Result<ExitStatus, Error> {
        self.command()
            .status()
            .map_err(|error| self.spawn_error(&error))
    }

    /// Runs the command with no input and both output streams captured.
    pub fn output(&self) -> Result<Output, Error> {
        self.command()
            .stdin(Stdio::null())
            .output()
            .map_err(|error| self.spawn_error(&error))
    }

    /// Whether the command can be started and exits with status 0; its output is discarded.
    pub fn succeeds_quietly(&self) -> bool {
        self.command()
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success())
    }

    fn spawn_error(&self, error: &std::io::Error) -> Error {
        let hint = if error.kind() == std::io::ErrorKind::NotFound {
            format!(": `{}` is not installed or not in PATH", self.shown_as)
        } else {
            String::new()
        };
        Error::new(format!("could not start `{self}`: {error}{hint}"))
    }
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (key, value) in &self.envs {
            write!(f, "{key}={} ", shell_quote(value))?;
        }
        f.write_str(&shell_quote(&self.shown_as))?;
        for arg in &self.args {
            write!(f, " {}", shell_quote(arg))?;
        }
        Ok(())
    }
}

/// Quotes `word` for a POSIX shell when it holds anything but plainly safe characters.
fn shell_quote(word: &str) -> String {
    let plain = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./:=,+@%".contains(c));
    if plain {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// Runs `cmd` as the step called `name`: prints the command, runs it and prints how long it
/// took. Fails when the command cannot start or exits with a non-zero status.
pub fn step(name: &str, cmd: &Cmd) -> Result<Duration, Error> {
    eprintln!("\n==> {name}: {cmd}");
    let start = Instant::now();
    let status = cmd.status()?;
    let elapsed = start.elapsed();
    if status.success() {
        eprintln!("==> {name}: ok in {}", format_duration(elapsed));
        Ok(elapsed)
    } else {
        eprintln!(
            "==> {name}: FAILED ({status}) after {}",
            format_duration(elapsed)
        );
        Err(Error::new(format!(
            "step `{name}` failed ({status}): `{cmd}`; its output above says why"
        )))
    }
}

/// Runs `cmd` as the last step: like [`step`], but prints nothing after a success, so the
/// command's own last line (a test runner's summary) ends the output.
pub fn last_step(name: &str, cmd: &Cmd) -> Result<(), Error> {
    eprintln!("\n==> {name}: {cmd}");
    let status = cmd.status()?;
    if status.success() {
        Ok(())
    } else {
        Err(Error::new(format!(
            "step `{name}` failed ({status}): `{cmd}`; its output above says why"
        )))
    }
}

/// `4.2s` under a minute, `3m 07s` above.
pub fn format_duration(duration: Duration) -> String {
    let seconds = duration.as_secs_f64();
    if seconds < 60.0 {
        format!("{seconds:.1}s")
    } else {
        let whole = duration.as_secs();
        format!("{}m {:02}s", whole / 60, whole % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_a_pasteable_shell_line() {
        let cmd = Cmd::with_shown_name("/opt/toolchain/bin/cargo", "cargo")
            .envs(&[("A".into(), "1".into())])
            .args(["test", "name with space", "it's"]);
        assert_eq!(
            cmd.to_string(),
            r"A=1 cargo test 'name with space' 'it'\''s'"
        );
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(format_duration(Duration::from_millis(4_240)), "4.2s");
        assert_eq!(format_duration(Duration::from_secs(187)), "3m 07s");
    }
}
