//! JSON exactly as CPython's `json.dumps(obj, separators=(",", ":"))` writes
//! it, which is what Django (and, with sorted keys, Flask) signs.
//!
//! The writer is `serde_json` with a [`Formatter`](serde_json::ser::Formatter)
//! that changes only what Python does differently: every character outside
//! printable ASCII is escaped as lowercase `\uXXXX` (UTF-16 surrogate pairs
//! above U+FFFF, DEL included), floats follow Python's `repr`, and integers
//! of any size keep every digit (`u128`, `i128`, and the exact text of a
//! [`RawValue`](serde_json::value::RawValue)). Key order is the map's own
//! order.
//!
//! None of this needs a `serde_json` feature that would change `serde_json`
//! for the rest of an application (`arbitrary_precision`, `preserve_order`):
//! values read from a cookie are kept as their JSON text and parsed only
//! when read, into the type the caller asks for. `docs/json.md` has the
//! design.

#[cfg(feature = "flask")]
pub(crate) mod flask_wire;
mod float;
pub(crate) mod py;
mod python;
pub(crate) mod raw;
mod reserved;
#[cfg(feature = "flask")]
pub mod tagged;

use std::io;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::PayloadError;

pub use python::PythonFormatter;
pub(crate) use python::write_python_string;

/// Writes `value` as CPython's `json.dumps(value, separators=(",", ":"))`.
///
/// Not-a-number and infinite floats are written as `null`, as `serde_json`
/// writes them; Python would write the non-JSON words `NaN` and `Infinity`.
///
/// # Errors
///
/// When `value` cannot be represented as JSON (for example a map whose keys
/// are not strings or numbers).
///
/// # Examples
///
/// ```
/// let value = ("Zoë", 1e16, 0.00001, u128::MAX);
/// let text = session_cookie::json::to_string(&value)?;
/// assert_eq!(text, r#"["Zo\u00eb",1e+16,1e-05,340282366920938463463374607431768211455]"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn to_string<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    let mut out = Vec::with_capacity(128);
    to_writer(&mut out, value)?;
    // The formatter escapes everything outside printable ASCII.
    String::from_utf8(out).map_err(|_| serde::ser::Error::custom("non-ASCII output"))
}

/// Appends `value` in Python's compact JSON to `writer`; see [`to_string`].
///
/// # Errors
///
/// When `value` cannot be represented as JSON, or the writer fails.
///
/// # Examples
///
/// ```
/// let mut out = Vec::new();
/// session_cookie::json::to_writer(&mut out, &["😀", "\u{7f}"])?;
/// assert_eq!(out, br#"["\ud83d\ude00","\u007f"]"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn to_writer<W: io::Write, T: Serialize + ?Sized>(
    writer: W,
    value: &T,
) -> Result<(), serde_json::Error> {
    let mut serializer = serde_json::Serializer::with_formatter(writer, PythonFormatter);
    value.serialize(&mut serializer)
}

/// Appends `value` to `out` as a Django or native cookie payload: Python's
/// JSON in the value's own key order, streamed by [`to_writer`] (a
/// Flask-only helper is written as Python's `json` would write it, and a
/// value in Flask's wire form is refused: see `py::WireBody`), and refused
/// when it keys
/// an object by `serde_json`'s `RawValue` token, which would not read back
/// as a map (see `reserved`).
pub(crate) fn write_payload<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> Result<(), serde_json::Error> {
    write_checked(out, |out| to_writer(out, value))
}

/// Runs `write`, which appends a payload's JSON to `out`, and refuses what
/// it wrote when it keys an object by `serde_json`'s `RawValue` token: the
/// one check every payload writer (serde's or the session's own) passes.
pub(crate) fn write_checked(
    out: &mut Vec<u8>,
    write: impl FnOnce(&mut Vec<u8>) -> Result<(), serde_json::Error>,
) -> Result<(), serde_json::Error> {
    let start = out.len();
    write(&mut *out)?;
    reserved::check(out.get(start..).unwrap_or_default()).map_err(|_| {
        serde::ser::Error::custom(
            "an object is keyed by a reserved serde_json token ($serde_json::private::RawValue), \
             which would not read back as a map",
        )
    })
}

/// Writes `value` as CPython's `json.dumps(value, separators=(",", ":"),
/// sort_keys=True)`: [`to_string`] with every object's keys sorted, at every
/// depth, by Unicode code point (which for UTF-8 is byte order). This is
/// the JSON that Flask signs.
///
/// # Errors
///
/// As [`to_string`].
///
/// # Examples
///
/// ```
/// let value: Box<serde_json::value::RawValue> = serde_json::from_str(
///     r#"{"zeta": 1, "\u00e9": {"b": 1, "a": 2}, "A": 0.00001, "n": 123456789012345678901234567890}"#,
/// )?;
/// let text = session_cookie::json::to_string_sorted(&value)?;
/// assert_eq!(text, r#"{"A":1e-05,"n":123456789012345678901234567890,"zeta":1,"\u00e9":{"a":2,"b":1}}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn to_string_sorted<T: Serialize + ?Sized>(value: &T) -> Result<String, serde_json::Error> {
    py::to_py(value)?
        .to_text(py::Style::SortedJson)
        .map_err(serde::ser::Error::custom)
}

/// Parses JSON with `serde_json`'s nesting limit (128 levels), mapping errors
/// to positions only so that no content reaches an error message. Objects
/// keyed by `serde_json`'s `RawValue` token are refused (see `reserved`).
pub(crate) fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, PayloadError> {
    // The nesting bound holds for every `T`: a `RawValue` (or any type that
    // skips what it does not read) would otherwise pass any depth.
    raw::check_nesting(bytes)?;
    reserved::check(bytes)?;
    serde_json::from_slice(bytes).map_err(|err| PayloadError::from_json(&err))
}

/// Refuses JSON text that `serde_json` would read differently from Python:
/// objects keyed by its `RawValue` token.
pub(crate) fn check_reserved_keys(text: &[u8]) -> Result<(), PayloadError> {
    reserved::check(text)
}
