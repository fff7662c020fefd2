//! The one-line failure report: `error: <kind>: <message>`.

use core::fmt;

use session_cookie::DecodeError;

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

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One line, always: a message never carries a newline to a script.
        let message = self.message.replace(['\n', '\r'], " ");
        write!(f, "error: {}: {message}", self.kind)
    }
}
