//! The Flask codec: size, structure, signature, age, then base64,
//! inflation, JSON and Flask's tags.

use std::borrow::Cow;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Decoded, Limits, with_scratch};
use crate::error::{DecodeError, EncodeError, PayloadError};
use crate::format::flask;
use crate::json;
use crate::json::py::{Py, Style};
use crate::json::tagged::{Wire, may_hold_tags, untag_scan};
use crate::key::SecretKeys;
use crate::session::Session;
use crate::sign::signer::Serializer;
use crate::time::UnixTime;

/// Flask's `PERMANENT_SESSION_LIFETIME` default: 31 days, in seconds. Flask
/// applies it to every session cookie, permanent or not.
pub const FLASK_SESSION_LIFETIME: u64 = 2_678_400;

/// How a [`FlaskCodec`] signs and checks: salt, maximum age and limits.
///
/// [`FlaskConfig::SESSIONS`] is Flask's `SecureCookieSessionInterface` with
/// its defaults.
///
/// # Examples
///
/// ```
/// use session_cookie::FlaskConfig;
///
/// let config = FlaskConfig::SESSIONS.with_max_age(Some(3600));
/// assert_eq!(config.salt(), "cookie-session");
/// assert_eq!(config.max_age(), Some(3600));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlaskConfig {
    salt: Cow<'static, str>,
    max_age: Option<u64>,
    limits: Limits,
}

impl FlaskConfig {
    /// Flask's session cookie: salt `cookie-session`, maximum age
    /// `PERMANENT_SESSION_LIFETIME` (2678400 s).
    pub const SESSIONS: Self = Self {
        salt: Cow::Borrowed(flask::SESSION_SALT),
        max_age: Some(FLASK_SESSION_LIFETIME),
        limits: Limits::DEFAULT,
    };

    /// The salt (`SecureCookieSessionInterface.salt`) that the signing key
    /// is derived with.
    #[must_use]
    pub fn with_salt(self, salt: impl Into<Cow<'static, str>>) -> Self {
        Self {
            salt: salt.into(),
            ..self
        }
    }

    /// Maximum age in seconds (`int(PERMANENT_SESSION_LIFETIME.total_seconds())`),
    /// or `None` for no limit. Flask always sets one; `None` is
    /// itsdangerous' `loads(max_age=None)`, which also accepts timestamps in
    /// the future.
    #[must_use]
    pub fn with_max_age(self, max_age: Option<u64>) -> Self {
        Self { max_age, ..self }
    }

    /// Bounds on cookie length and inflated size.
    #[must_use]
    pub fn with_limits(self, limits: Limits) -> Self {
        Self { limits, ..self }
    }

    /// See [`FlaskConfig::with_salt`].
    #[must_use]
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// See [`FlaskConfig::with_max_age`].
    #[must_use]
    pub fn max_age(&self) -> Option<u64> {
        self.max_age
    }

    /// See [`FlaskConfig::with_limits`].
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.limits
    }
}

impl Default for FlaskConfig {
    fn default() -> Self {
        Self::SESSIONS
    }
}

/// Reads and writes Flask session cookies (`SecureCookieSessionInterface`,
/// itsdangerous 2.x), byte for byte.
///
/// The key ring is Flask's `SECRET_KEY` ([`SecretKeys::new`]) and
/// `SECRET_KEY_FALLBACKS` ([`SecretKeys::with_fallback`], in the order of
/// Flask's list). As in Flask 3.1.1 and later, `SECRET_KEY` signs, and
/// verification tries it first and then the fallbacks **from the last to the
/// first**. [`Decoded::key_index`] is the key's position in the ring (0 for
/// `SECRET_KEY`, `i` for the `i`-th fallback added), whatever order they are
/// tried in.
///
/// The HMAC-SHA1 keys are derived once, when the codec is built. A codec is
/// `Send + Sync`: build one at start-up and share it.
///
/// Session values may hold Python-only types (tuples, bytes, `Markup`,
/// UUIDs, datetimes) in Flask's tagged JSON; see
/// [`json::tagged`](crate::json::tagged) for how they are read and written.
///
/// # Examples
///
/// ```
/// use session_cookie::{FlaskCodec, SecretKeys, Session};
///
/// let codec = FlaskCodec::sessions(&SecretKeys::new("dev-secret")?);
/// let mut session = Session::new();
/// session.insert("user_id", 42)?;
/// let cookie = codec.encode(&session)?;
///
/// let session = codec.decode_session(&cookie)?.into_value();
/// assert_eq!(session.get::<u64>("user_id")?, Some(42));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct FlaskCodec {
    serializer: Serializer,
    config: FlaskConfig,
}

impl core::fmt::Debug for FlaskCodec {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FlaskCodec")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// What the first steps of decoding learned besides the value.
#[derive(Clone, Copy)]
struct Opened {
    issued_at: UnixTime,
    key_index: usize,
}

impl FlaskCodec {
    /// A codec for `ring` with `config`; derives every key's HMAC state now.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{FlaskCodec, FlaskConfig, SecretKeys};
    ///
    /// let ring = SecretKeys::new("new")?.with_fallback("old1").with_fallback("old2");
    /// let codec = FlaskCodec::new(&ring, FlaskConfig::SESSIONS.with_salt("my-app"));
    /// assert_eq!(codec.config().salt(), "my-app");
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    pub fn new(ring: &SecretKeys, config: FlaskConfig) -> Self {
        Self {
            serializer: flask::serializer(&config.salt, ring),
            config,
        }
    }

    /// Flask's session codec ([`FlaskConfig::SESSIONS`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = session_cookie::FlaskCodec::sessions(&session_cookie::SecretKeys::new("k")?);
    /// assert_eq!(codec.config().max_age(), Some(2_678_400));
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    pub fn sessions(ring: &SecretKeys) -> Self {
        Self::new(ring, FlaskConfig::SESSIONS)
    }

    /// The configuration this codec was built with.
    #[must_use]
    pub fn config(&self) -> &FlaskConfig {
        &self.config
    }

    /// Signs `value` now. See [`FlaskCodec::encode_at`].
    ///
    /// # Errors
    ///
    /// As [`FlaskCodec::encode_at`].
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = session_cookie::FlaskCodec::sessions(&session_cookie::SecretKeys::new("k")?);
    /// let cookie = codec.encode(&serde_json::json!({"user_id": 1}))?;
    /// assert_eq!(cookie.split('.').count(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode<T: Serialize + ?Sized>(&self, value: &T) -> Result<String, EncodeError> {
        self.encode_at(value, UnixTime::now())
    }

    /// Signs `value` as if the time were `now`: the same bytes Flask's
    /// `save_session` writes at that second.
    ///
    /// The JSON has every object's keys sorted, Python's escapes and float
    /// `repr`; a one-key map whose key is a Flask tag name is escaped with
    /// `" di"`, and the helpers of [`json::tagged`](crate::json::tagged)
    /// become tagged values. It is zlib-compressed when that saves at least
    /// two bytes. Times before 1970 are written as 0.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Serialize`] when `value` cannot be written as JSON.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{FlaskCodec, SecretKeys, UnixTime};
    ///
    /// // Worked example A of the Flask notes.
    /// let codec = FlaskCodec::sessions(&SecretKeys::new("dev-secret")?);
    /// let cookie = codec.encode_at(&serde_json::json!({"user_id": 42}), UnixTime::from_secs(1_700_000_000))?;
    /// assert_eq!(cookie, "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.LIr3YcHFjdrdtQSuFvBzSarrgwM");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode_at<T: Serialize + ?Sized>(
        &self,
        value: &T,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        let mut out = String::new();
        self.encode_into(value, now, &mut out)?;
        Ok(out)
    }

    /// Appends the cookie for `value` at `now` to `out`, so a caller can
    /// reuse one buffer across requests.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Serialize`] when `value` cannot be written as JSON;
    /// `out` is then unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{FlaskCodec, SecretKeys, UnixTime};
    ///
    /// let codec = FlaskCodec::sessions(&SecretKeys::new("k")?);
    /// let mut buffer = String::new();
    /// codec.encode_into(&serde_json::json!({}), UnixTime::from_secs(0), &mut buffer)?;
    /// assert!(buffer.starts_with("e30.."));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode_into<T: Serialize + ?Sized>(
        &self,
        value: &T,
        now: UnixTime,
        out: &mut String,
    ) -> Result<(), EncodeError> {
        with_scratch(|scratch| {
            // One pass over the value, no tree: the bytes `to_py` and
            // `Py::write(Style::FlaskWire)` wrote (json::flask_wire).
            json::flask_wire::write(&mut scratch.json, value).map_err(EncodeError::Serialize)?;
            json::check_reserved_keys(&scratch.json).map_err(|_| {
                EncodeError::Serialize(serde::ser::Error::custom(
                    "an object is keyed by serde_json's reserved RawValue token",
                ))
            })?;
            self.serializer
                .write(out, &scratch.json, true, now, &mut scratch.bytes);
            Ok(())
        })
    }

    /// Verifies and decodes `cookie` now. See [`FlaskCodec::decode_at`].
    ///
    /// # Errors
    ///
    /// As [`FlaskCodec::decode_at`].
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = session_cookie::FlaskCodec::sessions(&session_cookie::SecretKeys::new("k")?);
    /// let cookie = codec.encode(&serde_json::json!({"a": "b"}))?;
    /// assert_eq!(codec.decode::<serde_json::Value>(&cookie)?.into_value()["a"], "b");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode<T: DeserializeOwned>(&self, cookie: &str) -> Result<Decoded<T>, DecodeError> {
        self.decode_at(cookie, UnixTime::now())
    }

    /// Verifies `cookie` as of `now` and decodes its payload as `T`.
    ///
    /// The checks run in this order, and each later one runs only when the
    /// earlier ones passed: length; structure (three fields, a canonical
    /// 27-character signature); signature (`SECRET_KEY`, then the fallbacks
    /// from the last to the first); age (`now - timestamp > max_age` and a
    /// timestamp in the future are both expired); base64; inflation
    /// (capped); UTF-8 and JSON; Flask's tags. `T` sees the value with `" di"`
    /// escapes removed and Python-only values in their tagged wire form
    /// (see [`json::tagged`](crate::json::tagged)).
    ///
    /// # Errors
    ///
    /// - [`DecodeError::TooLarge`]: the cookie or its inflated payload is
    ///   over the configured [`Limits`].
    /// - [`DecodeError::Malformed`]: not three fields of the right alphabets
    ///   and lengths, or a signature that is not canonical base64url.
    /// - [`DecodeError::BadSignature`]: no key verifies it.
    /// - [`DecodeError::Expired`]: authentic, but older than the maximum
    ///   age, or issued in the future (then `age` is negative).
    /// - [`DecodeError::BadPayload`]: authentic, but the content does not
    ///   decode as `T` (where Flask answers with HTTP 500).
    ///
    /// # Security
    ///
    /// Nothing but the structure is looked at before the HMAC verifies in
    /// constant time; the timestamp is read only after that, so a forged
    /// cookie is a bad signature whatever its age. No error carries bytes of
    /// the cookie.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{DecodeError, FlaskCodec, SecretKeys, UnixTime};
    ///
    /// let codec = FlaskCodec::sessions(&SecretKeys::new("dev-secret")?);
    /// let cookie = "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.LIr3YcHFjdrdtQSuFvBzSarrgwM";
    /// let at_limit = UnixTime::from_secs(1_702_678_400);
    /// assert_eq!(codec.decode_at::<serde_json::Value>(cookie, at_limit)?.into_value()["user_id"], 42);
    /// let later = UnixTime::from_secs(1_702_678_401);
    /// assert!(matches!(
    ///     codec.decode_at::<serde_json::Value>(cookie, later),
    ///     Err(DecodeError::Expired { age: 2_678_401, max_age: 2_678_400 })
    /// ));
    /// let before = UnixTime::from_secs(1_699_999_999);
    /// assert!(matches!(
    ///     codec.decode_at::<serde_json::Value>(cookie, before),
    ///     Err(DecodeError::Expired { age: -1, .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode_at<T: DeserializeOwned>(
        &self,
        cookie: &str,
        now: UnixTime,
    ) -> Result<Decoded<T>, DecodeError> {
        let (value, opened) = self.open(cookie, now)?;
        let text = value
            .to_text(Style::FlaskView)
            .map_err(|_| DecodeError::BadPayload(PayloadError::Tag))?;
        let value = serde_json::from_str(&text)
            .map_err(|err| DecodeError::BadPayload(PayloadError::from_json(&err)))?;
        Ok(opened.decoded(value))
    }

    /// Verifies `cookie` as of `now` and gives its value in Flask's tagged
    /// wire form, as Flask would write it back: encoding the result again
    /// gives the same JSON, whatever Python types the session holds.
    ///
    /// # Errors
    ///
    /// As [`FlaskCodec::decode_at`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{FlaskCodec, SecretKeys, UnixTime};
    ///
    /// let codec = FlaskCodec::sessions(&SecretKeys::new("public-test-secret-key")?);
    /// let cookie = "eyJwYWlyIjp7IiB0IjpbMSwidHdvIl19LCJ1c2VyIjoieCJ9.ZVPxAA.5bX4scF6Jz57F4w8H0znXHgS3T8";
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// let decoded = codec.decode_wire_at(cookie, now)?;
    /// assert!(decoded.value().has_tags()); // (1, "two") is a tuple
    /// assert_eq!(codec.encode_at(decoded.value(), decoded.issued_at())?, cookie);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode_wire_at(
        &self,
        cookie: &str,
        now: UnixTime,
    ) -> Result<Decoded<Wire>, DecodeError> {
        let (value, opened) = self.open(cookie, now)?;
        // Flask's dump of what it loaded, read back as wire JSON.
        let wire = value
            .to_text(Style::FlaskWire)
            .ok()
            .and_then(|text| Py::parse(&text).ok())
            .ok_or(DecodeError::BadPayload(PayloadError::Tag))?;
        Ok(opened.decoded(Wire::from_py(wire)))
    }

    /// Verifies and decodes a session cookie now. See
    /// [`FlaskCodec::decode_session_at`].
    ///
    /// # Errors
    ///
    /// As [`FlaskCodec::decode_at`]; a payload that is not a JSON object is
    /// [`DecodeError::BadPayload`] (Flask fails such a request too).
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{FlaskCodec, SecretKeys, Session};
    ///
    /// let codec = FlaskCodec::sessions(&SecretKeys::new("k")?);
    /// let cookie = codec.encode(&Session::new())?;
    /// assert!(codec.decode_session(&cookie)?.value().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode_session(&self, cookie: &str) -> Result<Decoded<Session>, DecodeError> {
        self.decode_at(cookie, UnixTime::now())
    }

    /// Verifies `cookie` as of `now` and decodes it as a [`Session`],
    /// unmodified and not yet accessed.
    ///
    /// # Errors
    ///
    /// As [`FlaskCodec::decode_session`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{FlaskCodec, SecretKeys, UnixTime};
    ///
    /// let codec = FlaskCodec::sessions(&SecretKeys::new("k")?);
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// let cookie = codec.encode_at(&serde_json::json!({"_permanent": true, "user_id": 5}), now)?;
    /// let session = codec.decode_session_at(&cookie, now)?.into_value();
    /// assert_eq!(session.get::<u32>("user_id")?, Some(5));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode_session_at(
        &self,
        cookie: &str,
        now: UnixTime,
    ) -> Result<Decoded<Session>, DecodeError> {
        let (payload, opened) = self.verify(cookie, now)?;
        // Without any tag, Flask's loading changes nothing: the payload
        // reads as the lazy session Django's does, each value parsed when
        // it is read. Anything that does not read that way takes the full
        // walk, which reports it exactly as it always has.
        let payload = if !reads_lazily(&payload) {
            payload
        } else {
            match Session::try_lazy(payload) {
                Ok(session) => return Ok(opened.decoded(session)),
                Err(payload) => payload,
            }
        };
        match load(&payload)? {
            // Python-only values stay what they are, so that writing the
            // session again keeps every tuple a tuple.
            Py::Dict(entries) => Ok(opened.decoded(Session::from_values(entries))),
            _ => Err(DecodeError::BadPayload(PayloadError::Shape {
                line: 1,
                column: 1,
            })),
        }
    }

    fn open(&self, cookie: &str, now: UnixTime) -> Result<(Py, Opened), DecodeError> {
        let (payload, opened) = self.verify(cookie, now)?;
        Ok((load(&payload)?, opened))
    }

    /// Size, structure, signature and age; then the inflated payload.
    fn verify(&self, cookie: &str, now: UnixTime) -> Result<(Vec<u8>, Opened), DecodeError> {
        let max_age = self.config.max_age.map(Duration::from_secs);
        let (payload, stamped) = self
            .serializer
            .open(cookie, now, max_age, self.config.limits)?;
        Ok((
            payload,
            Opened {
                issued_at: stamped.issued_at,
                key_index: stamped.key_index,
            },
        ))
    }
}

/// Whether a payload can be read as the lazy session: it holds no tag
/// (loading it as Flask does changes nothing), and nothing that Flask never
/// writes and that the full walk would read differently from the text: any
/// byte beyond ASCII (Flask escapes them), a raw tab or line break outside a
/// string (inside one it would be invalid JSON), or the integer `-0` (which
/// Python reads as `0`, `serde_json` as the float `-0.0`). Each is one
/// vectorised scan; a false alarm only costs the full walk.
fn reads_lazily(payload: &[u8]) -> bool {
    payload.is_ascii()
        && memchr::memchr3(b'\t', b'\n', b'\r', payload).is_none()
        && !memchr::memmem::find_iter(payload, b"-0")
            .any(|at| !matches!(payload.get(at + 2), Some(b'0'..=b'9' | b'.' | b'e' | b'E')))
        && !may_hold_tags(payload)
}

/// A verified payload as Flask's `TaggedJSONSerializer.loads` gives it.
fn load(payload: &[u8]) -> Result<Py, DecodeError> {
    json::check_reserved_keys(payload).map_err(DecodeError::BadPayload)?;
    let text = core::str::from_utf8(payload).map_err(|err| {
        DecodeError::BadPayload(PayloadError::Json {
            line: 1,
            column: err.valid_up_to() + 1,
        })
    })?;
    let wire = Py::parse(text).map_err(DecodeError::BadPayload)?;
    untag_scan(wire).map_err(|_| DecodeError::BadPayload(PayloadError::Tag))
}

impl Opened {
    fn decoded<T>(self, value: T) -> Decoded<T> {
        Decoded {
            value,
            issued_at: self.issued_at,
            first_issued_at: self.issued_at,
            session_id: None,
            key_index: self.key_index,
            needs_reissue: self.key_index > 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;
    use crate::json::tagged::{Bytes, HttpDate, Markup, Tuple, Uuid};

    fn now() -> UnixTime {
        UnixTime::from_secs(1_700_000_000)
    }

    /// Worked examples B and C of `shared/specs/flask-session.md` §7.
    #[test]
    fn worked_examples() {
        let codec = FlaskCodec::sessions(&SecretKeys::new("dev-secret").unwrap());
        assert_eq!(
            codec
                .encode_at(&json!({"user": "Zoë", "cart": [1, 2, 3]}), now())
                .unwrap(),
            "eyJjYXJ0IjpbMSwyLDNdLCJ1c2VyIjoiWm9cdTAwZWIifQ.ZVPxAA.ymyDw0K_RVHD1sKm3j9adV9Dt9g"
        );
        let session = json!({"csrf": "x".repeat(200), "_permanent": true});
        assert_eq!(
            codec
                .encode_at(&session, UnixTime::from_secs(1_735_689_600))
                .unwrap(),
            ".eJyrVoovSC3KTcxLzStRsiopKk3VUUouLkpTslKqGCZAqRYAe9tnvA.Z3SFgA.NYefbKXheGnvfJLanhUXUopRis0"
        );
    }

    /// Worked example E: fallbacks never sign, and are tried last to first.
    #[test]
    fn rotation_order() {
        let ring = SecretKeys::new("new")
            .unwrap()
            .with_fallback("old1")
            .with_fallback("old2");
        let codec = FlaskCodec::sessions(&ring);
        let alone = FlaskCodec::sessions(&SecretKeys::new("new").unwrap());
        let value = json!({"a": 1});
        assert_eq!(
            codec.encode_at(&value, now()).unwrap(),
            alone.encode_at(&value, now()).unwrap()
        );
        for (index, key) in [(1, "old1"), (2, "old2")] {
            let cookie = FlaskCodec::sessions(&SecretKeys::new(key).unwrap())
                .encode_at(&value, now())
                .unwrap();
            let decoded = codec.decode_at::<Value>(&cookie, now()).unwrap();
            assert_eq!(decoded.key_index(), index);
            assert!(decoded.needs_reissue());
        }
        // The same key twice: the later one in Flask's list is tried first.
        let twice = FlaskCodec::sessions(
            &SecretKeys::new("new")
                .unwrap()
                .with_fallback("dup")
                .with_fallback("dup"),
        );
        let cookie = FlaskCodec::sessions(&SecretKeys::new("dup").unwrap())
            .encode_at(&value, now())
            .unwrap();
        assert_eq!(
            twice
                .decode_at::<Value>(&cookie, now())
                .unwrap()
                .key_index(),
            2
        );
    }

    #[test]
    fn helpers_round_trip_through_a_cookie() {
        let codec = FlaskCodec::sessions(&SecretKeys::new("k").unwrap());
        let mut value = Session::new();
        value
            .insert("t", Tuple(vec![json!(1), json!({" b": "x"})]))
            .unwrap();
        value.insert("b", Bytes(vec![0, 255])).unwrap();
        value.insert("m", Markup("<i>".into())).unwrap();
        value.insert("u", Uuid(1)).unwrap();
        value.insert("d", HttpDate(now())).unwrap();
        value.insert("plain", json!({" u": "not a uuid"})).unwrap();
        let cookie = codec.encode_at(&value, now()).unwrap();
        // A decoded session keeps its Python-only values when written again.
        let session = codec
            .decode_session_at(&cookie, now())
            .unwrap()
            .into_value();
        assert_eq!(codec.encode_at(&session, now()).unwrap(), cookie);
        let wire = codec.decode_wire_at(&cookie, now()).unwrap().into_value();
        assert_eq!(
            wire.to_string(),
            r#"{"b":{" b":"AP8="},"d":{" d":"Tue, 14 Nov 2023 22:13:20 GMT"},"m":{" m":"<i>"},"plain":{" di":{" u__":"not a uuid"}},"t":{" t":[1,{" di":{" b__":"x"}}]},"u":{" u":"00000000000000000000000000000001"}}"#
        );
        assert_eq!(codec.encode_at(&wire, now()).unwrap(), cookie);
        let plain = codec
            .decode_at::<Value>(&cookie, now())
            .unwrap()
            .into_value();
        assert_eq!(plain["plain"], json!({" u": "not a uuid"}));
        assert_eq!(plain["t"], json!({" t": [1, {" b": "x"}]}));
        assert_eq!(
            serde_json::from_value::<Uuid>(plain["u"].clone()).unwrap(),
            Uuid(1)
        );
        assert_eq!(
            serde_json::from_value::<HttpDate>(plain["d"].clone()).unwrap(),
            HttpDate(now())
        );
        assert_eq!(
            serde_json::from_value::<Bytes>(plain["b"].clone()).unwrap(),
            Bytes(vec![0, 255])
        );
    }

    #[test]
    fn shareable_and_debug_prints_no_key() {
        fn shareable<T: Send + Sync + Clone>() {}
        shareable::<FlaskCodec>();
        let codec = FlaskCodec::sessions(
            &SecretKeys::new("top-secret-flask-key")
                .unwrap()
                .with_fallback("older-flask-key"),
        );
        let shown = format!("{codec:?}");
        assert!(
            !shown.contains("secret-flask") && !shown.contains("older"),
            "{shown}"
        );
        assert!(shown.contains("cookie-session"), "{shown}");
    }

    #[test]
    fn future_and_far_timestamps() {
        let codec = FlaskCodec::sessions(&SecretKeys::new("k").unwrap());
        let far = codec
            .encode_at(&json!({}), UnixTime::from_secs(i64::MAX))
            .unwrap();
        assert!(matches!(
            codec.decode_at::<Value>(&far, now()),
            Err(DecodeError::Expired { age, .. }) if age < 0
        ));
        let timeless = FlaskCodec::new(
            &SecretKeys::new("k").unwrap(),
            FlaskConfig::SESSIONS.with_max_age(None),
        );
        assert!(timeless.decode_at::<Value>(&far, now()).is_ok());
        // Before 1970 is written as 0.
        let old = codec
            .encode_at(&json!({}), UnixTime::from_secs(-5))
            .unwrap();
        assert!(old.starts_with("e30.."));
    }

    /// A payload without tags is read lazily; it gives the session, the
    /// values, the re-encoded cookie and the errors of the full walk.
    #[test]
    fn lazy_and_full_decodes_agree() {
        let codec = FlaskCodec::sessions(&SecretKeys::new("k").unwrap());
        let sign = |json: &[u8]| {
            let mut out = String::new();
            codec
                .serializer
                .write(&mut out, json, true, now(), &mut Vec::new());
            out
        };
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(130), "]".repeat(130));
        let payloads: Vec<&[u8]> = vec![
            br#"{"a":1,"b":[1,2,{"c":"Zo\u00eb"}],"d":null}"#,
            br#"{"a": 1, "a": 2, "b" : {"x":1,"x":[3]}}"#,
            br#"{"n":123456789012345678901234567890,"f":1E5,"z":-0,"s":"\ud83d\ude00"}"#,
            br#"{" x":1,"y":{" t__":2},"z":" too"}"#,
            br#"{"weird":{" di":{" t__":[1,2]}},"t":{" t":[1]}}"#,
            br#"{"u":{"\u0020u":"00000000000000000000000000000001"}}"#,
            br#"{"b":{" \u0062":"aGk="}}"#,
            br#"{"bad":{" t":1}}"#,
            br#"{}"#,
            b"  {\"a\" : 1 }  ",
            br#"[1,2]"#,
            br#"{"a":}"#,
            br#"{"a":1}x"#,
            br#"{"a":"\ud800"}"#,
            b"{\"a\":\"\xff\"}",
            br#"{"$serde_json::private::RawValue":1}"#,
            deep.as_bytes(),
        ];
        for json in payloads {
            let cookie = sign(json);
            let fast = codec
                .decode_session_at(&cookie, now())
                .map(Decoded::into_value);
            let full = load(json).and_then(|value| match value {
                Py::Dict(entries) => Ok(Session::from_values(entries)),
                _ => Err(DecodeError::BadPayload(PayloadError::Shape {
                    line: 1,
                    column: 1,
                })),
            });
            let shown = String::from_utf8_lossy(json);
            match (fast, full) {
                (Ok(fast), Ok(full)) => {
                    assert_eq!(fast, full, "{shown}");
                    assert!(!fast.is_accessed() && !fast.is_modified());
                    for key in full.keys() {
                        assert_eq!(
                            fast.get::<Value>(key).ok(),
                            full.get::<Value>(key).ok(),
                            "{shown}"
                        );
                    }
                    assert_eq!(
                        codec.encode_at(&fast, now()).unwrap(),
                        codec.encode_at(&full, now()).unwrap(),
                        "{shown}"
                    );
                }
                (Err(fast), Err(full)) => assert_eq!(fast, full, "{shown}"),
                (fast, full) => panic!("{shown}: {fast:?} against {full:?}"),
            }
        }
        // Flask's own JSON reads back value for value, text for text.
        let cookie = codec
            .encode_at(
                &json!({"user": "Zoë", "cart": [1.5, {"b": 1, "a": 2}]}),
                now(),
            )
            .unwrap();
        let session = codec
            .decode_session_at(&cookie, now())
            .unwrap()
            .into_value();
        assert_eq!(
            session.get_json("cart").as_deref(),
            Some(r#"[1.5,{"a":2,"b":1}]"#)
        );
        assert_eq!(session.get_json("user").as_deref(), Some(r#""Zo\u00eb""#));
    }

    #[test]
    fn signed_non_objects_are_bad_payload_for_sessions() {
        let codec = FlaskCodec::sessions(&SecretKeys::new("k").unwrap());
        let cookie = codec.encode_at(&json!([1, 2]), now()).unwrap();
        assert!(codec.decode_at::<Value>(&cookie, now()).is_ok());
        assert!(matches!(
            codec.decode_session_at(&cookie, now()),
            Err(DecodeError::BadPayload(_))
        ));
        let tag = codec
            .encode_at(
                &crate::json::tagged::Wire::parse(r#"{" t": 5}"#).unwrap(),
                now(),
            )
            .unwrap();
        assert_eq!(
            codec.decode_at::<Value>(&tag, now()).unwrap_err(),
            DecodeError::BadPayload(PayloadError::Tag)
        );
    }
}
