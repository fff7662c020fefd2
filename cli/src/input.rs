//! Arguments that are read from stdin when absent, and the parsed forms of
//! `--now` and `--max-age`.

use std::io::{IsTerminal, Read};
use std::str::FromStr;
use std::time::Duration;

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

/// `--now`: Unix seconds, with an optional fraction (kept: Django's age
/// check compares `time.time()` to the fraction of a second; timestamps
/// written are truncated as Python's `int()` does).
#[derive(Clone, Copy)]
pub(crate) struct Now(UnixTime);

impl Now {
    pub(crate) fn or_system(now: Option<Self>) -> UnixTime {
        now.map_or_else(UnixTime::now, |now| now.0)
    }
}

/// Decimal seconds `[-]WHOLE[.FRACTION]` as whole seconds and nanoseconds
/// of magnitude (digits past the ninth are dropped), and the sign.
fn decimal_seconds(text: &str) -> Option<(bool, u64, u32)> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    if (whole.is_empty() && fraction.is_empty())
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole = if whole.is_empty() {
        0
    } else {
        whole.parse::<u64>().ok()?
    };
    let mut nanos = 0u32;
    for digit in fraction.bytes().chain(std::iter::repeat(b'0')).take(9) {
        nanos = nanos * 10 + u32::from(digit - b'0');
    }
    Some((negative, whole, nanos))
}

impl FromStr for Now {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || "expected Unix seconds".to_owned();
        let (negative, whole, nanos) = decimal_seconds(text).ok_or_else(bad)?;
        let whole = i64::try_from(whole).map_err(|_| bad())?;
        let time = match (negative, nanos) {
            (false, _) => UnixTime::from_secs_nanos(whole, nanos),
            (true, 0) => Some(UnixTime::from_secs(-whole)),
            // -(w + f) = -(w + 1) + (1 - f)
            (true, _) => (-whole)
                .checked_sub(1)
                .and_then(|secs| UnixTime::from_secs_nanos(secs, 1_000_000_000 - nanos)),
        };
        time.map(Self).ok_or_else(bad)
    }
}

/// `--max-age` of the signers: decimal seconds (Django compares them with
/// a fractional clock), or `none` for no limit.
#[derive(Clone, Copy, Default)]
pub(crate) struct Seconds(Option<Duration>);

impl Seconds {
    pub(crate) fn duration(self) -> Option<Duration> {
        self.0
    }
}

impl FromStr for Seconds {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if text.eq_ignore_ascii_case("none") {
            return Ok(Self(None));
        }
        match decimal_seconds(text) {
            Some((false, whole, nanos)) => Ok(Self(Some(Duration::new(whole, nanos)))),
            _ => Err("expected seconds or `none`".to_owned()),
        }
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
