//! Flask's tagged JSON (`flask/json/tag.py`): how a Flask session carries
//! Python values that JSON has no word for, and the typed helpers that let a
//! Rust program read and write them.
//!
//! Before Flask dumps a session it walks it and rewrites, first match wins:
//!
//! | Python value | wire form |
//! |---|---|
//! | a dict with exactly one key, and that key a tag name | `{" di": {"<key>__": …}}` |
//! | `tuple` | `{" t": [...]}` |
//! | `bytes` | `{" b": "<standard base64, padded>"}` |
//! | `Markup` | `{" m": "<html>"}` |
//! | `uuid.UUID` | `{" u": "<32 lowercase hex digits>"}` |
//! | `datetime` | `{" d": "Tue, 14 Nov 2023 22:13:20 GMT"}` |
//!
//! and loading reverses it, children before parents. The tag names are
//! `" t"`, `" b"`, `" m"`, `" u"`, `" d"` and `" di"` (each starts with a
//! space).
//!
//! # How this crate maps it
//!
//! - **Encoding** ([`FlaskCodec::encode_at`](crate::FlaskCodec::encode_at)):
//!   the value is application data. Maps and sequences are Python dicts and
//!   lists, so a one-key map whose key is a tag name is escaped with `" di"`
//!   exactly as Flask escapes it. Python-only values are written with the
//!   helpers of this module: [`Tuple`], [`Bytes`], [`Markup`], [`Uuid`],
//!   [`HttpDate`], and [`Wire`] for a value that is already in the tagged
//!   wire form and must be written exactly as it is.
//! - **Decoding** ([`FlaskCodec::decode_at`](crate::FlaskCodec::decode_at)):
//!   `" di"` escapes are removed, and each tagged value is given to the
//!   caller in its wire form (`{" t": [1, 2]}`), which is what the helpers
//!   deserialize from. [`FlaskCodec::decode_wire_at`](crate::FlaskCodec::decode_wire_at)
//!   gives the whole value in the tagged wire form instead, as a [`Wire`]
//!   that encodes back to the same JSON: nothing is lost on a round trip.
//!
//! The helpers only mean something to the Flask codec. Written by any other
//! serializer they come out as an internal marker object.
//!
//! # Security
//!
//! A marker carries a random number drawn once per process, so untrusted
//! JSON that an application stores in a session can never pose as a helper:
//! whatever objects it holds are written as dicts (and escaped as Flask
//! escapes them), never as tuples, bytes or raw wire JSON.
//!
//! # Examples
//!
//! ```
//! use session_cookie::json::tagged::{Bytes, Tuple};
//! use session_cookie::{FlaskCodec, KeyRing, UnixTime};
//!
//! let codec = FlaskCodec::sessions(&KeyRing::new("dev-secret")?);
//! let now = UnixTime::from_secs(1_700_000_000);
//! let session = serde_json::json!({
//!     "pair": Tuple(vec![1, 2]),          // Python (1, 2)
//!     "blob": Bytes(b"hi".to_vec()),      // Python b"hi"
//!     "plain": {" t": "not a tuple"},     // a dict that only looks tagged
//! });
//! let cookie = codec.encode_at(&session, now)?;
//!
//! // Decoding gives tagged values in their wire form, escapes removed:
//! let value = codec.decode_at::<serde_json::Value>(&cookie, now)?.into_value();
//! assert_eq!(value["pair"], serde_json::json!({" t": [1, 2]}));
//! assert_eq!(value["plain"], serde_json::json!({" t": "not a tuple"}));
//! // ...which the helpers read back:
//! let pair: Tuple<u8> = serde_json::from_value(value["pair"].clone())?;
//! assert_eq!(pair, Tuple(vec![1, 2]));
//!
//! // The wire form keeps the difference, and re-encodes byte for byte:
//! let wire = codec.decode_wire_at(&cookie, now)?.into_value();
//! assert_eq!(wire.value()["plain"], serde_json::json!({" di": {" t__": "not a tuple"}}));
//! assert_eq!(codec.encode_at(&wire, now)?, cookie);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use serde::de::{DeserializeOwned, Error as _};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use crate::time::UnixTime;

/// The field name that marks a helper inside a serialized value. Like the
/// private markers of `toml` and `serde_json`'s `RawValue`, it is not a key
/// any application uses.
const MARKER: &str = "$__session_cookie::json::tagged";
/// The marker's kind for [`Wire`]: already in the wire form.
const WIRE: &str = "wire";

/// A number drawn once per process and carried inside every marker, so that
/// a marker-shaped object that came from outside the process (untrusted
/// JSON stored in a session) is only a plain object, never a tag.
fn process_nonce() -> &'static str {
    use std::hash::{BuildHasher, Hasher};
    static NONCE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NONCE.get_or_init(|| {
        // std seeds each RandomState from the operating system's random
        // source; two of them give 128 unpredictable bits.
        let draw = || {
            std::collections::hash_map::RandomState::new()
                .build_hasher()
                .finish()
        };
        format!("{:016x}{:016x}", draw(), draw())
    })
}

const TUPLE: &str = " t";
const BYTES: &str = " b";
const MARKUP: &str = " m";
const UUID: &str = " u";
const DATE: &str = " d";
const DICT: &str = " di";
/// Every registered tag name, in Flask's default registry.
const TAG_NAMES: [&str; 6] = [DICT, TUPLE, BYTES, MARKUP, UUID, DATE];

/// The `" b"` decoder: Python's `b64decode` drops characters outside the
/// alphabet first; what is left may or may not be padded.
const BYTES_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a tagged value does not load (where Flask raises while untagging).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TagError;

// ---------------------------------------------------------------------------
// The Python value model

/// A session value as Flask holds it in Python, between the JSON and the
/// application.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Py {
    /// `null`, a boolean, a number or a string.
    Leaf(Value),
    /// A list.
    List(Vec<Py>),
    /// A dict, in its order.
    Dict(Vec<(String, Py)>),
    /// A tuple.
    Tuple(Vec<Py>),
    /// Bytes, as canonical standard base64 with padding.
    Bytes(String),
    /// `Markup`: its HTML text.
    Markup(String),
    /// A UUID: 32 lowercase hex digits.
    Uuid(String),
    /// A datetime: its HTTP date text.
    Date(String),
    /// Given by the application already in the wire form ([`Wire`]).
    Wire(Value),
}

fn one_key(name: &str, value: Value) -> Value {
    let mut map = Map::with_capacity(1);
    map.insert(name.to_owned(), value);
    Value::Object(map)
}

impl Py {
    /// Loads the tagged wire form as Flask's `TaggedJSONSerializer.loads`
    /// does (`_untag_scan`): children first, then any object with exactly
    /// one key that is a tag name.
    pub(crate) fn from_wire(value: Value) -> Result<Self, TagError> {
        match value {
            Value::Array(items) => Ok(Self::List(
                items
                    .into_iter()
                    .map(Self::from_wire)
                    .collect::<Result<_, _>>()?,
            )),
            Value::Object(map) => {
                let entries = map
                    .into_iter()
                    .map(|(key, value)| Ok((key, Self::from_wire(value)?)))
                    .collect::<Result<Vec<_>, TagError>>()?;
                match entries.as_slice() {
                    [(key, _)] if TAG_NAMES.contains(&key.as_str()) => {
                        let mut entries = entries;
                        match entries.pop() {
                            Some((key, content)) => untag(&key, content),
                            None => Err(TagError),
                        }
                    }
                    _ => Ok(Self::Dict(entries)),
                }
            }
            leaf => Ok(Self::Leaf(leaf)),
        }
    }

    /// Reads an application value: maps are dicts and sequences lists,
    /// except where a helper of this module left its marker.
    pub(crate) fn from_app(value: Value) -> Result<Self, TagError> {
        match value {
            Value::Array(items) => Ok(Self::List(
                items
                    .into_iter()
                    .map(Self::from_app)
                    .collect::<Result<_, _>>()?,
            )),
            Value::Object(map) => {
                if map.len() == 1 {
                    if let Some(marked) = map.get(MARKER).and_then(Self::from_marker) {
                        return marked;
                    }
                }
                Ok(Self::Dict(
                    map.into_iter()
                        .map(|(key, value)| Ok((key, Self::from_app(value)?)))
                        .collect::<Result<_, TagError>>()?,
                ))
            }
            leaf => Ok(Self::Leaf(leaf)),
        }
    }

    /// The helper a marker stands for; `None` when it is not a marker made
    /// by this process (then it is an ordinary object).
    fn from_marker(marked: &Value) -> Option<Result<Self, TagError>> {
        let [Value::String(kind), content, Value::String(nonce)] = marked.as_array()?.as_slice()
        else {
            return None;
        };
        if nonce != process_nonce() {
            return None;
        }
        Some(match (kind.as_str(), content) {
            (WIRE, content) => Ok(Self::Wire(content.clone())),
            (TUPLE, Value::Array(items)) => items
                .iter()
                .cloned()
                .map(Self::from_app)
                .collect::<Result<_, _>>()
                .map(Self::Tuple),
            (BYTES, Value::String(text)) => Ok(Self::Bytes(text.clone())),
            (MARKUP, Value::String(text)) => Ok(Self::Markup(text.clone())),
            (UUID, Value::String(text)) => Ok(Self::Uuid(text.clone())),
            (DATE, Value::String(text)) => Ok(Self::Date(text.clone())),
            _ => Err(TagError),
        })
    }

    /// Flask's `TaggedJSONSerializer.tag`: the JSON value Flask would dump.
    pub(crate) fn into_wire(self) -> Value {
        match self {
            Self::Leaf(value) | Self::Wire(value) => value,
            Self::List(items) => Value::Array(items.into_iter().map(Self::into_wire).collect()),
            Self::Dict(mut entries) => {
                let escape =
                    matches!(entries.as_slice(), [(key, _)] if TAG_NAMES.contains(&key.as_str()));
                if escape {
                    if let Some((key, value)) = entries.pop() {
                        return one_key(DICT, one_key(&format!("{key}__"), value.into_wire()));
                    }
                }
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(key, value)| (key, value.into_wire()))
                        .collect(),
                )
            }
            Self::Tuple(items) => one_key(
                TUPLE,
                Value::Array(items.into_iter().map(Self::into_wire).collect()),
            ),
            Self::Bytes(text) => one_key(BYTES, Value::String(text)),
            Self::Markup(text) => one_key(MARKUP, Value::String(text)),
            Self::Uuid(text) => one_key(UUID, Value::String(text)),
            Self::Date(text) => one_key(DATE, Value::String(text)),
        }
    }

    /// The application's view: dicts as plain objects (escapes removed),
    /// Python-only values in their wire form.
    pub(crate) fn into_plain(self) -> Value {
        match self {
            Self::Leaf(value) | Self::Wire(value) => value,
            Self::List(items) => Value::Array(items.into_iter().map(Self::into_plain).collect()),
            Self::Dict(entries) => Value::Object(
                entries
                    .into_iter()
                    .map(|(key, value)| (key, value.into_plain()))
                    .collect(),
            ),
            Self::Tuple(items) => one_key(
                TUPLE,
                Value::Array(items.into_iter().map(Self::into_plain).collect()),
            ),
            Self::Bytes(text) => one_key(BYTES, Value::String(text)),
            Self::Markup(text) => one_key(MARKUP, Value::String(text)),
            Self::Uuid(text) => one_key(UUID, Value::String(text)),
            Self::Date(text) => one_key(DATE, Value::String(text)),
        }
    }
}

/// Python's `str(x)` for the JSON scalars `Markup(x)` may be given.
fn python_str(leaf: &Value) -> Option<String> {
    match leaf {
        Value::String(text) => Some(text.clone()),
        Value::Null => Some("None".to_owned()),
        Value::Bool(true) => Some("True".to_owned()),
        Value::Bool(false) => Some("False".to_owned()),
        Value::Number(_) => super::to_string(leaf).ok(),
        Value::Array(_) | Value::Object(_) => None,
    }
}

fn chars(text: &str) -> Vec<Py> {
    text.chars()
        .map(|c| Py::Leaf(Value::String(c.to_string())))
        .collect()
}

fn decode_bytes(text: &str) -> Result<Vec<u8>, TagError> {
    if !text.is_ascii() {
        return Err(TagError);
    }
    let kept: String = text
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '='))
        .collect();
    BYTES_B64.decode(kept).map_err(|_| TagError)
}

/// One tag's `to_python`, given its already-loaded content; the result is
/// what Flask's `tag` would write back.
fn untag(name: &str, content: Py) -> Result<Py, TagError> {
    match (name, content) {
        // TagDict: the first key, minus its last two characters.
        (DICT, Py::Dict(entries)) => {
            let (key, value) = entries.into_iter().next().ok_or(TagError)?;
            let mut key: Vec<char> = key.chars().collect();
            key.truncate(key.len().saturating_sub(2));
            Ok(Py::Dict(vec![(key.into_iter().collect(), value)]))
        }
        // TagTuple: `tuple(value)`, of anything iterable.
        (TUPLE, Py::List(items) | Py::Tuple(items)) => Ok(Py::Tuple(items)),
        (TUPLE, Py::Leaf(Value::String(text)) | Py::Markup(text)) => Ok(Py::Tuple(chars(&text))),
        (TUPLE, Py::Dict(entries)) => Ok(Py::Tuple(
            entries
                .into_iter()
                .map(|(key, _)| Py::Leaf(Value::String(key)))
                .collect(),
        )),
        (TUPLE, Py::Bytes(text)) => Ok(Py::Tuple(
            decode_bytes(&text)?
                .into_iter()
                .map(|b| Py::Leaf(Value::from(b)))
                .collect(),
        )),
        // TagBytes: `b64decode(value)`.
        (BYTES, Py::Leaf(Value::String(text)) | Py::Markup(text)) => {
            Ok(Py::Bytes(STANDARD.encode(decode_bytes(&text)?)))
        }
        // TagMarkup: `Markup(value)`, which is `str(value)`.
        (MARKUP, Py::Markup(text)) => Ok(Py::Markup(text)),
        (MARKUP, Py::Leaf(leaf)) => python_str(&leaf).map(Py::Markup).ok_or(TagError),
        // TagUUID: `UUID(value)`, written back as `.hex`.
        (UUID, Py::Leaf(Value::String(text)) | Py::Markup(text)) => {
            canonical_uuid(&text).map(Py::Uuid).ok_or(TagError)
        }
        // TagDateTime: werkzeug's `parse_date`, which gives None for
        // anything that is not a date string.
        (DATE, Py::Leaf(Value::String(text)) | Py::Markup(text)) => Ok(Py::Date(
            parse_http_date(&text)
                .and_then(format_http_date)
                .unwrap_or(text),
        )),
        (DATE, _) => Ok(Py::Leaf(Value::Null)),
        _ => Err(TagError),
    }
}

/// Python's `UUID(text).hex`: `urn:`, `uuid:`, braces and dashes removed,
/// then exactly 32 hex digits.
fn canonical_uuid(text: &str) -> Option<String> {
    let text = text.replace("urn:", "").replace("uuid:", "");
    let hex: String = text
        .trim_matches(|c| c == '{' || c == '}')
        .chars()
        .filter(|&c| c != '-')
        .collect();
    (hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| hex.to_ascii_lowercase())
}

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `Tue, 14 Nov 2023 22:13:20 GMT` (werkzeug's `http_date`, the IMF-fixdate
/// of RFC 9110), for years 1 to 9999 as Python's `datetime` allows.
fn format_http_date(at: UnixTime) -> Option<String> {
    let t = OffsetDateTime::from_unix_timestamp(at.as_secs()).ok()?;
    if !(1..=9999).contains(&t.year()) {
        return None;
    }
    let weekday = WEEKDAYS.get(usize::from(t.weekday().number_days_from_monday()))?;
    let month = MONTHS.get(usize::from(u8::from(t.month())) - 1)?;
    Some(format!(
        "{weekday}, {:02} {month} {:04} {:02}:{:02}:{:02} GMT",
        t.day(),
        t.year(),
        t.hour(),
        t.minute(),
        t.second()
    ))
}

/// Reads an IMF-fixdate (`Tue, 14 Nov 2023 22:13:20 GMT`); the weekday is
/// not checked, as Python's `email.utils` does not check it.
fn parse_http_date(text: &str) -> Option<UnixTime> {
    let rest = text.get(5..)?;
    if !text.get(..5)?.ends_with(", ") || !WEEKDAYS.contains(&text.get(..3)?) {
        return None;
    }
    let mut fields = rest.split(' ');
    let (Some(day), Some(month), Some(year), Some(clock), Some("GMT"), None) = (
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
        fields.next(),
    ) else {
        return None;
    };
    let number = |text: &str, len: usize| -> Option<u16> {
        (text.len() == len && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    };
    let month = MONTHS.iter().position(|&m| m == month)?;
    let month = Month::try_from(u8::try_from(month + 1).ok()?).ok()?;
    let date = Date::from_calendar_date(
        i32::from(number(year, 4)?),
        month,
        u8::try_from(number(day, 2)?).ok()?,
    )
    .ok()?;
    let mut hms = clock.split(':');
    let (Some(h), Some(m), Some(s), None) = (hms.next(), hms.next(), hms.next(), hms.next()) else {
        return None;
    };
    let time = Time::from_hms(
        u8::try_from(number(h, 2)?).ok()?,
        u8::try_from(number(m, 2)?).ok()?,
        u8::try_from(number(s, 2)?).ok()?,
    )
    .ok()?;
    Some(UnixTime::from_secs(
        PrimitiveDateTime::new(date, time)
            .assume_utc()
            .unix_timestamp(),
    ))
}

/// The tagged wire form of an application value, as Flask's
/// `TaggedJSONSerializer.tag` would give it: one-key maps whose key is a tag
/// name are escaped with `" di"`, and the helpers of this module become
/// their tags. Keys keep their order; the codec sorts them when it writes.
///
/// # Errors
///
/// When `value` cannot be represented as JSON.
///
/// # Examples
///
/// ```
/// use session_cookie::json::tagged::{Tuple, to_wire};
///
/// let wire = to_wire(&serde_json::json!({"p": Tuple(vec![1]), "q": {" t": [1]}}))?;
/// assert_eq!(wire.to_string(), r#"{"p":{" t":[1]},"q":{" di":{" t__":[1]}}}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn to_wire<T: Serialize + ?Sized>(value: &T) -> Result<Wire, serde_json::Error> {
    let value = serde_json::to_value(value)?;
    Py::from_app(value)
        .map(|py| Wire(py.into_wire()))
        .map_err(|TagError| serde::ser::Error::custom("a Flask tag marker is damaged"))
}

// ---------------------------------------------------------------------------
// The helpers

fn serialize_marked<S: Serializer, C: Serialize + ?Sized>(
    serializer: S,
    kind: &str,
    content: &C,
) -> Result<S::Ok, S::Error> {
    let mut state = serializer.serialize_struct(MARKER, 1)?;
    state.serialize_field(MARKER, &(kind, content, process_nonce()))?;
    state.end()
}

/// The content of the one-key object `{name: content}`, as decoding gives
/// tagged values.
fn tagged_content<'de, D: Deserializer<'de>>(
    deserializer: D,
    name: &str,
) -> Result<Value, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::Object(mut map) if map.len() == 1 => map
            .remove(name)
            .ok_or_else(|| D::Error::custom(format_args!("expected the Flask tag {name:?}"))),
        _ => Err(D::Error::custom(format_args!(
            "expected a one-key object with the Flask tag {name:?}"
        ))),
    }
}

fn tagged_text<'de, D: Deserializer<'de>>(deserializer: D, name: &str) -> Result<String, D::Error> {
    match tagged_content(deserializer, name)? {
        Value::String(text) => Ok(text),
        _ => Err(D::Error::custom(format_args!(
            "the Flask tag {name:?} holds a string"
        ))),
    }
}

/// A Python `tuple`: `{" t": [...]}` on the wire.
///
/// # Examples
///
/// ```
/// use session_cookie::json::tagged::Tuple;
/// use session_cookie::{FlaskCodec, KeyRing, UnixTime};
///
/// let codec = FlaskCodec::sessions(&KeyRing::new("public-test-secret-key")?);
/// let session = serde_json::json!({"pair": Tuple(vec![serde_json::json!(1), "two".into()]), "user": "x"});
/// let cookie = codec.encode_at(&session, UnixTime::from_secs(1_700_000_000))?;
/// assert_eq!(cookie, "eyJwYWlyIjp7IiB0IjpbMSwidHdvIl19LCJ1c2VyIjoieCJ9.ZVPxAA.5bX4scF6Jz57F4w8H0znXHgS3T8");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Tuple<T>(pub Vec<T>);

impl<T: Serialize> Serialize for Tuple<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_marked(serializer, TUPLE, &self.0)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Tuple<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde_json::from_value(tagged_content(deserializer, TUPLE)?)
            .map(Self)
            .map_err(D::Error::custom)
    }
}

/// Python `bytes`: `{" b": "<standard base64 with padding>"}` on the wire.
///
/// # Examples
///
/// ```
/// use session_cookie::json::tagged::Bytes;
///
/// let blob = Bytes(b"\x00\x01\xfe\xff binary?>".to_vec());
/// let wire = session_cookie::json::tagged::to_wire(&blob)?;
/// assert_eq!(wire.value(), &serde_json::json!({" b": "AAH+/yBiaW5hcnk/Pg=="}));
/// assert_eq!(serde_json::from_value::<Bytes>(wire.into_inner())?, blob);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_marked(serializer, BYTES, &STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = tagged_text(deserializer, BYTES)?;
        decode_bytes(&text)
            .map(Self)
            .map_err(|_| D::Error::custom("the Flask tag \" b\" holds invalid base64"))
    }
}

/// MarkupSafe's `Markup` (HTML that is already safe): `{" m": "<html>"}`.
///
/// # Examples
///
/// ```
/// use session_cookie::json::tagged::Markup;
///
/// let wire = session_cookie::json::tagged::to_wire(&Markup("<b>x</b> &amp;".into()))?;
/// assert_eq!(wire.value(), &serde_json::json!({" m": "<b>x</b> &amp;"}));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Markup(pub String);

impl Serialize for Markup {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_marked(serializer, MARKUP, &self.0)
    }
}

impl<'de> Deserialize<'de> for Markup {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        tagged_text(deserializer, MARKUP).map(Self)
    }
}

/// A Python `uuid.UUID`, as its 128-bit number: `{" u": "<32 hex digits>"}`.
///
/// # Examples
///
/// ```
/// use session_cookie::json::tagged::Uuid;
///
/// let id = Uuid(0x12345678_1234_5678_1234_567812345678);
/// let wire = session_cookie::json::tagged::to_wire(&id)?;
/// assert_eq!(wire.value(), &serde_json::json!({" u": "12345678123456781234567812345678"}));
/// assert_eq!(serde_json::from_value::<Uuid>(wire.into_inner())?, id);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Uuid(pub u128);

impl Serialize for Uuid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_marked(serializer, UUID, &format!("{:032x}", self.0))
    }
}

impl<'de> Deserialize<'de> for Uuid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = tagged_text(deserializer, UUID)?;
        canonical_uuid(&text)
            .and_then(|hex| u128::from_str_radix(&hex, 16).ok())
            .map(Self)
            .ok_or_else(|| D::Error::custom("the Flask tag \" u\" holds no UUID"))
    }
}

/// A Python `datetime` in UTC, to the second:
/// `{" d": "Tue, 14 Nov 2023 22:13:20 GMT"}`. Flask drops microseconds and
/// converts aware datetimes to UTC, so whole Unix seconds are all the wire
/// form holds.
///
/// Serializing a time outside the years 1 to 9999 (Python's `datetime`
/// range) fails.
///
/// # Examples
///
/// ```
/// use session_cookie::UnixTime;
/// use session_cookie::json::tagged::HttpDate;
///
/// let at = HttpDate(UnixTime::from_secs(1_700_000_000));
/// let wire = session_cookie::json::tagged::to_wire(&at)?;
/// assert_eq!(wire.value(), &serde_json::json!({" d": "Tue, 14 Nov 2023 22:13:20 GMT"}));
/// assert_eq!(serde_json::from_value::<HttpDate>(wire.into_inner())?, at);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HttpDate(pub UnixTime);

impl Serialize for HttpDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = format_http_date(self.0).ok_or_else(|| {
            serde::ser::Error::custom("a Flask datetime must be in the years 1 to 9999")
        })?;
        serialize_marked(serializer, DATE, &text)
    }
}

impl<'de> Deserialize<'de> for HttpDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = tagged_text(deserializer, DATE)?;
        parse_http_date(&text)
            .map(Self)
            .ok_or_else(|| D::Error::custom("the Flask tag \" d\" holds no HTTP date"))
    }
}

/// A JSON value already in Flask's tagged wire form: written exactly as it
/// is (only its keys are sorted, as Flask sorts them), with no `" di"`
/// escaping.
///
/// [`FlaskCodec::decode_wire_at`](crate::FlaskCodec::decode_wire_at) gives
/// one; encoding it again gives the same JSON, so a session passes through
/// unchanged whatever Python types it holds.
///
/// # Examples
///
/// ```
/// use session_cookie::json::tagged::Wire;
/// use session_cookie::{FlaskCodec, KeyRing, UnixTime};
///
/// let codec = FlaskCodec::sessions(&KeyRing::new("public-test-secret-key")?);
/// let wire = Wire::new(serde_json::json!({"blob": {" b": "AAH+/yBiaW5hcnk/Pg=="}}));
/// assert!(wire.has_tags());
/// let cookie = codec.encode_at(&wire, UnixTime::from_secs(1_700_000_000))?;
/// assert_eq!(cookie, "eyJibG9iIjp7IiBiIjoiQUFIKy95QmlhVzVoY25rL1BnPT0ifX0.ZVPxAA.Bm20h3-UezthHap0M7RK3ps73To");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Wire(Value);

impl Wire {
    /// Takes `value` as already tagged.
    #[must_use]
    pub fn new(value: Value) -> Self {
        Self(value)
    }

    /// The tagged JSON value.
    #[must_use]
    pub fn value(&self) -> &Value {
        &self.0
    }

    /// The tagged JSON value, by value.
    #[must_use]
    pub fn into_inner(self) -> Value {
        self.0
    }

    /// Whether the value holds any Python-only value (a tuple, bytes,
    /// `Markup`, a UUID or a datetime), as Flask would load it. `" di"`
    /// escapes of plain dicts do not count.
    #[must_use]
    pub fn has_tags(&self) -> bool {
        fn scan(value: &Value) -> bool {
            match value {
                Value::Array(items) => items.iter().any(scan),
                Value::Object(map) => match map.iter().next() {
                    Some((key, inner)) if map.len() == 1 && key == DICT => match inner {
                        Value::Object(inner) => inner.values().any(scan),
                        other => scan(other),
                    },
                    Some((key, _)) if map.len() == 1 && TAG_NAMES.contains(&key.as_str()) => true,
                    _ => map.values().any(scan),
                },
                _ => false,
            }
        }
        scan(&self.0)
    }

    /// The application's view of the value, as
    /// [`FlaskCodec::decode_at`](crate::FlaskCodec::decode_at) gives it:
    /// `" di"` escapes removed, Python-only values in their wire form.
    ///
    /// # Errors
    ///
    /// [`PayloadError::Tag`](crate::PayloadError::Tag) when a tagged value
    /// does not load, where Flask raises too.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::json::tagged::Wire;
    ///
    /// let wire = Wire::new(serde_json::json!({"weird": {" di": {" t__": [1, 2]}}}));
    /// assert!(!wire.has_tags());
    /// assert_eq!(wire.to_plain()?, serde_json::json!({"weird": {" t": [1, 2]}}));
    /// # Ok::<(), session_cookie::PayloadError>(())
    /// ```
    pub fn to_plain(&self) -> Result<Value, crate::PayloadError> {
        Py::from_wire(self.0.clone())
            .map(Py::into_plain)
            .map_err(|TagError| crate::PayloadError::Tag)
    }
}

impl Serialize for Wire {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_marked(serializer, WIRE, &self.0)
    }
}

impl fmt::Display for Wire {
    /// The compact JSON text (Python's escapes, keys in their order).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&super::to_string(&self.0).map_err(|_| fmt::Error)?)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn round(wire: Value) -> Value {
        Py::from_wire(wire).unwrap().into_wire()
    }

    #[test]
    fn dict_escape_both_ways() {
        let app =
            json!({"weird": {" t": [1, 2]}, "ok": {" t": 1, "other": 2}, "l": [{" b": "aGk="}]});
        let wire = Py::from_app(app.clone()).unwrap().into_wire();
        assert_eq!(
            wire,
            json!({"weird": {" di": {" t__": [1, 2]}}, "ok": {" t": 1, "other": 2}, "l": [{" di": {" b__": "aGk="}}]})
        );
        assert_eq!(Py::from_wire(wire).unwrap().into_plain(), app);
        assert_eq!(
            round(json!({" di": {" di__": 1}})),
            json!({" di": {" di__": 1}})
        );
    }

    #[test]
    fn loading_matches_flask() {
        // Children first: a tuple inside an escape.
        assert_eq!(
            Py::from_wire(json!({" di": {" t__": {" b": "aGk="}}}))
                .unwrap()
                .into_plain(),
            json!({" t": {" b": "aGk="}})
        );
        // Unknown one-key names are plain dicts.
        assert_eq!(
            round(json!({" x": 1, "y": {" t__": 2}})),
            json!({" x": 1, "y": {" t__": 2}})
        );
        // tuple() of a string, a dict; UUID and bytes in their canonical forms.
        assert_eq!(round(json!({" t": "ab"})), json!({" t": ["a", "b"]}));
        assert_eq!(round(json!({" t": {"k": 1}})), json!({" t": ["k"]}));
        assert_eq!(
            round(json!({" u": "{12345678-1234-5678-1234-56781234567A}"})),
            json!({" u": "1234567812345678123456781234567a"})
        );
        assert_eq!(round(json!({" b": "aGk"})), json!({" b": "aGk="}));
        assert_eq!(round(json!({" m": 5})), json!({" m": "5"}));
        // parse_date gives None for what is not a string.
        assert_eq!(round(json!({" d": 5})), Value::Null);
        assert_eq!(
            round(json!({" d": "Mon, 14 Nov 2023 22:13:20 GMT"})),
            json!({" d": "Tue, 14 Nov 2023 22:13:20 GMT"})
        );
        // Where Flask raises.
        for bad in [
            json!({" t": 1}),
            json!({" b": 1}),
            json!({" b": "a"}),
            json!({" u": "123"}),
            json!({" di": {}}),
            json!({" di": [1]}),
            json!({" m": [1]}),
        ] {
            assert!(Py::from_wire(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates() {
        for (secs, text) in [
            (1_700_000_000, "Tue, 14 Nov 2023 22:13:20 GMT"),
            (1_709_208_000, "Thu, 29 Feb 2024 12:00:00 GMT"),
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (-62_135_596_800, "Mon, 01 Jan 0001 00:00:00 GMT"),
        ] {
            assert_eq!(format_http_date(UnixTime::from_secs(secs)).unwrap(), text);
            assert_eq!(parse_http_date(text), Some(UnixTime::from_secs(secs)));
        }
        assert!(format_http_date(UnixTime::from_secs(-62_135_596_801)).is_none());
        assert!(parse_http_date("Tue, 14 Nov 2023 22:13:20 +0000").is_none());
    }

    #[test]
    fn markers_from_outside_the_process_are_plain_objects() {
        for forged in [
            json!({MARKER: [" t", [1]]}),
            json!({MARKER: ["wire", {" t": [1]}, "0000000000000000"]}),
            json!({MARKER: [" b", "aGk=", process_nonce().to_uppercase() + "x"]}),
        ] {
            let wire = Py::from_app(json!({"user_data": forged.clone()}))
                .unwrap()
                .into_wire();
            // Still the same plain object (its contents escaped as data).
            assert!(wire["user_data"].get(MARKER).is_some(), "{wire}");
            assert_eq!(
                Py::from_wire(wire).unwrap().into_plain()["user_data"],
                forged
            );
        }
        // A genuine one round-trips through text (a stored Value) as well.
        let text = serde_json::to_string(&Tuple(vec![1])).unwrap();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(Py::from_app(value).unwrap().into_wire(), json!({" t": [1]}));
    }

    #[test]
    fn helpers_mark_and_unmark() {
        let app = serde_json::to_value(json!({"t": Tuple(vec![Bytes(b"hi".to_vec())])})).unwrap();
        assert_eq!(
            Py::from_app(app).unwrap().into_wire(),
            json!({"t": {" t": [{" b": "aGk="}]}})
        );
        let wire = Wire::new(json!({"a": {" di": {" t__": [1]}}, "b": [{" u": "00"}]}));
        assert!(wire.has_tags());
        assert!(!Wire::new(json!({"a": {" di": {" t__": [1]}}})).has_tags());
        let marked = serde_json::to_value(&wire).unwrap();
        assert_eq!(Py::from_app(marked).unwrap().into_wire(), wire.into_inner());
    }
}
