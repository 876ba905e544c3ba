//! The library's one error type.

use std::fmt;

/// What went wrong, in a form a caller can match on.
///
/// New kinds may be added in minor releases, so matches need a wildcard arm.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The payload does not fit the requested (or largest allowed) symbol.
    DataTooLong,
    /// An option is out of range or options contradict each other.
    InvalidOption,
    /// The input exceeds a configured limit (bytes, pixels, output size).
    LimitExceeded,
    /// The image format is not one the reader supports.
    UnsupportedFormat,
    /// The image is corrupt or truncated.
    CorruptImage,
    /// The decode time budget ran out.
    Timeout,
    /// Structured-append symbols do not form one complete, consistent sequence.
    IncompleteSequence,
    /// The decoding engine itself failed (not the input's fault).
    Engine,
    /// A styled or logo code does not read back with this crate's reader, even after the
    /// adjustments verification may make.
    Unscannable,
}

impl ErrorKind {
    /// A stable snake_case code, suitable for machine-readable error bodies.
    pub fn code(self) -> &'static str {
        match self {
            ErrorKind::DataTooLong => "data_too_long",
            ErrorKind::InvalidOption => "invalid_option",
            ErrorKind::LimitExceeded => "limit_exceeded",
            ErrorKind::UnsupportedFormat => "unsupported_format",
            ErrorKind::CorruptImage => "corrupt_image",
            ErrorKind::Timeout => "timeout",
            ErrorKind::IncompleteSequence => "incomplete_sequence",
            ErrorKind::Engine => "engine_error",
            ErrorKind::Unscannable => "unscannable",
        }
    }
}

/// An error from encoding, rendering or decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    /// Creates an error of `kind` with a human-readable message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// The kind of error, for matching.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human-readable message (without the kind's code).
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Parses a named option — a level, mode, effort or shape — by its name in any ASCII case, as
/// each such enum's `FromStr` does; the error names `what` was given and lists every name.
pub(crate) fn parse_named<T: Copy>(
    what: &str,
    s: &str,
    all: &[T],
    name: fn(T) -> &'static str,
) -> Result<T> {
    all.iter()
        .copied()
        .find(|&v| name(v).eq_ignore_ascii_case(s.trim()))
        .ok_or_else(|| {
            let names: Vec<&str> = all.iter().map(|&v| name(v)).collect();
            let choices = match names.split_last() {
                Some((last, [])) => (*last).to_owned(),
                Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
                None => String::new(),
            };
            Error::new(
                ErrorKind::InvalidOption,
                format!("{what} {s:?}: use {choices}"),
            )
        })
}
