//! [`Session`]: the dictionary a request handler reads and writes, with the
//! flags a middleware needs to decide whether to send a new cookie.

use core::any::TypeId;
use core::cell::Cell;
use core::ops::Range;
use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{DecodeError, EncodeError, PayloadError};
use crate::json::py::{self, Py, RawText, Style};
use crate::json::raw::{EntryKey, RawEntry};

/// The key under which Django keeps a per-session expiry.
pub const EXPIRY_KEY: &str = "_session_expiry";

/// Django's `TEST_COOKIE_NAME` and `TEST_COOKIE_VALUE`.
const TEST_COOKIE_NAME: &str = "testcookie";
const TEST_COOKIE_VALUE: &str = "worked";

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
/// # Exact values
///
/// Values are kept as JSON text, exactly as the cookie carried them, and
/// written back unchanged in Python's form: integers beyond 64 bits keep
/// every digit, floats their `repr`, and dicts their key order, whatever
/// `serde_json` features the application uses. [`Session::get`] parses a
/// value into the type the caller asks for: `u128`/`i128` read integers
/// beyond 64 bits exactly, [`Session::get_json`] gives the text itself, and
/// `get::<serde_json::Value>` refuses a value that it could only round
/// ([`PayloadError::Inexact`]) instead of rounding it silently. (Inside a
/// caller's own type, a `serde_json::Value` field is parsed by
/// `serde_json` as it always is.)
///
/// # Performance
///
/// A decoded session keeps its JSON text and parses a value only when it is
/// read: a request that reads `user_id` from a 4 KB session does not pay for
/// parsing the rest of it.
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
    /// Read from a cookie, a key without escapes is a range of `source`.
    key: EntryKey,
    value: Slot,
}

impl RawEntry for Entry {
    fn new(key: EntryKey, value: Range<usize>) -> Self {
        Self {
            key,
            value: Slot::Raw(value),
        }
    }

    fn key<'a>(&'a self, text: &'a str) -> &'a str {
        self.key.get(text)
    }

    fn set_value(&mut self, value: Range<usize>) {
        self.value = Slot::Raw(value);
    }
}

#[derive(Debug, Clone)]
enum Slot {
    /// Text of `source`, validated as one JSON value when it was decoded.
    Raw(Range<usize>),
    /// Set from Rust, or read from a Flask session with Python-only values.
    Value(Py),
}

impl Slot {
    /// The value's JSON text: a Flask-only value as its one-key tag object
    /// (`{" t": [...]}`), as the helpers of `json::tagged` read it.
    fn text<'a>(&'a self, source: &'a str) -> Cow<'a, str> {
        match self {
            Self::Raw(range) => Cow::Borrowed(source.get(range.clone()).unwrap_or("null")),
            // The view style writes every value.
            Self::Value(value) => Cow::Owned(value.to_text(Style::FlaskView).unwrap_or_default()),
        }
    }

    fn to_py(&self, source: &str) -> Result<Py, PayloadError> {
        match self {
            Self::Raw(range) => Py::parse(source.get(range.clone()).unwrap_or("null")),
            Self::Value(value) => Ok(value.clone()),
        }
    }
}

/// Whether `serde_json` (without `arbitrary_precision`) would read a number
/// of `text` only approximately into a `serde_json::Value`: an integer
/// beyond 64 bits, or a literal beyond the range of `f64`. A cheap scan
/// rules out almost every value before any parse.
fn has_inexact_number(text: &str) -> bool {
    let bytes = text.as_bytes();
    // A string holds no number, however much it looks like one (a hex
    // digest has digits before `e`s: Django's session auth hash).
    if bytes.first() == Some(&b'"') {
        return false;
    }
    // An exponent follows a digit; an `e` in a word does not count.
    let exponent = memchr::memchr2_iter(b'e', b'E', bytes).any(|at| {
        at.checked_sub(1)
            .and_then(|before| bytes.get(before))
            .is_some_and(u8::is_ascii_digit)
    });
    (exponent || (has_digit_block(bytes) && has_long_digit_run(bytes)))
        && Py::parse(text).is_ok_and(|value| any_inexact(&value))
}

/// Whether one of the 8-byte blocks that `bytes` divides into from its start
/// is all ASCII digits. Every run of 16 digits holds a whole block, so
/// without one there is no such run; and a block takes three operations on
/// a `u64`, where the exact run count takes a branch per byte (it was an
/// eighth of reading every value of a 4 KB session).
fn has_digit_block(bytes: &[u8]) -> bool {
    const HIGH: u64 = 0xf0f0_f0f0_f0f0_f0f0;
    const THREES: u64 = 0x3030_3030_3030_3030;
    const SIXES: u64 = 0x0606_0606_0606_0606;
    bytes.chunks_exact(8).any(|block| {
        let mut word = [0u8; 8];
        word.copy_from_slice(block);
        let word = u64::from_le_bytes(word);
        // Every byte 0x30..=0x3f; then + 6 (which cannot carry between
        // such bytes) leaves them there only from 0x30..=0x39.
        word & HIGH == THREES && word.wrapping_add(SIXES) & HIGH == THREES
    })
}

fn has_long_digit_run(bytes: &[u8]) -> bool {
    bytes
        .split(|b| !b.is_ascii_digit())
        .any(|run| run.len() >= 16)
}

fn any_inexact(value: &Py) -> bool {
    match value {
        Py::Number(text) => {
            if text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
                text.parse::<f64>().map_or(true, |f| !f.is_finite())
            } else {
                text.parse::<i64>().is_err() && text.parse::<u64>().is_err()
            }
        }
        Py::List(items) | Py::Tuple(items) => items.iter().any(any_inexact),
        Py::Dict(entries) => entries.iter().any(|(_, value)| any_inexact(value)),
        Py::Wire(value) => any_inexact(value),
        _ => false,
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
        crate::json::raw::check_nesting(source.as_bytes())?;
        crate::json::check_reserved_keys(source.as_bytes())?;
        let entries = crate::json::raw::object_entries(&source)?;
        Ok(Self::from_entries(source, entries))
    }

    /// [`Session::from_json_bytes`] for a payload that should read lazily
    /// (a Flask session without tags): the session, or the bytes back
    /// unchanged when they do not read as one, so that the caller can
    /// decode them the slow way and report exactly what it reports.
    #[cfg(feature = "flask")]
    pub(crate) fn try_lazy(json: Vec<u8>) -> Result<Self, Vec<u8>> {
        let source = String::from_utf8(json).map_err(std::string::FromUtf8Error::into_bytes)?;
        let checked = crate::json::raw::check_nesting(source.as_bytes())
            .and_then(|()| crate::json::check_reserved_keys(source.as_bytes()))
            .and_then(|()| crate::json::raw::object_entries(&source));
        match checked {
            Ok(entries) => Ok(Self::from_entries(source, entries)),
            Err(_) => Err(source.into_bytes()),
        }
    }

    fn from_entries(source: String, entries: Vec<Entry>) -> Self {
        Self {
            source,
            entries,
            modified: false,
            accessed: Cell::new(false),
        }
    }

    /// A session over values already read (a Flask session with
    /// Python-only values).
    pub(crate) fn from_values(entries: Vec<(String, Py)>) -> Self {
        Self {
            source: String::new(),
            entries: entries
                .into_iter()
                .map(|(key, value)| Entry {
                    key: EntryKey::Owned(key),
                    value: Slot::Value(value),
                })
                .collect(),
            modified: false,
            accessed: Cell::new(false),
        }
    }

    /// The (at most three) keys whose entries take the most JSON bytes,
    /// largest first: what to move out of a session that is too large.
    pub(crate) fn largest_keys(&self) -> Vec<String> {
        let mut sizes: Vec<(usize, &str)> = self
            .entries
            .iter()
            .map(|entry| {
                let key = entry.key.get(&self.source);
                (key.len() + entry.value.text(&self.source).len(), key)
            })
            .collect();
        sizes.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        sizes
            .into_iter()
            .take(3)
            .map(|(_, key)| key.to_owned())
            .collect()
    }

    /// How many values are held parsed rather than as decoded text.
    #[cfg(test)]
    pub(crate) fn parsed_values(&self) -> usize {
        self.entries
            .iter()
            .filter(|entry| matches!(entry.value, Slot::Value(_)))
            .count()
    }

    fn find(&self, key: &str) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|entry| entry.key.get(&self.source) == key)
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
    /// shape of `T`, and ([`PayloadError::Inexact`]) when `T` is
    /// `serde_json::Value` and the value holds a number it could only
    /// round (read those as `u128`/`i128`, or as text with
    /// [`Session::get_json`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.insert("cart", vec![1, 2, 3])?;
    /// session.insert("big", u128::MAX)?;
    /// assert_eq!(session.get::<Vec<u32>>("cart")?, Some(vec![1, 2, 3]));
    /// assert_eq!(session.get::<u32>("missing")?, None);
    /// assert!(session.get::<String>("cart").is_err());
    /// assert_eq!(session.get::<u128>("big")?, Some(u128::MAX));
    /// assert!(session.get::<serde_json::Value>("big").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get<T: DeserializeOwned + 'static>(&self, key: &str) -> Result<Option<T>, DecodeError> {
        self.touch();
        let Some(entry) = self.find(key) else {
            return Ok(None);
        };
        let text = entry.value.text(&self.source);
        if TypeId::of::<T>() == TypeId::of::<Value>() && has_inexact_number(&text) {
            return Err(DecodeError::BadPayload(PayloadError::Inexact));
        }
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|err| DecodeError::BadPayload(PayloadError::from_json(&err)))
    }

    /// [`Session::get`] for the engine's own reads (the revocation
    /// subject), which must not count as the handler using the session.
    pub(crate) fn peek<T: DeserializeOwned + 'static>(
        &self,
        key: &str,
    ) -> Result<Option<T>, DecodeError> {
        let accessed = self.accessed.get();
        let value = self.get(key);
        self.accessed.set(accessed);
        value
    }

    /// The value under `key` as `T`, or `default` when it is absent
    /// (Django's `session.get(key, default)`).
    ///
    /// Unlike Django's, a value that is present but not a `T` is an error,
    /// never the default: a session written by another version of the
    /// application is not silently replaced.
    ///
    /// # Errors
    ///
    /// As [`Session::get`].
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// assert_eq!(session.get_or("visits", 0u32)?, 0);
    /// session.insert("visits", "many")?;
    /// assert!(session.get_or("visits", 0u32).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_or<T: DeserializeOwned + 'static>(
        &self,
        key: &str,
        default: T,
    ) -> Result<T, DecodeError> {
        Ok(self.get(key)?.unwrap_or(default))
    }

    /// The JSON text of the value under `key`, exactly: as the cookie
    /// carried it for a value read from one, in Python's compact form for a
    /// value set from Rust. A Flask-only value is its one-key tag object.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.insert("n", [1.5, 1e300])?;
    /// assert_eq!(session.get_json("n").as_deref(), Some("[1.5,1e+300]"));
    /// # Ok::<(), session_cookie::EncodeError>(())
    /// ```
    pub fn get_json(&self, key: &str) -> Option<Cow<'_, str>> {
        self.touch();
        self.find(key).map(|entry| entry.value.text(&self.source))
    }

    /// Sets `key` to `value`. An existing key keeps its position; a new one
    /// goes to the end.
    ///
    /// Any `Serialize` value works, exactly: `u128`, `i128`, a
    /// [`RawValue`](serde_json::value::RawValue) (kept digit for digit), and
    /// the Flask helpers of [`json::tagged`](crate::json::tagged).
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
        let value = py::to_py(&value).map_err(EncodeError::Serialize)?;
        self.set(key.into(), Slot::Value(value));
        Ok(())
    }

    fn set(&mut self, key: String, value: Slot) {
        self.change();
        let source = &self.source;
        match self
            .entries
            .iter_mut()
            .find(|entry| entry.key.get(source) == key)
        {
            Some(entry) => entry.value = value,
            None => self.entries.push(Entry {
                key: EntryKey::Owned(key),
                value,
            }),
        }
    }

    /// Removes `key`; whether it was there. The order of the other keys is
    /// kept. The session is marked modified only if the key was there.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.insert("user_id", 7)?;
    /// assert!(session.remove("user_id"));
    /// assert!(!session.remove("user_id"));
    /// # Ok::<(), session_cookie::EncodeError>(())
    /// ```
    pub fn remove(&mut self, key: &str) -> bool {
        self.touch();
        let Some(index) = self
            .entries
            .iter()
            .position(|entry| entry.key.get(&self.source) == key)
        else {
            return false;
        };
        self.modified = true;
        self.entries.remove(index);
        true
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

    /// Removes `key` and gives its value as `T` (Django's `session.pop(key)`);
    /// `Ok(None)` when it is absent. Marks the session accessed, and
    /// modified only if the key was there.
    ///
    /// # Errors
    ///
    /// As [`Session::get`]; the session is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.insert("next", "/cart")?;
    /// assert_eq!(session.pop::<String>("next")?.as_deref(), Some("/cart"));
    /// assert_eq!(session.pop::<String>("next")?, None);
    /// // Django's `pop(key, default)`:
    /// assert_eq!(session.pop("next")?.unwrap_or_else(|| "/".to_owned()), "/");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn pop<T: DeserializeOwned + 'static>(
        &mut self,
        key: &str,
    ) -> Result<Option<T>, DecodeError> {
        let value = self.get(key)?;
        if value.is_some() {
            self.remove(key);
        }
        Ok(value)
    }

    /// Sets `key` to `default` unless it is present (Django's
    /// `session.setdefault(key, default)`), and says whether it did. Read
    /// the value with [`Session::get`].
    ///
    /// # Errors
    ///
    /// [`EncodeError::Serialize`] when `default` cannot be represented as
    /// JSON; the session is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// assert!(session.setdefault("theme", "dark")?);
    /// assert!(!session.setdefault("theme", "light")?);
    /// assert_eq!(session.get::<String>("theme")?.as_deref(), Some("dark"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn setdefault<T: Serialize>(&mut self, key: &str, default: T) -> Result<bool, EncodeError> {
        if self.contains(key) {
            return Ok(false);
        }
        self.insert(key, default)?;
        Ok(true)
    }

    /// Sets every pair (Django's `session.update(mapping)`): all or none,
    /// and the session is modified even when there are no pairs, as in
    /// Django.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Serialize`] when a value cannot be represented as
    /// JSON; the session is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.update([("a", 1), ("b", 2)])?;
    /// assert_eq!(session.keys().collect::<Vec<_>>(), ["a", "b"]);
    /// # Ok::<(), session_cookie::EncodeError>(())
    /// ```
    pub fn update<K: Into<String>, T: Serialize>(
        &mut self,
        pairs: impl IntoIterator<Item = (K, T)>,
    ) -> Result<(), EncodeError> {
        let values = pairs
            .into_iter()
            .map(|(key, value)| {
                Ok((
                    key.into(),
                    py::to_py(&value).map_err(EncodeError::Serialize)?,
                ))
            })
            .collect::<Result<Vec<_>, EncodeError>>()?;
        self.change();
        for (key, value) in values {
            self.set(key, Slot::Value(value));
        }
        Ok(())
    }

    /// The values in order, each as its JSON text (Django's
    /// `session.values()`); [`Session::iter`] gives the pairs (`items()`).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.insert("a", [1])?;
    /// assert_eq!(session.values().collect::<Vec<_>>(), ["[1]"]);
    /// # Ok::<(), session_cookie::EncodeError>(())
    /// ```
    pub fn values(&self) -> impl Iterator<Item = Cow<'_, str>> {
        self.iter().map(|(_, value)| value)
    }

    /// Sets Django's test cookie (`testcookie` = `"worked"`), to find out on
    /// the next request whether the browser keeps cookies (Django's
    /// `set_test_cookie`).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.set_test_cookie();
    /// assert!(session.test_cookie_worked());
    /// assert!(session.delete_test_cookie());
    /// assert!(!session.test_cookie_worked());
    /// ```
    pub fn set_test_cookie(&mut self) {
        self.set(
            TEST_COOKIE_NAME.to_owned(),
            Slot::Value(Py::Str(TEST_COOKIE_VALUE.to_owned())),
        );
    }

    /// Whether the test cookie came back (Django's `test_cookie_worked`).
    #[must_use]
    pub fn test_cookie_worked(&self) -> bool {
        self.get::<String>(TEST_COOKIE_NAME)
            .ok()
            .flatten()
            .is_some_and(|value| value == TEST_COOKIE_VALUE)
    }

    /// Removes the test cookie (Django's `delete_test_cookie`, which raises
    /// when it is absent); whether it was there.
    pub fn delete_test_cookie(&mut self) -> bool {
        self.remove(TEST_COOKIE_NAME)
    }

    /// Keeps the data under a new cookie (Django's `cycle_key`, which for
    /// cookie sessions is a re-issue): marks the session modified, so the
    /// response carries a freshly signed cookie. Django calls it on login to
    /// prevent session fixation.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.cycle_key();
    /// assert!(session.is_modified());
    /// ```
    pub fn cycle_key(&mut self) {
        self.change();
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

    /// The entries in order, each value as its JSON text (see
    /// [`Session::get_json`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut session = session_cookie::Session::new();
    /// session.insert("a", [1, 2])?;
    /// let pairs: Vec<_> = session.iter().map(|(k, v)| (k.to_owned(), v.into_owned())).collect();
    /// assert_eq!(pairs, [("a".to_owned(), "[1,2]".to_owned())]);
    /// # Ok::<(), session_cookie::EncodeError>(())
    /// ```
    pub fn iter(&self) -> impl Iterator<Item = (&str, Cow<'_, str>)> {
        self.touch();
        self.entries
            .iter()
            .map(|entry| (entry.key.get(&self.source), entry.value.text(&self.source)))
    }

    /// The keys in order.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(session_cookie::Session::new().keys().count(), 0);
    /// ```
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.touch();
        self.entries.iter().map(|entry| entry.key.get(&self.source))
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
            Expiry::BrowserClose => {
                self.set(EXPIRY_KEY.to_owned(), Slot::Value(Py::Number("0".into())))
            }
            Expiry::Seconds(secs) => self.set(
                EXPIRY_KEY.to_owned(),
                Slot::Value(Py::Number(secs.to_string().into())),
            ),
            Expiry::At(at) => self.set(
                EXPIRY_KEY.to_owned(),
                Slot::Value(Py::Str(python_isoformat(at))),
            ),
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
        match self.get::<Value>(EXPIRY_KEY).ok().flatten() {
            Some(Value::Number(n)) => match n.as_i64() {
                Some(0) | None => default,
                Some(secs) => secs,
            },
            Some(Value::String(iso)) => match parse_isoformat(&iso) {
                Some(at) => (at - now).whole_seconds(),
                None => default,
            },
            _ => default,
        }
    }

    /// When the cookie should expire, as Django's `get_expiry_date`: the
    /// stored instant, or `now` plus [`Session::expiry_age_at`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{Expiry, Session};
    /// use time::{Duration, OffsetDateTime};
    ///
    /// let now = OffsetDateTime::from_unix_timestamp(1_700_000_000)?;
    /// let mut session = Session::new();
    /// assert_eq!(session.expiry_date_at(now, 60), now + Duration::seconds(60));
    /// session.set_expiry(Expiry::Seconds(5));
    /// assert_eq!(session.expiry_date_at(now, 60), now + Duration::seconds(5));
    /// # Ok::<(), time::error::ComponentRange>(())
    /// ```
    #[must_use]
    pub fn expiry_date_at(&self, now: OffsetDateTime, default_age: u64) -> OffsetDateTime {
        let age = time::Duration::seconds(self.expiry_age_at(now, default_age));
        now.checked_add(age).unwrap_or_else(|| {
            let bound = if age.is_negative() {
                time::PrimitiveDateTime::MIN
            } else {
                time::PrimitiveDateTime::MAX
            };
            bound.assume_utc()
        })
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
        match self.get::<Value>(EXPIRY_KEY).ok().flatten() {
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
    /// Sessions are equal when they hold the same entries in the same order,
    /// each value the same Python value (`1.0` and `1.00` are equal, `1`
    /// and `1.0` are not); the flags do not count.
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self.entries.iter().zip(&other.entries).all(|(a, b)| {
                a.key.get(&self.source) == b.key.get(&other.source)
                    && a.value.to_py(&self.source).ok() == b.value.to_py(&other.source).ok()
            })
    }
}

impl From<Map<String, Value>> for Session {
    fn from(map: Map<String, Value>) -> Self {
        // A `Value` always has a JSON form, so the conversion cannot fail.
        let entries = map
            .into_iter()
            .map(|(key, value)| (key, py::to_py(&value).unwrap_or(Py::Null)))
            .collect();
        Self::from_values(entries)
    }
}

impl Session {
    /// Appends what [`Serialize`] gives a codec's JSON writer
    /// (`json::write_payload`), byte for byte, without going through serde:
    /// there, every string is scanned twice and every number parsed and
    /// formatted again.
    pub(crate) fn write_payload(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        crate::json::write_checked(out, |out| {
            out.push(b'{');
            for (i, entry) in self.entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                crate::json::write_python_string(out, entry.key.get(&self.source));
                out.push(b':');
                match &entry.value {
                    // As the formatter writes raw text: in Python's form.
                    Slot::Raw(range) => Py::parse(self.source.get(range.clone()).unwrap_or("null"))
                        .map_err(serde::ser::Error::custom)?
                        .write(out, Style::Json),
                    Slot::Value(value) => value.write(out, Style::Json),
                }
                .map_err(serde::ser::Error::custom)?;
            }
            out.push(b'}');
            Ok(())
        })
    }
}

impl Serialize for Session {
    /// A map of the values, each exactly: with `serde_json` (and this
    /// crate's writers) a value read from a cookie is its own text.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for entry in &self.entries {
            match &entry.value {
                Slot::Raw(range) => map.serialize_entry(
                    entry.key.get(&self.source),
                    &RawText(self.source.get(range.clone()).unwrap_or("null")),
                )?,
                Slot::Value(value) => map.serialize_entry(entry.key.get(&self.source), value)?,
            }
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Session {
    /// Reads a JSON object exactly (with `serde_json`'s deserializer, which
    /// the codecs use).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(SessionVisitor)
    }
}

struct SessionVisitor;

impl<'de> serde::de::Visitor<'de> for SessionVisitor {
    type Value = Session;

    fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Session, A::Error> {
        let mut entries: Vec<(String, Py)> = Vec::new();
        while let Some((key, raw)) = map.next_entry::<String, Box<RawValue>>()? {
            let value = Py::parse(raw.get()).map_err(serde::de::Error::custom)?;
            py::dict_set(&mut entries, key, value);
        }
        Ok(Session::from_values(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_blocks_find_every_long_digit_run() {
        // Each run length around 16 at each offset, among other bytes
        // (the digits' neighbours in ASCII among them).
        for fill in [b'x', b'/', b':', b'.', 0xc3] {
            for offset in 0..9 {
                for run in 0..26 {
                    let mut bytes = vec![fill; offset];
                    bytes.extend((0..run).map(|i| b'0' + (i % 10) as u8));
                    bytes.extend([fill; 5]);
                    if has_long_digit_run(&bytes) {
                        assert!(has_digit_block(&bytes), "{offset} {run}");
                    }
                    assert_eq!(has_long_digit_run(&bytes), run >= 16);
                }
            }
        }
        assert!(!has_digit_block(b"0123456:0123456"));
        assert!(has_digit_block(b"01234567"));
    }

    #[test]
    fn inexact_numbers_are_found_and_words_are_not() {
        for text in [
            "1e400",
            "[1E5000]",
            "18446744073709551616",
            "-9223372036854775809",
        ] {
            assert!(has_inexact_number(text), "{text}");
        }
        for text in [
            "1e5",
            "\"see 1e400 in a word\"",
            "\"12345678901234567890\"",
            "18446744073709551615",
            "\"face\"",
            "\"3e400\"",
            "[\"3e400\", 1]",
        ] {
            assert!(!has_inexact_number(text), "{text}");
        }
    }

    /// Vector `sessionstore_reload_modify_order`.
    #[test]
    fn django_key_order_rules() {
        let mut s = Session::from_json_bytes(
            br#"{"_auth_user_id":"1","_auth_user_backend":"b","_auth_user_hash":"h"}"#.to_vec(),
        )
        .unwrap();
        assert!(!s.is_modified() && !s.is_accessed());
        s.insert("_auth_user_id", "42").unwrap();
        let backend: String = s.get("_auth_user_backend").unwrap().unwrap();
        assert!(s.remove("_auth_user_backend"));
        s.insert("_auth_user_backend", backend).unwrap();
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
        assert!(!s.remove("x"));
        assert!(!s.is_modified());
    }
}

#[cfg(test)]
mod exact_tests {
    use super::*;

    #[test]
    fn decoded_values_are_written_back_digit_for_digit() {
        let text = r#"{"big":123456789012345678901234567890,"f":1e400,"z":-0.0,"o":{"b":1,"a":2}}"#;
        let mut s = Session::from_json_bytes(text.as_bytes().to_vec()).unwrap();
        s.insert("n", 1).unwrap();
        assert_eq!(
            crate::json::to_string(&s).unwrap(),
            r#"{"big":123456789012345678901234567890,"f":1e400,"z":-0.0,"o":{"b":1,"a":2},"n":1}"#
        );
        assert_eq!(
            s.get::<u128>("big").unwrap(),
            Some(123_456_789_012_345_678_901_234_567_890)
        );
        assert_eq!(
            s.get::<Value>("big").unwrap_err(),
            DecodeError::BadPayload(PayloadError::Inexact)
        );
        assert!(s.get::<Value>("f").is_err());
        assert_eq!(
            s.get::<Value>("o").unwrap(),
            Some(serde_json::json!({"a": 2, "b": 1}))
        );
    }
}

/// The session's own payload writer against serde's (`json::write_payload`),
/// which it must match byte for byte.
#[cfg(test)]
mod writer_tests {
    use super::*;

    fn both(session: &Session) -> (Result<Vec<u8>, String>, Result<Vec<u8>, String>) {
        let run = |write: &dyn Fn(&mut Vec<u8>) -> Result<(), serde_json::Error>| {
            let mut out = b"prefix".to_vec();
            write(&mut out).map(|()| out).map_err(|err| err.to_string())
        };
        (
            run(&|out| session.write_payload(out)),
            run(&|out| crate::json::write_payload(out, session)),
        )
    }

    fn assert_same(session: &Session) {
        let (own, serde) = both(session);
        assert_eq!(own, serde);
        assert!(own.is_ok());
    }

    /// Every character, in a key and in a value (as a string and inside
    /// a list), where the two paths escape it.
    #[test]
    fn every_character_is_escaped_alike() {
        let chars: Vec<char> = (0..=0x10_ffffu32).filter_map(char::from_u32).collect();
        for block in chars.chunks(997) {
            let text: String = block.iter().collect();
            let mut session = Session::new();
            session.insert(text.clone(), &text).unwrap();
            session.insert("list", [&text, "plain"]).unwrap();
            assert_same(&session);
        }
        for c in [
            '"', '\\', '\u{7f}', '\u{0}', '\u{1f}', 'é', '😀', '\u{2028}',
        ] {
            for text in [
                c.to_string(),
                format!("a{c}"),
                format!("{c}b"),
                format!("a{c}{c}b"),
            ] {
                let mut session = Session::new();
                session.insert(text.clone(), &text).unwrap();
                assert_same(&session);
            }
        }
    }

    /// Values set from Rust and values read from a cookie (including text
    /// no Python writer produces: white space, exponents, redundant
    /// escapes, a repeated key), and a session mixing both.
    #[test]
    fn numbers_structures_and_raw_text_are_written_alike() {
        let mut session = Session::new();
        session.insert("i", i64::MIN).unwrap();
        session.insert("u", u64::MAX).unwrap();
        session.insert("big", u128::MAX).unwrap();
        for (i, f) in [0.0, -0.0, 0.1, 1e16, 1e-5, 5e-324, f64::MAX, 1.5, 123.456]
            .iter()
            .enumerate()
        {
            session.insert(format!("f{i}"), f).unwrap();
        }
        session
            .insert(
                "nested",
                serde_json::json!({"b": [1, {"c": null}], "a": true, "": []}),
            )
            .unwrap();
        session.insert("empty", serde_json::json!({})).unwrap();
        assert_same(&session);
        assert_same(&Session::new());

        let text = r#"{ "a" : [1.50, 1E5, -0, 1e400, 123456789012345678901234567890, "\u0041\/\u00E9é"],
            "b": {"x": 1, "y": [], "x": 2}, "c": "\ud83d\ude00", "d": 0.30000000000000004 }"#;
        let mut decoded = Session::from_json_bytes(text.as_bytes().to_vec()).unwrap();
        assert_same(&decoded);
        decoded.insert("set", [1.25, 2.0]).unwrap();
        decoded.insert("b", "replaced").unwrap();
        assert_same(&decoded);
    }

    /// A Flask session's Python-only values: written as the text they are
    /// kept as, and a tagged wire value refused, by both.
    #[test]
    fn python_only_values_are_written_alike() {
        let values = vec![
            (
                "t".to_owned(),
                Py::Tuple(vec![Py::Number("1".into()), Py::Str("é".to_owned())]),
            ),
            ("b".to_owned(), Py::Bytes("AAE=".to_owned())),
            ("m".to_owned(), Py::Markup("<b>".to_owned())),
            (
                "u".to_owned(),
                Py::Uuid("0b0e3c1e-1f2a-4c3d-9e8f-001122334455".to_owned()),
            ),
            (
                "d".to_owned(),
                Py::Date("Wed, 02 Dec 2026 00:00:00 GMT".to_owned()),
            ),
        ];
        assert_same(&Session::from_values(values));
        let wire = vec![("w".to_owned(), Py::Wire(Box::new(Py::Null)))];
        let (own, serde) = both(&Session::from_values(wire));
        assert!(own.is_err() && serde.is_err());
    }

    /// The reserved `RawValue` key is refused by both, at any depth.
    #[test]
    fn the_reserved_key_is_refused_alike() {
        let mut session = Session::new();
        session
            .insert(
                "x",
                serde_json::json!({"$serde_json::private::RawValue": "1"}),
            )
            .unwrap();
        let (own, serde) = both(&session);
        assert!(own.is_err());
        assert_eq!(own, serde);
    }
}

/// The behaviours of Django's `SessionTestsMixin`
/// (`tests/sessions_tests/tests.py`) that apply to a cookie session, each
/// checked against the flags Django sets.
#[cfg(test)]
mod django_session_base {
    use super::*;

    fn loaded(text: &str) -> Session {
        Session::from_json_bytes(text.as_bytes().to_vec()).unwrap()
    }

    #[test]
    fn new_session_is_clean() {
        let s = Session::new();
        assert!(!s.is_modified() && !s.is_accessed());
    }

    #[test]
    fn get_of_a_missing_key_accesses_only() {
        let s = Session::new();
        assert_eq!(s.get::<String>("cat").unwrap(), None);
        assert!(s.is_accessed() && !s.is_modified());
    }

    #[test]
    fn pop_modifies_and_accesses() {
        let mut s = loaded(r#"{"some key":"exists"}"#);
        assert_eq!(
            s.pop::<String>("some key").unwrap().as_deref(),
            Some("exists")
        );
        assert!(s.is_accessed() && s.is_modified());
        assert_eq!(s.get::<String>("some key").unwrap(), None);
    }

    #[test]
    fn pop_of_a_missing_key_modifies_nothing() {
        let mut s = Session::new();
        assert_eq!(s.pop::<String>("some key").unwrap(), None);
        assert!(s.is_accessed() && !s.is_modified());
    }

    #[test]
    fn pop_of_the_wrong_type_changes_nothing() {
        let mut s = loaded(r#"{"n":"text"}"#);
        assert!(s.pop::<u32>("n").is_err());
        assert!(s.contains("n") && !s.is_modified());
    }

    #[test]
    fn setdefault_sets_once() {
        let mut s = Session::new();
        assert!(s.setdefault("foo", "bar").unwrap());
        assert!(!s.setdefault("foo", "baz").unwrap());
        assert_eq!(s.get::<String>("foo").unwrap().as_deref(), Some("bar"));
        assert!(s.is_accessed() && s.is_modified());
    }

    #[test]
    fn setdefault_of_a_present_key_does_not_modify() {
        let s0 = r#"{"foo":"bar"}"#;
        let mut s = loaded(s0);
        assert!(!s.setdefault("foo", "baz").unwrap());
        assert!(s.is_accessed() && !s.is_modified());
    }

    #[test]
    fn update_modifies_even_when_empty() {
        let mut s = loaded(r#"{"a":1}"#);
        s.update(Vec::<(String, u8)>::new()).unwrap();
        assert!(s.is_modified());
        s.update([("a", 2), ("b", 3)]).unwrap();
        assert_eq!(crate::json::to_string(&s).unwrap(), r#"{"a":2,"b":3}"#);
    }

    #[test]
    fn has_key_keys_values_items_access_without_modifying() {
        let s = loaded(r#"{"x":1}"#);
        assert!(s.contains("x"));
        assert!(s.is_accessed() && !s.is_modified());
        for read in [
            |s: &Session| s.keys().count(),
            |s: &Session| s.values().count(),
            |s: &Session| s.iter().count(),
        ] {
            let s = loaded(r#"{"x":1}"#);
            assert_eq!(read(&s), 1);
            assert!(s.is_accessed() && !s.is_modified());
        }
    }

    #[test]
    fn clear_accesses_and_modifies() {
        let mut s = loaded(r#"{"x":1}"#);
        s.clear();
        assert!(s.is_empty() && s.is_accessed() && s.is_modified());
    }

    #[test]
    fn cycle_key_keeps_the_data_and_reissues() {
        let mut s = loaded(r#"{"a":"c","b":"d"}"#);
        s.cycle_key();
        assert!(s.is_modified());
        assert_eq!(crate::json::to_string(&s).unwrap(), r#"{"a":"c","b":"d"}"#);
    }

    #[test]
    fn test_cookie() {
        let mut s = Session::new();
        assert!(!s.test_cookie_worked());
        s.set_test_cookie();
        assert!(s.test_cookie_worked());
        assert_eq!(s.get_json("testcookie").as_deref(), Some(r#""worked""#));
        assert!(s.delete_test_cookie());
        assert!(!s.test_cookie_worked());
        assert!(!s.delete_test_cookie());
    }

    #[test]
    fn expiry_date_follows_the_age() {
        let now = OffsetDateTime::from_unix_timestamp(1_700_000_000).unwrap();
        let mut s = Session::new();
        s.set_expiry(Expiry::Seconds(10));
        assert_eq!(s.expiry_date_at(now, 99), now + time::Duration::seconds(10));
        s.set_expiry(Expiry::At(now + time::Duration::days(1)));
        assert_eq!(s.expiry_date_at(now, 99), now + time::Duration::days(1));
        s.set_expiry(Expiry::Seconds(i64::MAX));
        assert_eq!(
            s.expiry_date_at(now, 99),
            time::PrimitiveDateTime::MAX.assume_utc()
        );
        s.set_expiry(Expiry::BrowserClose);
        assert!(s.expires_at_browser_close(false));
    }
}
