//! Time as a parameter: Unix time (whole seconds as cookies carry it, with
//! the clock's fraction of a second for Django's age rule), the system
//! clock, age checks, and Django's base 62 timestamp text.

use core::fmt;
use core::time::Duration;

use crate::error::DecodeError;

/// A point in time since the Unix epoch: whole seconds, as cookies carry
/// them, and a fraction of a second, which only the age check reads
/// (Django compares `time.time() - timestamp > max_age` in floating point).
///
/// Every encode and decode has an `*_at(now)` twin that takes one of these,
/// so tests and tools can step through time; the plain methods read the
/// system clock with [`UnixTime::now`].
///
/// # Examples
///
/// ```
/// use session_cookie::UnixTime;
///
/// let t = UnixTime::from_secs(1_700_000_000);
/// assert_eq!(t.as_secs(), 1_700_000_000);
/// assert!(UnixTime::now() > t);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixTime {
    secs: i64,
    /// Below 1_000_000_000: the time is `secs + nanos / 1e9`.
    nanos: u32,
}

impl UnixTime {
    /// The given number of seconds since the epoch (negative is before it).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(session_cookie::UnixTime::from_secs(-1).as_secs(), -1);
    /// ```
    #[must_use]
    pub const fn from_secs(secs: i64) -> Self {
        Self { secs, nanos: 0 }
    }

    /// `secs` and `nanos` nanoseconds after it; `None` when `nanos` is a
    /// second or more.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::UnixTime;
    ///
    /// let t = UnixTime::from_secs_nanos(1_700_000_000, 500_000_000).unwrap();
    /// assert_eq!((t.as_secs(), t.subsec_nanos()), (1_700_000_000, 500_000_000));
    /// assert!(UnixTime::from_secs_nanos(0, 1_000_000_000).is_none());
    /// ```
    #[must_use]
    pub const fn from_secs_nanos(secs: i64, nanos: u32) -> Option<Self> {
        if nanos < NANOS_PER_SEC {
            Some(Self { secs, nanos })
        } else {
            None
        }
    }

    /// The system clock, to the nanosecond it reports.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(session_cookie::UnixTime::now().as_secs() > 1_700_000_000);
    /// ```
    ///
    /// On `wasm32-unknown-unknown` there is no system clock: with the `wasm`
    /// feature this reads JavaScript's `Date.now()`; without it, it would
    /// panic there, so pass the time to the `*_at(now)` methods instead.
    #[must_use]
    #[cfg(not(all(feature = "wasm", target_arch = "wasm32", target_os = "unknown")))]
    pub fn now() -> Self {
        use std::time::{SystemTime, UNIX_EPOCH};
        match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(after) => Self {
                secs: i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
                nanos: after.subsec_nanos(),
            },
            // Before 1970: `-1.25 s` is `-2 s + 0.75 s`.
            Err(before) => {
                let before = before.duration();
                let whole = i64::try_from(before.as_secs()).map_or(i64::MIN, |s| -s);
                match before.subsec_nanos() {
                    0 => Self::from_secs(whole),
                    nanos => Self {
                        secs: whole.saturating_sub(1),
                        nanos: NANOS_PER_SEC - nanos,
                    },
                }
            }
        }
    }

    /// JavaScript's `Date.now()` (milliseconds), to the millisecond.
    #[must_use]
    #[cfg(all(feature = "wasm", target_arch = "wasm32", target_os = "unknown"))]
    pub fn now() -> Self {
        // An f64 of milliseconds; `as` saturates, and NaN becomes 0.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let millis = js_sys::Date::now() as i64;
        Self {
            secs: millis.div_euclid(1000),
            // Below 1000 ms, so below a second in nanoseconds.
            nanos: u32::try_from(millis.rem_euclid(1000)).unwrap_or(0) * 1_000_000,
        }
    }

    /// Whole seconds since the epoch (rounded down), as cookies carry them.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(session_cookie::UnixTime::from_secs(42).as_secs(), 42);
    /// ```
    #[must_use]
    pub const fn as_secs(self) -> i64 {
        self.secs
    }

    /// The fraction of a second after [`UnixTime::as_secs`], in nanoseconds.
    #[must_use]
    pub const fn subsec_nanos(self) -> u32 {
        self.nanos
    }

    /// Whole seconds truncated towards zero, as Python's `int(time.time())`
    /// writes a timestamp (before 1970 a fraction rounds up, not down).
    pub(crate) const fn trunc_secs(self) -> i64 {
        if self.secs < 0 && self.nanos > 0 {
            self.secs + 1
        } else {
            self.secs
        }
    }
}

const NANOS_PER_SEC: u32 = 1_000_000_000;

impl fmt::Display for UnixTime {
    /// Whole seconds (the fraction is not part of any wire format).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.secs.fmt(f)
    }
}

/// How a dialect compares a value's age with its maximum age.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AgeRule {
    /// Django (and the native format): expired when `now - issued >
    /// max_age` with `now` to the fraction of a second (`time.time()`), so a
    /// value exactly `max_age` seconds old is valid only within that
    /// second's first instant. A time in the future is never "old".
    Django,
    /// itsdangerous: `age = int(time.time()) - issued` in whole seconds;
    /// expired when `age > max_age`, and also when `age < 0` (a timestamp in
    /// the future).
    ItsDangerous,
}

impl AgeRule {
    /// Refuses a value signed at `issued` (whole seconds) that, at `now`,
    /// this rule counts as expired; `None` is no limit.
    pub(crate) fn check(
        self,
        issued: UnixTime,
        now: UnixTime,
        max_age: Option<Duration>,
    ) -> Result<(), DecodeError> {
        let Some(max_age) = max_age else {
            return Ok(());
        };
        let nanos = i128::from(NANOS_PER_SEC);
        // i128 holds the difference of any two i64 values, in nanoseconds.
        let (age, expired) = match self {
            Self::Django => {
                let age = i128::from(now.secs) - i128::from(issued.secs);
                let exact = age * nanos + i128::from(now.nanos);
                (
                    age,
                    exact > i128::try_from(max_age.as_nanos()).unwrap_or(i128::MAX),
                )
            }
            Self::ItsDangerous => {
                let age = i128::from(now.trunc_secs()) - i128::from(issued.secs);
                let max = i128::try_from(max_age.as_nanos()).unwrap_or(i128::MAX);
                (age, age * nanos > max || age < 0)
            }
        };
        if expired {
            Err(DecodeError::Expired {
                age: i64::try_from(age).unwrap_or(if age < 0 { i64::MIN } else { i64::MAX }),
                max_age: max_age.as_secs(),
            })
        } else {
            Ok(())
        }
    }
}

/// [`AgeRule::Django`] with a maximum age in whole seconds.
pub(crate) fn check_max_age(
    issued: UnixTime,
    now: UnixTime,
    max_age: Option<u64>,
) -> Result<(), DecodeError> {
    AgeRule::Django.check(issued, now, max_age.map(Duration::from_secs))
}

/// Django's base 62 digits: digits, then upper case, then lower case.
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Appends `value` in base 62, most significant digit first, `-` for
/// negative numbers (`django.utils.baseconv` / `signing.b62_encode`).
pub(crate) fn push_base62(out: &mut String, value: i64) {
    if value < 0 {
        out.push('-');
    }
    let mut rest = value.unsigned_abs();
    let mut digits = [0u8; 11]; // 62^11 > 2^64
    let mut start = digits.len();
    loop {
        start -= 1;
        // `rest % 62` is below 62, a valid index into both arrays.
        #[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)]
        {
            digits[start] = BASE62[(rest % 62) as usize];
        }
        rest /= 62;
        if rest == 0 {
            break;
        }
    }
    for &digit in digits.iter().skip(start) {
        out.push(char::from(digit));
    }
}

/// Whether `text` has the shape of a base 62 number: an optional `-` and
/// digits of the alphabet (at least one without the `-`). Checked before
/// the signature, so a malformed timestamp is reported as structure rather
/// than content.
pub(crate) fn is_base62(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    (digits.len() < text.len() || !digits.is_empty())
        && digits.bytes().all(|b| base62_digit(b).is_some())
}

/// The value of one base 62 digit: the inverse of [`BASE62`].
const fn base62_digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'A'..=b'Z' => Some(byte - b'A' + 10),
        b'a'..=b'z' => Some(byte - b'a' + 36),
        _ => None,
    }
}

/// Reads a base 62 number as Django's `b62_decode` does: leading zeros
/// accepted, and a lone `-` is 0. Python's integers have no bound; a
/// number beyond 64 bits is read as the nearest end of `i64`, which gives
/// every age check Django's answer (a time beyond 2^63 seconds is in the
/// future, one below -2^63 older than any maximum age). `None` when there
/// are no digits or a character is outside the alphabet.
pub(crate) fn parse_base62(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() && !negative {
        return None;
    }
    let saturated = if negative { i64::MIN } else { i64::MAX };
    // Accumulate downwards: i64 has room for -2^63 but not for +2^63, and
    // Django writes i64::MIN's timestamp like any other.
    let mut value: i64 = 0;
    let mut overflowed = false;
    for byte in digits.bytes() {
        let digit = base62_digit(byte)?;
        match value
            .checked_mul(62)
            .and_then(|v| v.checked_sub(i64::from(digit)))
        {
            Some(next) => value = next,
            None => overflowed = true,
        }
    }
    if overflowed {
        return Some(saturated);
    }
    if negative {
        Some(value)
    } else {
        Some(value.checked_neg().unwrap_or(saturated))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b62(value: i64) -> String {
        let mut s = String::new();
        push_base62(&mut s, value);
        s
    }

    /// The table of `shared/specs/django-signing.md`, section 5.
    #[test]
    fn django_examples() {
        for (n, text) in [
            (0, "0"),
            (61, "z"),
            (62, "10"),
            (3843, "zz"),
            (3844, "100"),
            (-1, "-1"),
            (2_147_483_647, "2LKcb1"),
            (1_700_000_000, "1r31eq"),
            (1_767_225_600, "1vb66i"),
            (4_102_444_800, "4TdRIW"),
        ] {
            assert_eq!(b62(n), text);
            assert_eq!(parse_base62(text), Some(n));
        }
        assert_eq!(parse_base62("01r31eq"), Some(1_700_000_000));
    }

    #[test]
    fn extremes_round_trip_and_overflow_is_refused() {
        for n in [i64::MAX, i64::MIN, i64::MIN + 1, -62, 1, 0] {
            assert_eq!(parse_base62(&b62(n)), Some(n));
        }
        // Beyond 64 bits: the nearest end, as every age check needs it.
        assert_eq!(parse_base62("AzL8n0Y58m8"), Some(i64::MAX), "2^63");
        assert_eq!(parse_base62("zzzzzzzzzzzz"), Some(i64::MAX));
        assert_eq!(parse_base62("-AzL8n0Y58m9"), Some(i64::MIN), "-2^63 - 1");
        assert_eq!(parse_base62(&"1".repeat(1000)), Some(i64::MAX));
        assert_eq!(parse_base62(""), None);
        // Django's `b62_decode("-")` is 0.
        assert_eq!(parse_base62("-"), Some(0));
        assert!(is_base62("-") && !is_base62(""));
        assert_eq!(parse_base62("1r3$eq"), None);
    }

    #[test]
    fn the_digit_table_and_its_inverse_agree() {
        for (value, &digit) in (0u8..).zip(BASE62.iter()) {
            assert_eq!(base62_digit(digit), Some(value));
        }
        assert_eq!(
            (0..=255u8).filter(|&b| base62_digit(b).is_some()).count(),
            62
        );
    }

    #[test]
    fn age_rule_is_strictly_greater() {
        let t = UnixTime::from_secs(1000);
        assert!(check_max_age(t, UnixTime::from_secs(1010), Some(10)).is_ok());
        assert!(check_max_age(t, UnixTime::from_secs(1011), Some(10)).is_err());
        assert!(check_max_age(t, UnixTime::from_secs(0), Some(0)).is_ok());
        assert!(check_max_age(t, UnixTime::from_secs(i64::MAX), None).is_ok());
        assert!(
            check_max_age(
                UnixTime::from_secs(i64::MIN),
                UnixTime::from_secs(i64::MAX),
                Some(u64::MAX)
            )
            .is_ok()
        );
    }
}

#[cfg(test)]
mod age_tests {
    use super::*;

    /// Django: `time.time() - timestamp > max_age`, in floating point.
    #[test]
    fn the_age_rule_is_sub_second() {
        let issued = UnixTime::from_secs(1_000);
        let at = |secs, nanos| UnixTime::from_secs_nanos(secs, nanos).unwrap();
        assert!(check_max_age(issued, at(1_060, 0), Some(60)).is_ok());
        assert!(check_max_age(issued, at(1_060, 1), Some(60)).is_err());
        assert!(check_max_age(issued, at(1_059, 999_999_999), Some(60)).is_ok());
        assert!(check_max_age(issued, at(1_061, 0), Some(60)).is_err());
        assert!(check_max_age(issued, at(0, 5), Some(0)).is_ok());
        assert!(check_max_age(issued, at(1_000, 5), Some(0)).is_err());
        assert!(check_max_age(issued, at(i64::MAX, 5), None).is_ok());
    }

    #[test]
    fn before_the_epoch_the_fraction_counts_forward() {
        assert!(UnixTime::from_secs_nanos(-2, 750_000_000).unwrap() > UnixTime::from_secs(-2));
        assert!(UnixTime::from_secs_nanos(-2, 750_000_000).unwrap() < UnixTime::from_secs(-1));
    }
}
