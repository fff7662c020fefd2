//! Python's `repr(float)`: the shortest digits that round-trip, positional
//! for decimal exponents from -4 to 15, scientific otherwise with a signed
//! two-digit exponent, and `.0` on integral values.

/// Longest repr: `-` + 17 digits + `.` + `e-308`, or positional forms such
/// as `-0.000` + 17 digits; 32 bytes hold them all.
const CAPACITY: usize = 32;

/// The text of one float's repr, built without touching the heap.
pub(crate) struct Repr {
    buf: [u8; CAPACITY],
    len: usize,
}

impl Repr {
    fn push(&mut self, byte: u8) {
        if let Some(slot) = self.buf.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    fn extend(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.push(byte);
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }
}

/// The magnitudes for which repr and ryu both write positional text: repr
/// from 1e-4 up to (not including) 1e16, ryu from 1e-5 up to 1e16. Any
/// double from 1e-4 up has shortest digits of at least 1e-4, and any double
/// below 1e16 shortest digits below it (they must read back as itself).
const POSITIONAL_MIN: f64 = 1e-4;
const POSITIONAL_END: f64 = 1e16;

/// Python's `repr(value)`.
pub(crate) fn python_repr(value: f64) -> Repr {
    let mut out = Repr {
        buf: [0; CAPACITY],
        len: 0,
    };
    if value.is_nan() {
        out.extend(b"NaN");
    } else if value.is_infinite() {
        out.extend(if value < 0.0 {
            b"-Infinity"
        } else {
            b"Infinity"
        });
    } else {
        if value.is_sign_negative() {
            out.push(b'-');
        }
        let magnitude = value.abs();
        let mut buffer = ryu::Buffer::new();
        if value == 0.0 {
            out.extend(b"0.0");
        } else if (POSITIONAL_MIN..POSITIONAL_END).contains(&magnitude) {
            // Both write these positionally with the same shortest digits,
            // so ryu's text is already repr's (`repr_is_ryu_when_positional`).
            out.extend(buffer.format_finite(magnitude).as_bytes());
        } else {
            let digits = Digits::of(buffer.format_finite(magnitude));
            write_python_form(&mut out, digits.as_bytes(), digits.point);
        }
    }
    out
}

/// Significant digits `d1 d2 ...` (at most 17, no leading or trailing
/// zeros) and the position `point` of the decimal point, so that the value
/// is `0.d1d2... * 10^point`.
struct Digits {
    buf: [u8; 24],
    len: usize,
    point: i32,
}

impl Digits {
    fn as_bytes(&self) -> &[u8] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    /// Reads ryu's shortest text, whichever notation it chose.
    fn of(text: &str) -> Self {
        let (mantissa, exponent) = match text.split_once(['e', 'E']) {
            Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
            None => (text, 0),
        };
        let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let mut digits = Self {
            buf: [0; 24],
            len: 0,
            point: exponent,
        };
        let mut seen_nonzero = false;
        for (index, byte) in int_part.bytes().chain(frac_part.bytes()).enumerate() {
            if index < int_part.len() {
                digits.point += 1;
            }
            if !seen_nonzero && byte == b'0' {
                digits.point -= 1;
                continue;
            }
            seen_nonzero = true;
            if let Some(slot) = digits.buf.get_mut(digits.len) {
                *slot = byte;
                digits.len += 1;
            }
        }
        while digits.len > 0 && digits.buf.get(digits.len - 1) == Some(&b'0') {
            digits.len -= 1;
        }
        digits
    }
}

/// Lays the digits out as CPython's `float_repr_style = 'short'` does
/// (`Python/pystrtod.c`, `format_float_short` with mode `r`).
fn write_python_form(out: &mut Repr, digits: &[u8], point: i32) {
    let count = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    if point <= -4 || point > 16 {
        let (first, rest) = digits.split_first().unwrap_or((&b'0', &[]));
        out.push(*first);
        if !rest.is_empty() {
            out.push(b'.');
            out.extend(rest);
        }
        let exponent = point - 1;
        out.push(b'e');
        out.push(if exponent < 0 { b'-' } else { b'+' });
        let magnitude = exponent.unsigned_abs();
        let mut text = itoa::Buffer::new();
        if magnitude < 10 {
            out.push(b'0');
        }
        out.extend(text.format(magnitude).as_bytes());
    } else if point <= 0 {
        out.extend(b"0.");
        for _ in 0..point.unsigned_abs() {
            out.push(b'0');
        }
        out.extend(digits);
    } else if point >= count {
        out.extend(digits);
        for _ in 0..(point - count) {
            out.push(b'0');
        }
        out.extend(b".0");
    } else {
        let (int_part, frac_part) = digits.split_at(point.unsigned_abs() as usize);
        out.extend(int_part);
        out.push(b'.');
        out.extend(frac_part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(value: f64) -> String {
        String::from_utf8(python_repr(value).as_bytes().to_vec()).unwrap()
    }

    /// Outputs verified against CPython (`shared/specs/django-signing.md` §2
    /// and `flask-session.md` §3.1).
    #[test]
    fn matches_cpython() {
        for (value, text) in [
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (1e100, "1e+100"),
            (1.0, "1.0"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (1.5e-7, "1.5e-07"),
            (1e-7, "1e-07"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (1.2345678901234568e16, "1.2345678901234568e+16"),
            (1.152921504606847e18, "1.152921504606847e+18"),
            (0.1 + 0.2, "0.30000000000000004"),
            (123456789.12345679, "123456789.12345679"),
            (100.0, "100.0"),
            (1.5e300, "1.5e+300"),
            (-2.5, "-2.5"),
            (1e22, "1e+22"),
            (123.456, "123.456"),
            (0.001234, "0.001234"),
            (f64::NAN, "NaN"),
            (f64::INFINITY, "Infinity"),
            (f64::NEG_INFINITY, "-Infinity"),
        ] {
            assert_eq!(repr(value), text, "{value:e}");
        }
    }

    /// The general layout, which the positional fast path skips.
    fn laid_out(magnitude: f64) -> String {
        let mut out = Repr {
            buf: [0; CAPACITY],
            len: 0,
        };
        let mut buffer = ryu::Buffer::new();
        let digits = Digits::of(buffer.format_finite(magnitude));
        write_python_form(&mut out, digits.as_bytes(), digits.point);
        String::from_utf8(out.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn repr_is_ryu_when_positional() {
        let mut samples = vec![
            POSITIONAL_MIN,
            POSITIONAL_END,
            0.1,
            1.0,
            123.456,
            9_999_999_999_999_998.0,
        ];
        // Each power of ten and its neighbouring doubles, across the range
        // and one decade beyond it either way.
        for exponent in -6..=17 {
            let power: f64 = format!("1e{exponent}").parse().unwrap();
            for step in -3i64..=3 {
                samples.push(f64::from_bits(power.to_bits().wrapping_add_signed(step)));
            }
        }
        let mut x = 1.1e-6;
        while x < 1e18 {
            samples.push(x);
            x *= 1.37;
        }
        for magnitude in samples {
            assert_eq!(repr(magnitude), laid_out(magnitude), "{magnitude:e}");
        }
    }

    #[test]
    fn repr_round_trips() {
        let mut x = 1.0e-320_f64;
        while x < 1e300 {
            assert_eq!(repr(x).parse::<f64>().unwrap(), x);
            assert_eq!(repr(-x).parse::<f64>().unwrap(), -x);
            x *= 3.7;
        }
    }
}
