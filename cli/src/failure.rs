//! The one-line failure report: `error: <kind>: <message>`.

use core::fmt;

use session_cookie::{DecodeError, EncodeError, KeyError};

/// A failure with a stable kind that scripts can match on.
pub(crate) struct Failure {
    kind: &'static str,
    message: String,
}

impl Failure {
    pub(crate) fn new(kind: &'static str, message: impl fmt::Display) -> Self {
        Self {
            kind,
            message: message.to_string(),
        }
    }
}

impl From<DecodeError> for Failure {
    fn from(err: DecodeError) -> Self {
        Self::new(err.kind(), err)
    }
}

impl From<EncodeError> for Failure {
    fn from(err: EncodeError) -> Self {
        let kind = match err {
            EncodeError::TooLarge { .. } => "too-large",
            EncodeError::Random => "random",
            _ => "invalid-json",
        };
        Self::new(kind, err)
    }
}

impl From<KeyError> for Failure {
    fn from(err: KeyError) -> Self {
        let kind = match err {
            KeyError::Weak(_) => "weak-key",
            _ => "key",
        };
        Self::new(kind, err)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, always: a message never carries a newline to a script.
        let message = self.message.replace(['\n', '\r'], " ");
        write!(f, "error: {}: {message}", self.kind)
    }
}
