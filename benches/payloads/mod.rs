//! The payloads every benchmark uses, shared with
//! `benches/python_reference.py`: a typical auth session (three keys, about
//! 130 bytes of JSON), a 2 KB cart-like session and a 4 KB one.

use serde_json::Value;

/// Name and JSON value of each benchmark payload.
pub(crate) fn all() -> Vec<(&'static str, Value)> {
    vec![
        ("small", parse(include_str!("small.json"))),
        ("2kb", parse(include_str!("2kb.json"))),
        ("4kb", parse(include_str!("4kb.json"))),
    ]
}

/// The small one: three keys, as Django's auth middleware stores them.
pub(crate) fn small() -> Value {
    parse(include_str!("small.json"))
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}
