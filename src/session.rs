//! [`Session`]: the dictionary a request handler reads and writes, with the
//! flags a middleware needs to decide whether to send a new cookie.

mod raw;

use core::cell::{Cell, OnceCell};
use core::ops::Range;

use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{DecodeError, EncodeError, PayloadError};

/// The key under which Django keeps a per-session expiry.
pub const EXPIRY_KEY: &str = "_session_expiry";

/// A session: string keys in insertion order, JSON values.
///
/// It behaves like Django's `request.session`: setting an existing key keeps
/// its position, removing a key and setting it again moves it to the end,
/// and every read marks the session *accessed* while every change marks it
/// *modified*, so a middleware knows when to add `Vary: Cookie` and when to
/// send a new cookie.
///
/// # Examples
///
/// ```
/// use session_cookie::Session;
///
/// let mut session = Session::new();
/// session.insert("user_id", 42)?;          // login
/// assert_eq!(session.get::<u64>("user_id")?, Some(42)); // every page
/// session.remove("user_id");               // logout
/// assert!(session.is_empty());
/// assert!(session.is_modified());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Performance
///
/// A decoded session keeps its JSON text and parses a value only when it is
/// read (and then only once): a request that reads `user_id` from a 4 KB
/// session does not pay for parsing the rest of it.
#[derive(Debug, Clone, Default)]
pub struct Session {
    /// The JSON text the raw entries point into.
    source: String,
    entries: Vec<Entry>,
    modified: bool,
    accessed: Cell<bool>,
}

#[derive(Debug, Clone)]
struct Entry {
    key: String,
    value: Slot,
}

#[derive(Debug, Clone)]
enum Slot {
    /// Unparsed text of `source`; parsed into the cell on first read.
    Raw(Range<usize>, OnceCell<Value>),
    Value(Value),
}

impl Slot {
    fn text<'a>(source: &'a str, range: &Range<usize>) -> &'a str {
        source.get(range.clone()).unwrap_or("null")
    }

    fn value<'a>(&'a self, source: &str) -> &'a Value {
        match self {
            Self::Value(value) => value,
            Self::Raw(range, parsed) => parsed.get_or_init(|| {
                // Raw slots are made only from text that was validated as
                // a JSON value within the depth bound (`raw::check_nesting`,
                // `raw::object_entries`), so this parse cannot fail.
                serde_json::from_str(Self::text(source, range)).unwrap_or(Value::Null)
            }),
        }
    }

    fn into_value(self, source: &str) -> Value {
        match self {
            Self::Value(value) => value,
            Self::Raw(range, parsed) => parsed.into_inner().unwrap_or_else(|| {
                serde_json::from_str(Self::text(source, &range)).unwrap_or(Value::Null)
            }),
        }
    }

    fn get<T: DeserializeOwned>(&self, source: &str) -> Result<T, serde_json::Error> {
        match self {
            Self::Value(value) => T::deserialize(value),
            Self::Raw(range, parsed) => match parsed.get() {
                Some(value) => T::deserialize(value),
                None => serde_json::from_str(Self::text(source, range)),
            },
        }
    }
}

/// When the browser should drop the session cookie, stored in the session
/// under [`EXPIRY_KEY`] exactly as Django's `set_expiry` stores it.
///
/// As in Django, this drives only the cookie's `Max-Age`/`Expires`; the
/// server-side age check is the codec's maximum age.
///
/// # Examples
///
/// ```
/// use session_cookie::{Expiry, Session};
///
/// let mut session = Session::new();
/// session.set_expiry(Expiry::Seconds(300));
/// assert_eq!(session.get::<i64>("_session_expiry")?, Some(300));
/// session.set_expiry(Expiry::Default);
/// assert!(!session.contains("_session_expiry"));
/// # Ok::<(), session_cookie::DecodeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expiry {
    /// Use the configured cookie age (Django: `set_expiry(None)`).
    Default,
    /// Expire when the browser closes (Django: `set_expiry(0)`).
    BrowserClose,
    /// Expire this many seconds after the cookie is written
    /// (Django: `set_expiry(int)`).
    Seconds(i64),
    /// Expire at this instant (Django: `set_expiry(datetime)`, stored as an
    /// ISO 8601 string in UTC).
    At(OffsetDateTime),
}

impl Session {
    /// An empty, unmodified session.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(session_cookie::Session::new().is_empty());
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// A session over the JSON bytes of a verified payload, which must be
    /// UTF-8 text of an object. Values stay unparsed until read.
    pub(crate) fn from_json_bytes(json: Vec<u8>) -> Result<Self, DecodeError> {
        let source = String::from_utf8(json).map_err(|err| {
            let column = err.utf8_error().valid_up_to() + 1;
            DecodeError::BadPayload(PayloadError::Json { line: 1, column })
        })?;
        Self::from_json_text(source).map_err(DecodeError::BadPayload)
    }

    fn from_json_text(source: String) -> Result<Self, PayloadError> {
        raw::check_nesting(source.as_bytes())?;
        crate::json::check_reserved_keys(source.as_bytes())?;
        let entries = raw::object_entries(&source)?
            .into_iter()
            .map(|(key, range)| Entry {
                key,
                value: Slot::Raw(range, OnceCell::new()),
            })
            .collect();
        Ok(Self {
            source,
            entries,
            modified: false,
            accessed: Cell::new(false),
        })
    }

    fn find(&self, key: &str) -> Option<&Entry> {
        self.entries.iter().find(|entry| entry.key == key)
    }

    fn touch(&self) {
        self.accessed.set(true);
    }

    fn change(&mut self) {
        self.accessed.set(true);
        self.modified = true;
    }

    /// The value under `key`, deserialized as `T`; `Ok(None)` when absent.
    ///
    /// # Errors
    ///
    /// [`DecodeError::BadPayload`] when the stored value does not have the
    /// shape of `T`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.insert("cart", vec![1, 2, 3])?;
    /// assert_eq!(session.get::<Vec<u32>>("cart")?, Some(vec![1, 2, 3]));
    /// assert_eq!(session.get::<u32>("missing")?, None);
    /// assert!(session.get::<String>("cart").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, DecodeError> {
        self.touch();
        self.find(key)
            .map(|entry| {
                entry
                    .value
                    .get(&self.source)
                    .map_err(|err| DecodeError::BadPayload(PayloadError::from_json(&err)))
            })
            .transpose()
    }

    /// The value under `key` as `T`, or `default` when it is absent or not a
    /// `T` (Django's `session.get(key, default)`).
    ///
    /// # Examples
    ///
    /// ```
    /// let session = session_cookie::Session::new();
    /// assert_eq!(session.get_or("visits", 0u32), 0);
    /// ```
    pub fn get_or<T: DeserializeOwned>(&self, key: &str, default: T) -> T {
        self.get(key).ok().flatten().unwrap_or(default)
    }

    /// The raw JSON value under `key`.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.insert("n", 1)?;
    /// assert_eq!(session.get_value("n"), Some(&serde_json::json!(1)));
    /// # Ok::<(), session_cookie::EncodeError>(())
    /// ```
    pub fn get_value(&self, key: &str) -> Option<&Value> {
        self.touch();
        self.find(key).map(|entry| entry.value.value(&self.source))
    }

    /// Sets `key` to `value`. An existing key keeps its position; a new one
    /// goes to the end.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Serialize`] when `value` cannot be represented as JSON;
    /// the session is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.insert("a", 1)?;
    /// session.insert("b", 2)?;
    /// session.insert("a", 3)?;
    /// assert_eq!(session.keys().collect::<Vec<_>>(), ["a", "b"]);
    /// # Ok::<(), session_cookie::EncodeError>(())
    /// ```
    pub fn insert<T: Serialize>(
        &mut self,
        key: impl Into<String>,
        value: T,
    ) -> Result<(), EncodeError> {
        let value = serde_json::to_value(&value).map_err(EncodeError::Serialize)?;
        self.insert_value(key, value);
        Ok(())
    }

    /// Sets `key` to a JSON value; see [`Session::insert`].
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.insert_value("flags", serde_json::json!({"beta": true}));
    /// assert!(session.contains("flags"));
    /// ```
    pub fn insert_value(&mut self, key: impl Into<String>, value: Value) {
        self.change();
        let key = key.into();
        match self.entries.iter_mut().find(|entry| entry.key == key) {
            Some(entry) => entry.value = Slot::Value(value),
            None => self.entries.push(Entry {
                key,
                value: Slot::Value(value),
            }),
        }
    }

    /// Removes `key` and returns its value. The order of the other keys is
    /// kept. The session is marked modified only if the key was there.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.insert("user_id", 7)?;
    /// assert_eq!(session.remove("user_id"), Some(serde_json::json!(7)));
    /// assert_eq!(session.remove("user_id"), None);
    /// # Ok::<(), session_cookie::EncodeError>(())
    /// ```
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        self.touch();
        let index = self.entries.iter().position(|entry| entry.key == key)?;
        self.modified = true;
        let entry = self.entries.remove(index);
        Some(entry.value.into_value(&self.source))
    }

    /// Whether `key` is present.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(!session_cookie::Session::new().contains("user_id"));
    /// ```
    #[must_use]
    pub fn contains(&self, key: &str) -> bool {
        self.touch();
        self.find(key).is_some()
    }

    /// Removes every key (Django's `session.clear()`).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.insert("a", 1)?;
    /// session.clear();
    /// assert!(session.is_empty() && session.is_modified());
    /// # Ok::<(), session_cookie::EncodeError>(())
    /// ```
    pub fn clear(&mut self) {
        self.change();
        self.entries.clear();
        self.source.clear();
    }

    /// Ends the session: removes every key, so that the middleware deletes
    /// the cookie (Django's `session.flush()`, which logout calls).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.insert("user_id", 1)?;
    /// session.flush();
    /// assert!(session.is_empty());
    /// # Ok::<(), session_cookie::EncodeError>(())
    /// ```
    pub fn flush(&mut self) {
        self.clear();
    }

    /// The entries in order.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.insert("a", 1)?;
    /// let pairs: Vec<_> = session.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    /// assert_eq!(pairs, [("a".to_string(), serde_json::json!(1))]);
    /// # Ok::<(), session_cookie::EncodeError>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.touch();
        self.entries
            .iter()
            .map(|entry| (&entry.key, entry.value.value(&self.source)))
    }

    /// The keys in order.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(session_cookie::Session::new().keys().count(), 0);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.touch();
        self.entries.iter().map(|entry| &entry.key)
    }

    /// The number of keys.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(session_cookie::Session::new().len(), 0);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.touch();
        self.entries.len()
    }

    /// Whether the session has no keys.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(session_cookie::Session::new().is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.touch();
        self.entries.is_empty()
    }

    /// Whether anything changed since the session was loaded: the cookie
    /// must be written again.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// assert!(!session.is_modified());
    /// session.insert("a", 1)?;
    /// assert!(session.is_modified());
    /// # Ok::<(), session_cookie::EncodeError>(())
    /// ```
    #[must_use]
    pub fn is_modified(&self) -> bool {
        self.modified
    }

    /// Marks the session modified, for changes the session cannot see
    /// (Django's `request.session.modified = True`).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.mark_modified();
    /// assert!(session.is_modified());
    /// ```
    pub fn mark_modified(&mut self) {
        self.change();
    }

    /// Whether the session was read or written: the response depends on the
    /// cookie and needs `Vary: Cookie`.
    ///
    /// # Examples
    ///
    /// ```
    /// let session = session_cookie::Session::new();
    /// assert!(!session.is_accessed());
    /// let _ = session.contains("user_id");
    /// assert!(session.is_accessed());
    /// ```
    #[must_use]
    pub fn is_accessed(&self) -> bool {
        self.accessed.get()
    }

    /// Sets when the browser should drop the cookie (Django's
    /// `set_expiry`). The value is stored in the session, so it travels in
    /// the cookie.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{Expiry, Session};
    ///
    /// let mut session = Session::new();
    /// session.set_expiry(Expiry::BrowserClose);
    /// assert!(session.expires_at_browser_close(false));
    /// ```
    pub fn set_expiry(&mut self, expiry: Expiry) {
        match expiry {
            Expiry::Default => {
                self.remove(EXPIRY_KEY);
            }
            Expiry::BrowserClose => self.insert_value(EXPIRY_KEY, Value::from(0)),
            Expiry::Seconds(secs) => self.insert_value(EXPIRY_KEY, Value::from(secs)),
            Expiry::At(at) => self.insert_value(EXPIRY_KEY, Value::from(python_isoformat(at))),
        }
    }

    /// Seconds from `now` until the cookie should expire in the browser, as
    /// Django's `get_expiry_age`: `default_age` (the cookie age setting) when
    /// no expiry is set or it is 0, the stored seconds, or the time left
    /// until the stored instant.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{Expiry, Session};
    /// use time::{Duration, OffsetDateTime};
    ///
    /// let now = OffsetDateTime::from_unix_timestamp(1_700_000_000)?;
    /// let mut session = Session::new();
    /// assert_eq!(session.expiry_age_at(now, 1_209_600), 1_209_600);
    /// session.set_expiry(Expiry::At(now + Duration::hours(1)));
    /// assert_eq!(session.expiry_age_at(now, 1_209_600), 3600);
    /// # Ok::<(), time::error::ComponentRange>(())
    /// ```
    #[must_use]
    pub fn expiry_age_at(&self, now: OffsetDateTime, default_age: u64) -> i64 {
        let default = i64::try_from(default_age).unwrap_or(i64::MAX);
        match self.get_value(EXPIRY_KEY) {
            Some(Value::Number(n)) => match n.as_i64() {
                Some(0) | None => default,
                Some(secs) => secs,
            },
            Some(Value::String(iso)) => match parse_isoformat(iso) {
                Some(at) => (at - now).whole_seconds(),
                None => default,
            },
            _ => default,
        }
    }

    /// Whether the cookie should be a browser-session cookie (no `Max-Age`):
    /// when an expiry of 0 is stored, or when none is stored and
    /// `default` (Django's `SESSION_EXPIRE_AT_BROWSER_CLOSE`) says so.
    ///
    /// # Examples
    ///
    /// ```
    /// let session = session_cookie::Session::new();
    /// assert!(session.expires_at_browser_close(true));
    /// assert!(!session.expires_at_browser_close(false));
    /// ```
    #[must_use]
    pub fn expires_at_browser_close(&self, default: bool) -> bool {
        match self.get_value(EXPIRY_KEY) {
            None | Some(Value::Null) => default,
            Some(Value::Number(n)) => n.as_i64() == Some(0),
            Some(_) => false,
        }
    }
}

/// Python's `datetime.isoformat()` of an aware UTC datetime: microseconds
/// only when non-zero, offset written as `+00:00`.
fn python_isoformat(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let micros = utc.microsecond();
    let fraction = if micros == 0 {
        String::new()
    } else {
        format!(".{micros:06}")
    };
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{fraction}+00:00",
        utc.year(),
        u8::from(utc.month()),
        utc.day(),
        utc.hour(),
        utc.minute(),
        utc.second()
    )
}

/// Reads what `python_isoformat` (or Django with `USE_TZ = False`, which
/// stores no offset, read here as UTC) wrote.
fn parse_isoformat(text: &str) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text, &Rfc3339)
        .ok()
        .or_else(|| OffsetDateTime::parse(&format!("{text}+00:00"), &Rfc3339).ok())
}

impl PartialEq for Session {
    /// Sessions are equal when they hold the same entries in the same order;
    /// the flags do not count.
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().zip(&other.entries).all(|(a, b)| {
                a.key == b.key && a.value.value(&self.source) == b.value.value(&other.source)
            })
    }
}

impl From<Map<String, Value>> for Session {
    fn from(map: Map<String, Value>) -> Self {
        Self {
            source: String::new(),
            entries: map
                .into_iter()
                .map(|(key, value)| Entry {
                    key,
                    value: Slot::Value(value),
                })
                .collect(),
            modified: false,
            accessed: Cell::new(false),
        }
    }
}

impl From<Session> for Map<String, Value> {
    fn from(session: Session) -> Self {
        let source = session.source;
        session
            .entries
            .into_iter()
            .map(|entry| (entry.key, entry.value.into_value(&source)))
            .collect()
    }
}

impl Serialize for Session {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for entry in &self.entries {
            // Raw text is parsed and written again rather than copied: a
            // value that came in with other spacing or escapes must still
            // go out in the canonical (Python) form.
            map.serialize_entry(&entry.key, entry.value.value(&self.source))?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Session {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::deserialize(deserializer).map(Self::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vector `sessionstore_reload_modify_order`.
    #[test]
    fn django_key_order_rules() {
        let map: Map<String, Value> = serde_json::from_str(
            r#"{"_auth_user_id":"1","_auth_user_backend":"b","_auth_user_hash":"h"}"#,
        )
        .unwrap();
        let mut s = Session::from(map);
        assert!(!s.is_modified() && !s.is_accessed());
        s.insert("_auth_user_id", "42").unwrap();
        let backend = s.remove("_auth_user_backend").unwrap();
        s.insert_value("_auth_user_backend", backend);
        s.insert("new_key", [1, 2, 3]).unwrap();
        assert_eq!(
            crate::json::to_string(&s).unwrap(),
            r#"{"_auth_user_id":"42","_auth_user_hash":"h","_auth_user_backend":"b","new_key":[1,2,3]}"#
        );
    }

    #[test]
    fn isoformat_matches_python() {
        let at = OffsetDateTime::from_unix_timestamp_nanos(1_795_380_605_261_148_000).unwrap();
        assert_eq!(python_isoformat(at), "2026-11-22T20:50:05.261148+00:00");
        let whole = OffsetDateTime::from_unix_timestamp(1_795_380_605).unwrap();
        assert_eq!(python_isoformat(whole), "2026-11-22T20:50:05+00:00");
        assert_eq!(
            parse_isoformat("2026-11-22T20:50:05.261148+00:00"),
            Some(at)
        );
        assert_eq!(parse_isoformat("2026-11-22T20:50:05"), Some(whole));
    }

    #[test]
    fn removing_a_missing_key_changes_nothing() {
        let mut s = Session::new();
        assert!(s.remove("x").is_none());
        assert!(!s.is_modified());
    }
}
