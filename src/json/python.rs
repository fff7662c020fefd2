//! The `serde_json` formatter that writes what CPython's `json` writes.

use std::io::{self, Write};

use serde_json::ser::{CharEscape, Formatter};

use super::float::python_repr;

/// A compact `serde_json` formatter with CPython's `ensure_ascii` escaping
/// and float `repr`.
///
/// Use it through [`to_string`](super::to_string) or
/// [`to_writer`](super::to_writer), or hand it to
/// [`serde_json::Serializer::with_formatter`].
///
/// # Examples
///
/// ```
/// use serde::Serialize;
/// use session_cookie::json::PythonFormatter;
///
/// let mut out = Vec::new();
/// let mut ser = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
/// ("é", 1.0, u128::MAX).serialize(&mut ser)?;
/// assert_eq!(out, br#"["\u00e9",1.0,340282366920938463463374607431768211455]"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct PythonFormatter;

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `\uXXXX` with lowercase hex, as CPython writes it.
fn u16_escape(unit: u16) -> [u8; 6] {
    let nibble = |shift: u16| {
        // A nibble is below 16, a valid index.
        #[allow(clippy::indexing_slicing)]
        HEX[usize::from((unit >> shift) & 0xf)]
    };
    [b'\\', b'u', nibble(12), nibble(8), nibble(4), nibble(0)]
}

/// Writes `text` with every character outside 0x20..=0x7E escaped. The
/// caller has already turned `"`, `\` and C0 controls into escapes.
fn write_ascii_escaped<W: ?Sized + Write>(writer: &mut W, text: &str) -> io::Result<()> {
    // Most fragments need no escape: one branch-free pass (which the
    // compiler vectorises) finds that out, where the run-by-run loop
    // below costs a branch per byte.
    if text.bytes().fold(true, |plain, b| plain & (b < 0x7f)) {
        return writer.write_all(text.as_bytes());
    }
    let mut rest = text;
    while !rest.is_empty() {
        let plain = rest
            .bytes()
            .take_while(|b| (0x20..0x7f).contains(b))
            .count();
        let (run, tail) = rest.split_at(plain);
        writer.write_all(run.as_bytes())?;
        let mut chars = tail.chars();
        if let Some(c) = chars.next() {
            write_escape(writer, c)?;
        }
        rest = chars.as_str();
    }
    Ok(())
}

/// Writes `c` as CPython's `ensure_ascii` escapes it: the short forms of
/// `"`, `\`, backspace, form feed, newline, carriage return and tab, and
/// `\uXXXX` (a surrogate pair beyond the BMP) for every other character.
fn write_escape<W: ?Sized + Write>(writer: &mut W, c: char) -> io::Result<()> {
    let short: &[u8] = match c {
        '"' => b"\\\"",
        '\\' => b"\\\\",
        '\u{8}' => b"\\b",
        '\u{c}' => b"\\f",
        '\n' => b"\\n",
        '\r' => b"\\r",
        '\t' => b"\\t",
        _ => {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                writer.write_all(&u16_escape(*unit))?;
            }
            return Ok(());
        }
    };
    writer.write_all(short)
}

/// Whether CPython's `ensure_ascii` escapes this byte of UTF-8 text (for a
/// lead byte: the character it starts).
///
/// Branch-free (`|`, not `||`), so that a fold of it over a string
/// compiles to vector compares.
fn needs_escape(byte: u8) -> bool {
    (byte.wrapping_sub(0x20) >= 0x5f) | (byte == b'"') | (byte == b'\\')
}

/// Whether `text` is already exactly what Python's `repr` writes for the
/// float it denotes, so it can be copied instead of parsed and formatted
/// again (the common case: numbers that came from Python).
///
/// Sufficient, not necessary: positional `D.D` text with no redundant
/// zeros, in `repr`'s positional range, and at most 15 significant digits
/// (any such decimal survives the round trip through a double, so its
/// shortest form is itself). Everything else takes the full path.
pub(crate) fn is_python_float_text(text: &str) -> bool {
    let unsigned = text.strip_prefix('-').unwrap_or(text);
    let Some((int_part, frac_part)) = unsigned.split_once('.') else {
        return false;
    };
    let all_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int_part) || !all_digits(frac_part) {
        return false;
    }
    if int_part.len() > 1 && int_part.starts_with('0') {
        return false;
    }
    // Trailing zeros only in the integral form `N.0`.
    if frac_part.ends_with('0') && frac_part != "0" {
        return false;
    }
    let significant = if int_part == "0" {
        let zeros = frac_part.bytes().take_while(|&b| b == b'0').count();
        // repr switches to scientific notation below 1e-4.
        if zeros > 3 {
            return frac_part == "0";
        }
        frac_part.len() - zeros
    } else {
        // ... and at 1e16.
        if int_part.len() > 16 {
            return false;
        }
        let digits = int_part.trim_end_matches('0').len();
        if frac_part == "0" {
            digits
        } else {
            int_part.len() + frac_part.len()
        }
    };
    (1..=15).contains(&significant) || unsigned == "0.0"
}

/// Python's `repr` of `value` as text.
pub(crate) fn repr_text(value: f64) -> String {
    String::from_utf8_lossy(python_repr(value).as_bytes()).into_owned()
}

/// What `json.dumps(json.loads(text))` writes for the JSON number `text`:
/// integers digit for digit (`-0` is Python's `0`), anything with a
/// fraction or an exponent as the `repr` of the float it denotes.
pub(crate) fn canonical_number(text: &str) -> String {
    if is_python_float_text(text) {
        text.to_owned()
    } else if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        match text.parse::<f64>() {
            Ok(parsed) if parsed.is_finite() => repr_text(parsed),
            // A literal beyond the double range (`1e400`): Python would read
            // `inf` and write the non-JSON word `Infinity`, which no JSON
            // reader (this crate's included) reads back. Keeping the literal
            // keeps the session readable.
            _ => text.to_owned(),
        }
    } else if text
        .strip_prefix('-')
        .is_some_and(|d| d.bytes().all(|b| b == b'0'))
    {
        "0".to_owned()
    } else {
        text.to_owned()
    }
}

/// Appends `text` as a JSON string, escaped as CPython's `ensure_ascii`:
/// the bytes [`PythonFormatter`] writes for it, in one pass (through
/// `serde_json`, a string is scanned for its escapes and then each run
/// again for non-ASCII).
pub(crate) fn write_python_string(out: &mut Vec<u8>, text: &str) {
    out.reserve(text.len().saturating_add(2));
    out.push(b'"');
    // Session keys and values seldom need an escape: one branch-free pass
    // over the whole string (vectorised) finds that out, where the
    // run-by-run loop below costs a branch per byte.
    if !text.bytes().fold(false, |any, b| any | needs_escape(b)) {
        out.extend_from_slice(text.as_bytes());
        out.push(b'"');
        return;
    }
    let mut rest = text;
    loop {
        // An escaped byte is ASCII or a lead byte, so a character boundary.
        let plain = rest.bytes().position(needs_escape).unwrap_or(rest.len());
        let Some((run, tail)) = rest.split_at_checked(plain) else {
            break;
        };
        out.extend_from_slice(run.as_bytes());
        let mut chars = tail.chars();
        let Some(c) = chars.next() else {
            break;
        };
        // Writing to a vector cannot fail.
        let _ = write_escape(out, c);
        rest = chars.as_str();
    }
    out.push(b'"');
}

impl Formatter for PythonFormatter {
    fn write_f32<W: ?Sized + Write>(&mut self, writer: &mut W, value: f32) -> io::Result<()> {
        self.write_f64(writer, f64::from(value))
    }

    fn write_f64<W: ?Sized + Write>(&mut self, writer: &mut W, value: f64) -> io::Result<()> {
        writer.write_all(python_repr(value).as_bytes())
    }

    /// Raw JSON text (a `serde_json` `RawValue`) is parsed and written in
    /// Python's form, so it comes out as `json.dumps` would write it.
    fn write_raw_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let value = super::py::Py::parse(fragment)
            .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err.to_string()))?;
        let mut out = Vec::with_capacity(fragment.len());
        value
            .write(&mut out, super::py::Style::Json)
            .map_err(|err| io::Error::new(io::ErrorKind::InvalidData, err.to_string()))?;
        writer.write_all(&out)
    }

    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_ascii_escaped(writer, fragment)
    }

    fn write_char_escape<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        char_escape: CharEscape,
    ) -> io::Result<()> {
        let c = match char_escape {
            CharEscape::Quote => '"',
            CharEscape::ReverseSolidus => '\\',
            // serde_json's writer never asks for it; unescaped, as CPython.
            CharEscape::Solidus => return writer.write_all(b"/"),
            CharEscape::Backspace => '\u{8}',
            CharEscape::FormFeed => '\u{c}',
            CharEscape::LineFeed => '\n',
            CharEscape::CarriageReturn => '\r',
            CharEscape::Tab => '\t',
            CharEscape::AsciiControl(byte) => char::from(byte),
        };
        write_escape(writer, c)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::to_string;

    #[test]
    fn escapes_like_cpython() {
        let s: String = (0u8..0x20)
            .map(char::from)
            .chain(['\u{7f}', '"', '\\', '/', '<'])
            .collect();
        assert_eq!(
            to_string(&s).unwrap(),
            r#""\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f\u007f\"\\/<""#
        );
        assert_eq!(
            to_string(&"é中\u{2028}\u{feff}😀𝄞").unwrap(),
            r#""\u00e9\u4e2d\u2028\ufeff\ud83d\ude00\ud834\udd1e""#
        );
    }

    /// The one-pass check of `write_python_string` sees a character that
    /// needs an escape wherever it stands: in the vectorised body of a long
    /// string or in its tail, next to the edges of the plain range.
    #[test]
    fn python_string_writer_matches_the_formatter() {
        let plain = "x".repeat(70);
        for c in [
            '\u{0}', '\u{1f}', ' ', '~', '\u{7f}', '\u{80}', 'é', '"', '\\', '😀',
        ] {
            for at in [0, 1, 15, 16, 31, 32, 33, 63, 64, 69, 70] {
                let mut text = plain.clone();
                text.insert(at, c);
                for text in [text.as_str(), &text[..at + c.len_utf8()]] {
                    let mut out = Vec::new();
                    super::write_python_string(&mut out, text);
                    assert_eq!(
                        String::from_utf8(out).unwrap(),
                        to_string(&text).unwrap(),
                        "{c:?} at {at}"
                    );
                }
            }
        }
    }

    #[test]
    fn copied_float_text_is_what_repr_writes() {
        for text in [
            "0.0",
            "-0.0",
            "1.0",
            "2.24",
            "-2.5",
            "0.1",
            "0.0001",
            "0.001234",
            "100.0",
            "123456789.12345",
            "1000000000000000.0",
            "0.30000000000000004",
            "1e-05",
            "1e+16",
            "2.50",
            "00.5",
            "1.",
            ".5",
            "0.00001",
            "10000000000000000.0",
            "1.2345678901234567",
            "123.4560",
            "-0",
            "5",
            "1E5",
            "12345678901234567890.5",
        ] {
            if super::is_python_float_text(text) {
                let mut out = Vec::new();
                super::super::to_writer(&mut out, &text.parse::<f64>().unwrap()).unwrap();
                assert_eq!(String::from_utf8(out).unwrap(), text, "{text}");
            }
        }
        assert!(super::is_python_float_text("2.24"));
        assert!(!super::is_python_float_text("2.50"));
        assert!(!super::is_python_float_text("0.00001"));
    }

    proptest::proptest! {
        /// Any decimal text the fast path copies is exactly the repr of the
        /// float it denotes.
        #[test]
        fn fast_path_copies_only_reprs(int in "-?[0-9]{1,18}", frac in "[0-9]{1,18}") {
            let text = format!("{int}.{frac}");
            if super::is_python_float_text(&text) {
                let mut out = Vec::new();
                super::super::to_writer(&mut out, &text.parse::<f64>().unwrap()).unwrap();
                proptest::prop_assert_eq!(String::from_utf8(out).unwrap(), text);
            }
        }
    }

    #[test]
    fn numbers_like_cpython() {
        let v: Box<serde_json::value::RawValue> = serde_json::from_str(
            r#"[18446744073709551617, -0, 1e100, 1E-5, -0.0, 2.50, 1000000000000000000000000000001, 1e400]"#,
        )
        .unwrap();
        assert_eq!(
            to_string(&v).unwrap(),
            "[18446744073709551617,0,1e+100,1e-05,-0.0,2.5,1000000000000000000000000000001,1e400]"
        );
        assert_eq!(
            to_string(&json!({"a": [], "b": {}})).unwrap(),
            r#"{"a":[],"b":{}}"#
        );
    }
}
