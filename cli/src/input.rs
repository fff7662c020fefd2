//! Arguments that are read from stdin when absent, and the parsed forms of
//! `--now` and `--max-age`.

use std::io::{IsTerminal, Read};
use std::str::FromStr;

use session_cookie::UnixTime;

use crate::failure::Failure;

/// Limit on what is read from stdin: more than any cookie or session.
const STDIN_LIMIT: u64 = 16 << 20;

/// The argument, or all of stdin when it is absent.
pub(crate) fn read_arg_or_stdin(arg: Option<String>) -> Result<String, Failure> {
    if let Some(arg) = arg {
        return Ok(arg);
    }
    if std::io::stdin().is_terminal() {
        eprintln!(
            "session-cookie: reading the input from stdin (end it with Ctrl-D), or pass it as an argument"
        );
    }
    let mut text = String::new();
    std::io::stdin()
        .take(STDIN_LIMIT)
        .read_to_string(&mut text)
        .map_err(|err| Failure::new("input", format!("cannot read stdin: {err}")))?;
    Ok(text)
}

/// `--now`: Unix seconds; a fraction is truncated as Python's `int()` does.
#[derive(Clone, Copy)]
pub(crate) struct Now(UnixTime);

impl Now {
    pub(crate) fn or_system(now: Option<Self>) -> UnixTime {
        now.map_or_else(UnixTime::now, |now| now.0)
    }
}

impl FromStr for Now {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let whole = match text.split_once('.') {
            Some((whole, fraction)) if fraction.bytes().all(|b| b.is_ascii_digit()) => whole,
            Some(_) => return Err("expected Unix seconds".to_owned()),
            None => text,
        };
        let secs = match whole {
            "" | "-" => 0,
            _ => whole
                .parse::<i64>()
                .map_err(|_| "expected Unix seconds".to_owned())?,
        };
        Ok(Self(UnixTime::from_secs(secs)))
    }
}

/// `--max-age`: whole seconds, or `none` for no limit.
#[derive(Clone, Copy)]
pub(crate) struct MaxAge(Option<u64>);

impl MaxAge {
    pub(crate) fn seconds(self) -> Option<u64> {
        self.0
    }
}

impl FromStr for MaxAge {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("none") {
            return Ok(Self(None));
        }
        text.parse::<u64>()
            .map(|secs| Self(Some(secs)))
            .map_err(|_| "expected whole seconds or `none`".to_owned())
    }
}
