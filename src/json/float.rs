//! Python's `repr(float)`: the shortest digits that round-trip, positional
//! for decimal exponents from -4 to 15, scientific otherwise with a signed
//! two-digit exponent, and `.0` on integral values.

/// Appends the `repr` of `value` to `out`.
pub(crate) fn push_python_repr(out: &mut Vec<u8>, value: f64) {
    if value.is_nan() {
        out.extend_from_slice(b"NaN");
        return;
    }
    if value.is_infinite() {
        out.extend_from_slice(if value < 0.0 {
            b"-Infinity"
        } else {
            b"Infinity"
        });
        return;
    }
    if value.is_sign_negative() {
        out.push(b'-');
    }
    if value == 0.0 {
        out.extend_from_slice(b"0.0");
        return;
    }
    let mut buffer = ryu::Buffer::new();
    let shortest = buffer.format_finite(value.abs());
    let (digits, decimal_point) = digits_and_point(shortest);
    write_python_form(out, &digits, decimal_point);
}

/// Splits ryu's shortest text (whatever notation it chose) into significant
/// digits `d1 d2 ...` and the position `p` of the decimal point, so that the
/// value is `0.d1d2... * 10^p`.
fn digits_and_point(text: &str) -> (Vec<u8>, i32) {
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut point = i32::try_from(int_part.len()).unwrap_or(i32::MAX);
    let mut digits: Vec<u8> = int_part.bytes().chain(frac_part.bytes()).collect();
    let leading = digits.iter().take_while(|&&d| d == b'0').count();
    digits.drain(..leading);
    point -= i32::try_from(leading).unwrap_or(0);
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    (digits, point + exponent)
}

/// Lays the digits out as CPython's `float_repr_style = 'short'` does
/// (`Python/pystrtod.c`, `format_float_short` with mode `r`).
fn write_python_form(out: &mut Vec<u8>, digits: &[u8], point: i32) {
    let count = i32::try_from(digits.len()).unwrap_or(i32::MAX);
    if point <= -4 || point > 16 {
        let (first, rest) = digits.split_first().unwrap_or((&b'0', &[]));
        out.push(*first);
        if !rest.is_empty() {
            out.push(b'.');
            out.extend_from_slice(rest);
        }
        let exponent = point - 1;
        out.push(b'e');
        out.push(if exponent < 0 { b'-' } else { b'+' });
        let magnitude = exponent.unsigned_abs();
        if magnitude < 10 {
            out.push(b'0');
        }
        out.extend_from_slice(magnitude.to_string().as_bytes());
    } else if point <= 0 {
        out.extend_from_slice(b"0.");
        out.extend(core::iter::repeat_n(b'0', point.unsigned_abs() as usize));
        out.extend_from_slice(digits);
    } else if point >= count {
        out.extend_from_slice(digits);
        out.extend(core::iter::repeat_n(
            b'0',
            (point - count).unsigned_abs() as usize,
        ));
        out.extend_from_slice(b".0");
    } else {
        let (int_part, frac_part) = digits.split_at(point.unsigned_abs() as usize);
        out.extend_from_slice(int_part);
        out.push(b'.');
        out.extend_from_slice(frac_part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repr(value: f64) -> String {
        let mut out = Vec::new();
        push_python_repr(&mut out, value);
        String::from_utf8(out).unwrap()
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
