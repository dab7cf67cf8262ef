//! The error type shared by kiyome's parsers.

use crate::LimitKind;

/// An error while handling one input. Every variant maps to a finding code
/// ([`Error::code`]) so that a failure is reported, never swallowed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A resource limit was exceeded.
    #[error("limit exceeded: {limit} (reached {actual}, allowed {max})")]
    LimitExceeded {
        /// Which limit.
        limit: LimitKind,
        /// The value reached (bytes, entries, milliseconds…).
        actual: u64,
        /// The configured maximum.
        max: u64,
    },
    /// The input is not a well-formed file of its kind.
    #[error("cannot parse {format}: {detail}")]
    Parse {
        /// The format being parsed, e.g. `pdf`.
        format: &'static str,
        /// What went wrong.
        detail: String,
    },
    /// The input is encrypted and cannot be opened without a password.
    #[error("{format} is encrypted: {detail}")]
    Encrypted {
        /// The format, e.g. `zip`.
        format: &'static str,
        /// Which scheme or why it could not be opened.
        detail: String,
    },
    /// The input uses a feature kiyome does not handle; default deny blocks it.
    #[error("unsupported {what}")]
    Unsupported {
        /// What is unsupported.
        what: String,
    },
    /// An I/O error while reading input or writing output.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// Builds a [`Error::LimitExceeded`].
    pub fn limit(limit: LimitKind, actual: u64, max: u64) -> Self {
        Error::LimitExceeded { limit, actual, max }
    }

    /// Builds a [`Error::Parse`].
    pub fn parse(format: &'static str, detail: impl Into<String>) -> Self {
        Error::Parse {
            format,
            detail: detail.into(),
        }
    }

    /// Builds a [`Error::Unsupported`].
    pub fn unsupported(what: impl Into<String>) -> Self {
        Error::Unsupported { what: what.into() }
    }

    /// The limit exceeded, when this is a limit error.
    pub fn limit_kind(&self) -> Option<LimitKind> {
        match self {
            Error::LimitExceeded { limit, .. } => Some(*limit),
            _ => None,
        }
    }

    /// The finding code that reports this error (`limit.*`, `parse.failed`, `encrypted`,
    /// `unsupported`, `io.error`).
    pub fn code(&self) -> &'static str {
        match self {
            Error::LimitExceeded { limit, .. } => limit.code(),
            Error::Parse { .. } => "parse.failed",
            Error::Encrypted { .. } => "encrypted",
            Error::Unsupported { .. } => "unsupported",
            Error::Io(_) => "io.error",
        }
    }
}
