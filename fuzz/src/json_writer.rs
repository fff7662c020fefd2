//! `json_writer`: the Python-compatible writer (`session_cookie::json`)
//! against `serde_json`. What it writes is printable ASCII, parses back with
//! `serde_json` to the same value (integers digit for digit, floats to the
//! bit), and means the same as `serde_json`'s own output.
//!
//! Input: first byte even: the rest is JSON text that `serde_json` may
//! accept; odd: `arbitrary` data for an [`ArbValue`].

use arbitrary::{Arbitrary, Unstructured};

use super::common::{ArbValue, canon, has_reserved_token};
use super::exact::J;

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let value = if mode % 2 == 0 {
        // Read exactly: every digit and every key's place.
        match core::str::from_utf8(rest)
            .ok()
            .and_then(|text| J::parse(text).ok())
        {
            Some(value) => value,
            None => return,
        }
    } else {
        match ArbValue::arbitrary_take_rest(Unstructured::new(rest)) {
            Ok(value) => value.to_json(),
            Err(_) => return,
        }
    };
    check(&value);
}

/// The writer's properties for one value.
pub fn check(value: &J) {
    let written = match session_cookie::json::to_string(value) {
        Ok(text) => text,
        Err(err) => panic!("a JSON value does not write: {err}"),
    };
    assert!(
        written.bytes().all(|b| (0x20..0x7f).contains(&b)),
        "output outside printable ASCII"
    );
    if has_reserved_token(value) {
        // Refused by the codecs (src/json/reserved.rs); the writer itself
        // writes it as the dict it is.
        return;
    }
    let parsed = match J::parse(&written) {
        Ok(parsed) => parsed,
        Err(err) => panic!("written JSON does not parse: {err}: {written}"),
    };
    assert_eq!(canon(&parsed), canon(value), "value changed: {written}");
    // serde_json's own writer, given the same exact value, writes the same
    // value (in its own spelling).
    let theirs = serde_json::to_string(value).unwrap_or_default();
    let theirs = J::parse(&theirs).unwrap_or(J::Null);
    assert_eq!(canon(&parsed), canon(&theirs), "differs from serde_json");
}
