//! The application's own code: types it deserializes with `serde_json`, and
//! a session it keeps with `session-cookie`. The tests in `tests/` check
//! that `serde_json` behaves here exactly as it does without
//! `session-cookie` in the build.

use serde::{Deserialize, Serialize};

/// A measurement that is either a plain number or a labelled one:
/// `#[serde(untagged)]` with an `f64` variant, which breaks when
/// `serde_json`'s `arbitrary_precision` is on.
#[derive(Debug, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum Reading {
    /// `2.5`
    Plain(f64),
    /// `{"value": 2.5, "unit": "kg"}`
    Labelled { value: f64, unit: String },
}

/// Common fields flattened into an event, with an `f64` among them.
#[derive(Debug, PartialEq, Deserialize, Serialize)]
pub struct Common {
    pub id: u64,
    pub score: f64,
}

/// An event with the common fields flattened in.
#[derive(Debug, PartialEq, Deserialize, Serialize)]
pub struct Event {
    pub name: String,
    #[serde(flatten)]
    pub common: Common,
}

/// An internally tagged message with an `f64` field.
#[derive(Debug, PartialEq, Deserialize, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Message {
    /// `{"type": "move", "x": 1.5}`
    Move { x: f64 },
}

/// Logs `user_id` in and back out through a real session cookie, as a
/// handler would: the crate is really used, not only linked.
///
/// # Errors
///
/// Any error of the crate.
pub fn login_round_trip(user_id: u64) -> Result<Option<u64>, Box<dyn std::error::Error>> {
    let codec = session_cookie::DjangoCodec::sessions(&session_cookie::SecretKeys::new(
        "downstream-check-secret-key",
    )?);
    let mut session = session_cookie::Session::new();
    session.insert("user_id", user_id)?;
    let cookie = codec.encode(&session)?;
    let session = codec.decode_session(&cookie)?.into_value();
    Ok(session.get::<u64>("user_id")?)
}
