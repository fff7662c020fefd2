//! Time as a parameter: whole Unix seconds, the system clock, age checks,
//! and Django's base 62 timestamp text.

use core::fmt;

use crate::error::DecodeError;

/// A point in time in whole seconds since the Unix epoch, as cookies carry it.
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
pub struct UnixTime(i64);

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
        Self(secs)
    }

    /// The system clock, truncated to whole seconds as Python's
    /// `int(time.time())` is.
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
        let secs = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_secs()).unwrap_or(i64::MAX),
            Err(before) => i64::try_from(before.duration().as_secs()).map_or(i64::MIN, |s| -s),
        };
        Self(secs)
    }

    /// JavaScript's `Date.now()` (milliseconds), truncated to whole seconds
    /// as Python's `int(time.time())` is.
    #[must_use]
    #[cfg(all(feature = "wasm", target_arch = "wasm32", target_os = "unknown"))]
    pub fn now() -> Self {
        // An f64 of milliseconds; `as` saturates, and NaN becomes 0.
        #[allow(clippy::cast_possible_truncation)]
        let millis = js_sys::Date::now() as i64;
        Self(millis.div_euclid(1000))
    }

    /// Seconds since the epoch.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(session_cookie::UnixTime::from_secs(42).as_secs(), 42);
    /// ```
    #[must_use]
    pub const fn as_secs(self) -> i64 {
        self.0
    }
}

impl fmt::Display for UnixTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Refuses a value signed at `issued` when, at `now`, it is older than
/// `max_age` seconds. Equal to the maximum is still valid, and a time in the
/// future is never "old": Django's `age > max_age` rule exactly.
pub(crate) fn check_max_age(
    issued: UnixTime,
    now: UnixTime,
    max_age: Option<u64>,
) -> Result<(), DecodeError> {
    let Some(max_age) = max_age else {
        return Ok(());
    };
    // i128 holds the difference of any two i64 values.
    let age = i128::from(now.0) - i128::from(issued.0);
    if age > i128::from(max_age) {
        Err(DecodeError::Expired {
            age: i64::try_from(age).unwrap_or(i64::MAX),
            max_age,
        })
    } else {
        Ok(())
    }
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

/// Whether `text` has the shape of a base 62 number: an optional `-` and at
/// least one digit of the alphabet. Checked before the signature, so a
/// malformed timestamp is reported as structure rather than content.
pub(crate) fn is_base62(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Reads a base 62 number as Django does (leading zeros accepted); `None`
/// when it has no digits, a character outside the alphabet, or does not fit
/// in 64 bits.
pub(crate) fn parse_base62(text: &str) -> Option<i64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    // Accumulate downwards: i64 has room for -2^63 but not for +2^63, and
    // Django writes i64::MIN's timestamp like any other.
    let mut value: i64 = 0;
    for byte in digits.bytes() {
        let digit = match byte {
            b'0'..=b'9' => byte - b'0',
            b'A'..=b'Z' => byte - b'A' + 10,
            b'a'..=b'z' => byte - b'a' + 36,
            _ => return None,
        };
        value = value.checked_mul(62)?.checked_sub(i64::from(digit))?;
    }
    if negative {
        Some(value)
    } else {
        value.checked_neg()
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
        assert_eq!(parse_base62("AzL8n0Y58m8"), None, "2^63 does not fit");
        assert_eq!(parse_base62("zzzzzzzzzzzz"), None);
        assert_eq!(parse_base62(""), None);
        assert_eq!(parse_base62("-"), None);
        assert_eq!(parse_base62("1r3$eq"), None);
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
