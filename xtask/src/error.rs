//! The one error type of the task runner: a message that says what failed and what to do.

use std::fmt;
use std::process::ExitCode;

/// A task that could not complete. The message is shown to the user as is, so it names what
/// failed and, where there is one, the fix.
#[derive(Debug)]
pub struct Error {
    message: String,
    kind: Kind,
}

/// Why a task stopped, which decides the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The command line was wrong: exit status 2, and the help is printed.
    Usage,
    /// Anything else: exit status 1.
    Failed,
}

impl Error {
    /// A failure of the task itself: a missing package, a command that failed.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: Kind::Failed,
        }
    }

    /// A wrong command line.
    pub fn usage(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            kind: Kind::Usage,
        }
    }

    /// Whether the help text should follow the message.
    pub fn is_usage(&self) -> bool {
        self.kind == Kind::Usage
    }

    /// The process exit status that reports this error.
    pub fn exit_code(&self) -> ExitCode {
        match self.kind {
            Kind::Usage => ExitCode::from(2),
            Kind::Failed => ExitCode::FAILURE,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
