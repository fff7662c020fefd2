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
//!   exactly as Flask escapes it, always: no data can pose as a tag.
//!   Python-only values are values of the helper types of this module:
//!   [`Tuple`], [`Bytes`], [`Markup`], [`Uuid`], [`HttpDate`], and [`Wire`]
//!   for a value that is already in the tagged wire form and must be
//!   written exactly as it is. The Flask codec knows them by their types
//!   (through the serde newtype each one serializes as), not by anything in
//!   the data.
//! - **Decoding** ([`FlaskCodec::decode_at`](crate::FlaskCodec::decode_at)):
//!   `" di"` escapes are removed, and each tagged value is given to the
//!   caller in its wire form (`{" t": [1, 2]}`), which is what the helpers
//!   deserialize from. [`FlaskCodec::decode_wire_at`](crate::FlaskCodec::decode_wire_at)
//!   gives the whole value in the tagged wire form instead, as a [`Wire`]
//!   that encodes back to the same JSON: nothing is lost on a round trip.
//!
//! The helpers only mean something to the Flask codec. Any other writer
//! (the Django and native codecs, `serde_json`) writes what Python's `json`
//! would: a tuple as a list, the others as the text they hold (base64, hex
//! digits, an HTTP date); never a Flask tag.
//!
//! # Security
//!
//! A tag is written only for a value of a helper type. Untrusted JSON that
//! an application stores in a session is always data: whatever objects it
//! holds are written as dicts (and escaped as Flask escapes them), never as
//! tuples, bytes or raw wire JSON.
//!
//! # Examples
//!
//! ```
//! use session_cookie::json::tagged::{Bytes, Tuple};
//! use session_cookie::{FlaskCodec, SecretKeys, UnixTime};
//!
//! let codec = FlaskCodec::sessions(&SecretKeys::new("dev-secret")?);
//! let now = UnixTime::from_secs(1_700_000_000);
//! let mut session = session_cookie::Session::new();
//! session.insert("pair", Tuple(vec![1, 2]))?;               // Python (1, 2)
//! session.insert("blob", Bytes(b"hi".to_vec()))?;           // Python b"hi"
//! session.insert("plain", serde_json::json!({" t": "no"}))?; // a dict that only looks tagged
//! let cookie = codec.encode_at(&session, now)?;
//!
//! // Decoding gives tagged values in their wire form, escapes removed:
//! let session = codec.decode_session_at(&cookie, now)?.into_value();
//! assert_eq!(session.get_json("pair").as_deref(), Some(r#"{" t":[1,2]}"#));
//! assert_eq!(session.get_json("plain").as_deref(), Some(r#"{" t":"no"}"#));
//! // ...which the helpers read back:
//! assert_eq!(session.get::<Tuple<u8>>("pair")?, Some(Tuple(vec![1, 2])));
//!
//! // The wire form keeps the difference, and re-encodes byte for byte:
//! let wire = codec.decode_wire_at(&cookie, now)?.into_value();
//! assert_eq!(
//!     wire.to_string(),
//!     r#"{"blob":{" b":"aGk="},"pair":{" t":[1,2]},"plain":{" di":{" t__":"no"}}}"#
//! );
//! assert_eq!(codec.encode_at(&wire, now)?, cookie);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;
use core::marker::PhantomData;

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use serde::de::{self, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

use super::py::{BYTES, DATE, DICT, MARKUP, Py, Style, TAG_NAMES, TUPLE, UUID, names, to_py};
use crate::error::PayloadError;
use crate::time::UnixTime;

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

/// Loads the tagged wire form as Flask's `TaggedJSONSerializer.loads` does
/// (`_untag_scan`): children first, then any object with exactly one key
/// that is a tag name.
pub(crate) fn untag_scan(value: Py) -> Result<Py, TagError> {
    match value {
        Py::List(items) => Ok(Py::List(
            items
                .into_iter()
                .map(untag_scan)
                .collect::<Result<_, _>>()?,
        )),
        Py::Dict(entries) => {
            let mut entries = entries
                .into_iter()
                .map(|(key, value)| Ok((key, untag_scan(value)?)))
                .collect::<Result<Vec<_>, TagError>>()?;
            match entries.as_slice() {
                [(key, _)] if TAG_NAMES.contains(&key.as_str()) => match entries.pop() {
                    Some((key, content)) => untag(&key, content),
                    None => Err(TagError),
                },
                _ => Ok(Py::Dict(entries)),
            }
        }
        leaf => Ok(leaf),
    }
}

/// Whether JSON text might hold a key that is one of Flask's tag names, in
/// any spelling: a string that starts with a space (`" t"`, `" di"`, ...,
/// also with its second character escaped) or with the escape `\u0020`.
/// When it cannot, loading the text as Flask does changes nothing, and it
/// can be read as plain JSON. Strings that merely start like a tag name
/// (`" to"`, an escaped quote before ` b`) answer yes: they only cost the
/// full walk.
pub(crate) fn may_hold_tags(text: &[u8]) -> bool {
    memchr::memmem::find_iter(text, b"\" ").any(|at| {
        matches!(
            text.get(at + 2),
            Some(b't' | b'b' | b'm' | b'u' | b'd' | b'\\')
        )
    }) || memchr::memmem::find(text, b"\"\\u0020").is_some()
}

/// Python's `str(x)` for the JSON scalars `Markup(x)` may be given.
fn python_str(leaf: &Py) -> Option<String> {
    match leaf {
        Py::Str(text) => Some(text.clone()),
        Py::Number(text) => Some(text.to_string()),
        Py::Null => Some("None".to_owned()),
        Py::Bool(true) => Some("True".to_owned()),
        Py::Bool(false) => Some("False".to_owned()),
        _ => None,
    }
}

fn chars(text: &str) -> Vec<Py> {
    text.chars().map(|c| Py::Str(c.to_string())).collect()
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
        (TUPLE, Py::Str(text) | Py::Markup(text)) => Ok(Py::Tuple(chars(&text))),
        (TUPLE, Py::Dict(entries)) => Ok(Py::Tuple(
            entries.into_iter().map(|(key, _)| Py::Str(key)).collect(),
        )),
        (TUPLE, Py::Bytes(text)) => Ok(Py::Tuple(
            decode_bytes(&text)?
                .into_iter()
                .map(|b| Py::Number(b.to_string().into()))
                .collect(),
        )),
        // TagBytes: `b64decode(value)`.
        (BYTES, Py::Str(text) | Py::Markup(text)) => {
            Ok(Py::Bytes(STANDARD.encode(decode_bytes(&text)?)))
        }
        // TagMarkup: `Markup(value)`, which is `str(value)`.
        (MARKUP, Py::Markup(text)) => Ok(Py::Markup(text)),
        (MARKUP, leaf) => python_str(&leaf).map(Py::Markup).ok_or(TagError),
        // TagUUID: `UUID(value)`, written back as `.hex`.
        (UUID, Py::Str(text) | Py::Markup(text)) => {
            canonical_uuid(&text).map(Py::Uuid).ok_or(TagError)
        }
        // TagDateTime: werkzeug's `parse_date`, which gives None for
        // anything that is not a date string.
        (DATE, Py::Str(text) | Py::Markup(text)) => Ok(Py::Date(
            parse_http_date(&text)
                .and_then(format_http_date)
                .unwrap_or(text),
        )),
        (DATE, _) => Ok(Py::Null),
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
    // `email.utils` reads any year below 100 as a two-digit one: 69 to 99
    // are 1969 to 1999, 0 to 68 are 2000 to 2068 (so `0010` is 2010).
    let year = match number(year, 4)? {
        year @ 69..=99 => year + 1900,
        year @ 0..=68 => year + 2000,
        year => year,
    };
    let date =
        Date::from_calendar_date(i32::from(year), month, u8::try_from(number(day, 2)?).ok()?)
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
/// their tags.
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
/// let wire = to_wire(&(Tuple(vec![1]), serde_json::json!({" t": [1]})))?;
/// assert_eq!(wire.to_string(), r#"[{" t":[1]},{" di":{" t__":[1]}}]"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn to_wire<T: Serialize + ?Sized>(value: &T) -> Result<Wire, serde_json::Error> {
    let text = to_py(value)?
        .to_text(Style::FlaskWire)
        .map_err(serde::ser::Error::custom)?;
    Py::parse(&text)
        .map(Wire)
        .map_err(serde::ser::Error::custom)
}

// ---------------------------------------------------------------------------
// The helpers

/// Reads the one-key object `{name: content}`, as decoding gives tagged
/// values, and deserializes its content.
fn tagged<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
    name: &'static str,
) -> Result<T, D::Error> {
    struct OneKey<T> {
        name: &'static str,
        content: PhantomData<T>,
    }
    impl<'de, T: Deserialize<'de>> de::Visitor<'de> for OneKey<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "a one-key object with the Flask tag {:?}", self.name)
        }
        fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
            match map.next_key::<String>()? {
                Some(key) if key == self.name => {}
                _ => {
                    return Err(A::Error::custom(format_args!(
                        "expected the Flask tag {:?}",
                        self.name
                    )));
                }
            }
            let content = map.next_value()?;
            if map.next_key::<de::IgnoredAny>()?.is_some() {
                return Err(A::Error::custom(format_args!(
                    "expected only the Flask tag {:?}",
                    self.name
                )));
            }
            Ok(content)
        }
    }
    deserializer.deserialize_map(OneKey {
        name,
        content: PhantomData,
    })
}

/// A Python `tuple`: `{" t": [...]}` on the wire.
///
/// # Examples
///
/// ```
/// use session_cookie::json::tagged::Tuple;
/// use session_cookie::{FlaskCodec, SecretKeys, UnixTime};
///
/// let codec = FlaskCodec::sessions(&SecretKeys::new("public-test-secret-key")?);
/// let mut session = session_cookie::Session::new();
/// session.insert("pair", Tuple(vec![serde_json::json!(1), "two".into()]))?;
/// session.insert("user", "x")?;
/// let cookie = codec.encode_at(&session, UnixTime::from_secs(1_700_000_000))?;
/// assert_eq!(cookie, "eyJwYWlyIjp7IiB0IjpbMSwidHdvIl19LCJ1c2VyIjoieCJ9.ZVPxAA.5bX4scF6Jz57F4w8H0znXHgS3T8");
/// // Outside Flask a tuple is a list, as Python's `json` writes it.
/// assert_eq!(serde_json::to_string(&Tuple(vec![1, 2]))?, "[1,2]");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Tuple<T>(pub Vec<T>);

impl<T: Serialize> Serialize for Tuple<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(names::TUPLE, &self.0)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Tuple<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        tagged(deserializer, TUPLE).map(Self)
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
/// assert_eq!(wire.to_string(), r#"{" b":"AAH+/yBiaW5hcnk/Pg=="}"#);
/// assert_eq!(serde_json::from_str::<Bytes>(&wire.to_string())?, blob);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(names::BYTES, &STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text: String = tagged(deserializer, BYTES)?;
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
/// assert_eq!(wire.to_string(), r#"{" m":"<b>x</b> &amp;"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Markup(pub String);

impl Serialize for Markup {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(names::MARKUP, &self.0)
    }
}

impl<'de> Deserialize<'de> for Markup {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        tagged(deserializer, MARKUP).map(Self)
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
/// assert_eq!(wire.to_string(), r#"{" u":"12345678123456781234567812345678"}"#);
/// assert_eq!(serde_json::from_str::<Uuid>(&wire.to_string())?, id);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, PartialOrd, Ord)]
pub struct Uuid(pub u128);

impl Serialize for Uuid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(names::UUID, &format!("{:032x}", self.0))
    }
}

impl<'de> Deserialize<'de> for Uuid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text: String = tagged(deserializer, UUID)?;
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
/// assert_eq!(wire.to_string(), r#"{" d":"Tue, 14 Nov 2023 22:13:20 GMT"}"#);
/// assert_eq!(serde_json::from_str::<HttpDate>(&wire.to_string())?, at);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HttpDate(pub UnixTime);

impl Serialize for HttpDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let text = format_http_date(self.0).ok_or_else(|| {
            serde::ser::Error::custom("a Flask datetime must be in the years 1 to 9999")
        })?;
        serializer.serialize_newtype_struct(names::DATE, &text)
    }
}

impl<'de> Deserialize<'de> for HttpDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text: String = tagged(deserializer, DATE)?;
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
/// unchanged whatever Python types it holds. Every number is kept exactly.
///
/// # Examples
///
/// ```
/// use session_cookie::json::tagged::Wire;
/// use session_cookie::{FlaskCodec, SecretKeys, UnixTime};
///
/// let codec = FlaskCodec::sessions(&SecretKeys::new("public-test-secret-key")?);
/// let wire = Wire::parse(r#"{"blob": {" b": "AAH+/yBiaW5hcnk/Pg=="}}"#)?;
/// assert!(wire.has_tags());
/// let cookie = codec.encode_at(&wire, UnixTime::from_secs(1_700_000_000))?;
/// assert_eq!(cookie, "eyJibG9iIjp7IiBiIjoiQUFIKy95QmlhVzVoY25rL1BnPT0ifX0.ZVPxAA.Bm20h3-UezthHap0M7RK3ps73To");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Wire(Py);

impl Default for Wire {
    fn default() -> Self {
        Self(Py::Null)
    }
}

impl Wire {
    /// Takes JSON text as already tagged.
    ///
    /// # Errors
    ///
    /// [`PayloadError::Json`] when `text` is not one JSON value.
    pub fn parse(text: &str) -> Result<Self, PayloadError> {
        Py::parse(text).map(Self)
    }

    pub(crate) fn from_py(value: Py) -> Self {
        Self(value)
    }

    /// Whether the value holds any Python-only value (a tuple, bytes,
    /// `Markup`, a UUID or a datetime), as Flask would load it. `" di"`
    /// escapes of plain dicts do not count.
    #[must_use]
    pub fn has_tags(&self) -> bool {
        untag_scan(self.0.clone()).map_or(true, |value| value.has_python_only())
    }

    /// The application's view of the value as JSON text, as
    /// [`FlaskCodec::decode_at`](crate::FlaskCodec::decode_at) gives it:
    /// `" di"` escapes removed, Python-only values in their wire form.
    ///
    /// # Errors
    ///
    /// [`PayloadError::Tag`] when a tagged value does not load, where Flask
    /// raises too.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::json::tagged::Wire;
    ///
    /// let wire = Wire::parse(r#"{"weird": {" di": {" t__": [1, 2]}}}"#)?;
    /// assert!(!wire.has_tags());
    /// assert_eq!(wire.to_plain()?, r#"{"weird":{" t":[1,2]}}"#);
    /// # Ok::<(), session_cookie::PayloadError>(())
    /// ```
    pub fn to_plain(&self) -> Result<String, PayloadError> {
        untag_scan(self.0.clone())
            .map_err(|TagError| PayloadError::Tag)?
            .to_text(Style::FlaskView)
            .map_err(|_| PayloadError::Tag)
    }
}

impl Serialize for Wire {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(names::WIRE, &super::py::WireBody(&self.0))
    }
}

impl fmt::Display for Wire {
    /// The compact JSON text Flask signs (Python's escapes, keys sorted).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = Py::Wire(Box::new(self.0.clone()))
            .to_text(Style::FlaskWire)
            .map_err(|_| fmt::Error)?;
        f.write_str(&text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Py {
        Py::parse(text).unwrap()
    }

    /// Loads the wire text as Flask does and dumps it again.
    fn round(wire: &str) -> String {
        untag_scan(parse(wire))
            .unwrap()
            .to_text(Style::FlaskWire)
            .unwrap()
    }

    fn view(wire: &str) -> String {
        untag_scan(parse(wire))
            .unwrap()
            .to_text(Style::FlaskView)
            .unwrap()
    }

    #[test]
    fn dict_escape_both_ways() {
        let app = r#"{"weird":{" t":[1,2]},"ok":{" t":1,"other":2},"l":[{" b":"aGk="}]}"#;
        let wire = parse(app).to_text(Style::FlaskWire).unwrap();
        assert_eq!(
            wire,
            r#"{"l":[{" di":{" b__":"aGk="}}],"ok":{" t":1,"other":2},"weird":{" di":{" t__":[1,2]}}}"#
        );
        assert_eq!(
            view(&wire),
            r#"{"l":[{" b":"aGk="}],"ok":{" t":1,"other":2},"weird":{" t":[1,2]}}"#
        );
        assert_eq!(round(r#"{" di": {" di__": 1}}"#), r#"{" di":{" di__":1}}"#);
    }

    #[test]
    fn loading_matches_flask() {
        // Children first: a tuple inside an escape.
        assert_eq!(
            view(r#"{" di": {" t__": {" b": "aGk="}}}"#),
            r#"{" t":{" b":"aGk="}}"#
        );
        // Unknown one-key names are plain dicts.
        assert_eq!(
            round(r#"{" x": 1, "y": {" t__": 2}}"#),
            r#"{" x":1,"y":{" t__":2}}"#
        );
        // tuple() of a string, a dict; UUID and bytes in their canonical forms.
        assert_eq!(round(r#"{" t": "ab"}"#), r#"{" t":["a","b"]}"#);
        assert_eq!(round(r#"{" t": {"k": 1}}"#), r#"{" t":["k"]}"#);
        assert_eq!(
            round(r#"{" u": "{12345678-1234-5678-1234-56781234567A}"}"#),
            r#"{" u":"1234567812345678123456781234567a"}"#
        );
        assert_eq!(round(r#"{" b": "aGk"}"#), r#"{" b":"aGk="}"#);
        assert_eq!(round(r#"{" m": 5}"#), r#"{" m":"5"}"#);
        assert_eq!(
            round(r#"{" m": 123456789012345678901234567890}"#),
            r#"{" m":"123456789012345678901234567890"}"#
        );
        // parse_date gives None for what is not a string.
        assert_eq!(round(r#"{" d": 5}"#), "null");
        assert_eq!(
            round(r#"{" d": "Mon, 14 Nov 2023 22:13:20 GMT"}"#),
            r#"{" d":"Tue, 14 Nov 2023 22:13:20 GMT"}"#
        );
        // Where Flask raises.
        for bad in [
            r#"{" t": 1}"#,
            r#"{" b": 1}"#,
            r#"{" b": "a"}"#,
            r#"{" u": "123"}"#,
            r#"{" di": {}}"#,
            r#"{" di": [1]}"#,
            r#"{" m": [1]}"#,
        ] {
            assert!(untag_scan(parse(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates() {
        for (secs, text) in [
            (1_700_000_000, "Tue, 14 Nov 2023 22:13:20 GMT"),
            (1_709_208_000, "Thu, 29 Feb 2024 12:00:00 GMT"),
            (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
            (-59_011_459_200, "Fri, 01 Jan 0100 00:00:00 GMT"),
        ] {
            assert_eq!(format_http_date(UnixTime::from_secs(secs)).unwrap(), text);
            assert_eq!(parse_http_date(text), Some(UnixTime::from_secs(secs)));
        }
        // Year 1 is written as Python writes it, and read back, as Python
        // reads it, as 2001.
        let first = format_http_date(UnixTime::from_secs(-62_135_596_800)).unwrap();
        assert_eq!(first, "Mon, 01 Jan 0001 00:00:00 GMT");
        assert_eq!(
            parse_http_date(&first),
            Some(UnixTime::from_secs(978_307_200))
        );
        assert!(format_http_date(UnixTime::from_secs(-62_135_596_801)).is_none());
        assert!(parse_http_date("Tue, 14 Nov 2023 22:13:20 +0000").is_none());
        // Python's `email.utils`: a year below 100 is a two-digit year.
        for (year, read) in [
            ("0010", "2010"),
            ("0068", "2068"),
            ("0069", "1969"),
            ("0099", "1999"),
            ("0100", "0100"),
        ] {
            let text = format!("Sat, 23 Jan {year} 06:52:04 GMT");
            let at = parse_http_date(&text).unwrap();
            assert!(
                format_http_date(at).unwrap().contains(&format!(" {read} ")),
                "{year}"
            );
        }
    }

    /// No data can pose as a helper: the old process-nonce marker shape, or
    /// anything else, is a plain dict and is escaped where it looks tagged.
    #[test]
    fn data_is_never_a_tag() {
        for forged in [
            r#"{"$__session_cookie::json::tagged":[" t",[1]]}"#,
            r#"{"session_cookie::json::tagged::Tuple":[1]}"#,
            r#"{" t":[1]}"#,
        ] {
            let value: serde_json::Value = serde_json::from_str(forged).unwrap();
            let wire = to_py(&serde_json::json!({ "user_data": value }))
                .unwrap()
                .to_text(Style::FlaskWire)
                .unwrap();
            assert!(!Wire::parse(&wire).unwrap().has_tags(), "{wire}");
            assert_eq!(
                view(&wire),
                format!(
                    r#"{{"user_data":{}}}"#,
                    parse(forged).to_text(Style::Json).unwrap()
                )
            );
        }
    }

    #[test]
    fn helpers_tag_and_untag() {
        let app = to_py(&serde_json::json!({"t": Tuple(vec![Bytes(b"hi".to_vec())])}));
        // `json!` turns the helpers into plain values first: no tag.
        assert_eq!(
            app.unwrap().to_text(Style::FlaskWire).unwrap(),
            r#"{"t":["aGk="]}"#
        );
        let py = to_py(&Tuple(vec![Bytes(b"hi".to_vec())])).unwrap();
        assert_eq!(
            py.to_text(Style::FlaskWire).unwrap(),
            r#"{" t":[{" b":"aGk="}]}"#
        );
        assert_eq!(py.to_text(Style::Json).unwrap(), r#"["aGk="]"#);
        let wire = Wire::parse(
            r#"{"a": {" di": {" t__": [1]}}, "b": [{" u": "00000000000000000000000000000000"}]}"#,
        )
        .unwrap();
        assert!(wire.has_tags());
        assert!(
            !Wire::parse(r#"{"a": {" di": {" t__": [1]}}}"#)
                .unwrap()
                .has_tags()
        );
        let again = to_py(&wire).unwrap().to_text(Style::FlaskWire).unwrap();
        assert_eq!(again, wire.to_string());
    }
}
