//! `json_writer`: the Python-compatible writer (`session_cookie::json`)
//! against `serde_json`. What it writes is printable ASCII, parses back with
//! `serde_json` to the same value (integers digit for digit, floats to the
//! bit), and means the same as `serde_json`'s own output.
//!
//! Input: first byte even: the rest is JSON text that `serde_json` may
//! accept; odd: `arbitrary` data for an [`ArbValue`].

use arbitrary::{Arbitrary, Unstructured};
use serde_json::Value;

use super::common::{ArbValue, canon, has_number_token};

/// Runs one input.
pub fn run(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let value = if mode % 2 == 0 {
        match serde_json::from_slice::<Value>(rest) {
            Ok(value) => value,
            Err(_) => return,
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
pub fn check(value: &Value) {
    let written = match session_cookie::json::to_string(value) {
        Ok(text) => text,
        Err(err) => panic!("a JSON value does not write: {err}"),
    };
    assert!(
        written.bytes().all(|b| (0x20..0x7f).contains(&b)),
        "output outside printable ASCII"
    );
    if has_number_token(value) {
        // `serde_json` (arbitrary_precision) reads such an object back as a
        // number or refuses it. Known; see SECURITY.md, "Findings".
        return;
    }
    let parsed: Value = match serde_json::from_str(&written) {
        Ok(parsed) => parsed,
        Err(err) => panic!("written JSON does not parse: {err}: {written}"),
    };
    assert_eq!(canon(&parsed), canon(value), "value changed: {written}");
    let theirs = serde_json::to_string(value).unwrap_or_default();
    let theirs: Value = serde_json::from_str(&theirs).unwrap_or(Value::Null);
    assert_eq!(canon(&parsed), canon(&theirs), "differs from serde_json");
}
