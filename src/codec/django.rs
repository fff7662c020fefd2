//! The Django codec: size, structure, signature, age, then base64,
//! inflation and JSON.

use std::borrow::Cow;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Decoded, Limits, Payload, Serde, with_scratch};
use crate::error::{DecodeError, EncodeError};
use crate::format::django;
use crate::json;
use crate::key::SecretKeys;
use crate::session::Session;
use crate::sign::signer::Serializer;
use crate::time::UnixTime;

/// Django's `SESSION_COOKIE_AGE` default: two weeks, in seconds.
pub const DJANGO_SESSION_COOKIE_AGE: u64 = 1_209_600;

/// How a [`DjangoCodec`] signs and checks: salt, compression, maximum age
/// and limits.
///
/// [`DjangoConfig::SESSIONS`] is the `signed_cookies` session backend;
/// [`DjangoConfig::SIGNING`] is a bare `signing.dumps` / `signing.loads`.
///
/// # Examples
///
/// ```
/// use session_cookie::DjangoConfig;
///
/// let config = DjangoConfig::SIGNING.with_salt("my.app").with_max_age(Some(3600));
/// assert_eq!(config.salt(), "my.app");
/// assert!(!config.compress());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DjangoConfig {
    salt: Cow<'static, str>,
    compress: bool,
    max_age: Option<u64>,
    limits: Limits,
}

impl DjangoConfig {
    /// The `signed_cookies` session backend: salt
    /// `django.contrib.sessions.backends.signed_cookies`, compression on,
    /// maximum age `SESSION_COOKIE_AGE` (1209600 s).
    pub const SESSIONS: Self = Self {
        salt: Cow::Borrowed(django::SESSION_SALT),
        compress: true,
        max_age: Some(DJANGO_SESSION_COOKIE_AGE),
        limits: Limits::DEFAULT,
    };

    /// `signing.dumps` / `signing.loads` defaults: salt
    /// `django.core.signing`, no compression, no maximum age.
    pub const SIGNING: Self = Self {
        salt: Cow::Borrowed(django::SIGNING_SALT),
        compress: false,
        max_age: None,
        limits: Limits::DEFAULT,
    };

    /// The namespace that keeps signatures for one purpose from verifying
    /// for another. An empty salt means what it means in Django:
    /// `django.core.signing.TimestampSigner`.
    #[must_use]
    pub fn with_salt(self, salt: impl Into<Cow<'static, str>>) -> Self {
        Self {
            salt: salt.into(),
            ..self
        }
    }

    /// Whether to zlib-compress payloads (only when it saves two bytes).
    #[must_use]
    pub fn with_compress(self, compress: bool) -> Self {
        Self { compress, ..self }
    }

    /// Maximum age in seconds, or `None` for no limit.
    #[must_use]
    pub fn with_max_age(self, max_age: Option<u64>) -> Self {
        Self { max_age, ..self }
    }

    /// Bounds on cookie length and inflated size.
    #[must_use]
    pub fn with_limits(self, limits: Limits) -> Self {
        Self { limits, ..self }
    }

    /// See [`DjangoConfig::with_salt`].
    #[must_use]
    pub fn salt(&self) -> &str {
        &self.salt
    }

    /// See [`DjangoConfig::with_compress`].
    #[must_use]
    pub fn compress(&self) -> bool {
        self.compress
    }

    /// See [`DjangoConfig::with_max_age`].
    #[must_use]
    pub fn max_age(&self) -> Option<u64> {
        self.max_age
    }

    /// See [`DjangoConfig::with_limits`].
    #[must_use]
    pub fn limits(&self) -> Limits {
        self.limits
    }
}

/// Reads and writes Django signed values: `signed_cookies` session cookies
/// and `django.core.signing.dumps` output, byte for byte.
///
/// The HMAC keys are derived once, when the codec is built; encoding and
/// decoding only clone precomputed HMAC states. A codec is `Send + Sync`:
/// build one at start-up and share it.
///
/// # Examples
///
/// ```
/// use session_cookie::{DjangoCodec, SecretKeys, Session};
///
/// let codec = DjangoCodec::sessions(&SecretKeys::new("django-insecure-example")?);
/// let mut session = Session::new();
/// session.insert("user_id", 42)?;
/// let cookie = codec.encode(&session)?;
///
/// let session = codec.decode_session(&cookie)?.into_value();
/// assert_eq!(session.get::<u64>("user_id")?, Some(42));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct DjangoCodec {
    serializer: Serializer,
    config: DjangoConfig,
}

impl core::fmt::Debug for DjangoCodec {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("DjangoCodec")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl DjangoCodec {
    /// A codec for `ring` with `config`; derives every key's HMAC state now.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{DjangoCodec, DjangoConfig, SecretKeys};
    ///
    /// let codec = DjangoCodec::new(&SecretKeys::new("k")?, DjangoConfig::SIGNING.with_salt("app"));
    /// assert_eq!(codec.config().salt(), "app");
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    pub fn new(ring: &SecretKeys, config: DjangoConfig) -> Self {
        Self {
            serializer: django::serializer(&config.salt, ring),
            config,
        }
    }

    /// The `signed_cookies` session backend's codec
    /// ([`DjangoConfig::SESSIONS`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = session_cookie::DjangoCodec::sessions(&session_cookie::SecretKeys::new("k")?);
    /// assert!(codec.config().compress());
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    pub fn sessions(ring: &SecretKeys) -> Self {
        Self::new(ring, DjangoConfig::SESSIONS)
    }

    /// `signing.dumps` / `signing.loads` with their defaults
    /// ([`DjangoConfig::SIGNING`]).
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = session_cookie::DjangoCodec::signing(&session_cookie::SecretKeys::new("k")?);
    /// assert_eq!(codec.config().max_age(), None);
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    pub fn signing(ring: &SecretKeys) -> Self {
        Self::new(ring, DjangoConfig::SIGNING)
    }

    /// The configuration this codec was built with.
    #[must_use]
    pub fn config(&self) -> &DjangoConfig {
        &self.config
    }

    /// Signs `value` now. See [`DjangoCodec::encode_at`].
    ///
    /// # Errors
    ///
    /// [`EncodeError::Serialize`] when `value` cannot be written as JSON.
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = session_cookie::DjangoCodec::signing(&session_cookie::SecretKeys::new("k")?);
    /// let cookie = codec.encode(&[1, 2, 3])?;
    /// assert_eq!(cookie.split(':').count(), 3);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode<T: Serialize + ?Sized>(&self, value: &T) -> Result<String, EncodeError> {
        self.encode_at(value, UnixTime::now())
    }

    /// Signs `value` as if the time were `now`: the same bytes Django's
    /// `signing.dumps` writes at that second.
    ///
    /// A [`Session`] is written faster through [`Codec::encode_at`](crate::Codec::encode_at)
    /// (the same bytes): there it writes its own JSON, where here any
    /// `Serialize` value goes through serde.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Serialize`] when `value` cannot be written as JSON.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{DjangoCodec, SecretKeys, UnixTime};
    ///
    /// let ring = SecretKeys::new("django-insecure-pub-7c1f0e9a2b4d4c6e8f0a1b3c5d7e9f11-vectors")?;
    /// let cookie = DjangoCodec::signing(&ring)
    ///     .encode_at(&serde_json::json!({}), UnixTime::from_secs(1_700_000_000))?;
    /// assert_eq!(cookie, "e30:1r31eq:TMBbhb4teavI4BHqfCbpRbnHe5KBuvfcnIIsqMgitk0");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode_at<T: Serialize + ?Sized>(
        &self,
        value: &T,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        self.encode_payload_at(&Serde(value), now)
    }

    /// [`DjangoCodec::encode_at`] of any [`Payload`].
    pub(crate) fn encode_payload_at<P: Payload + ?Sized>(
        &self,
        value: &P,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        let mut out = String::new();
        self.write_payload_into(value, now, &mut out)?;
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
    /// use session_cookie::{DjangoCodec, SecretKeys, UnixTime};
    ///
    /// let codec = DjangoCodec::signing(&SecretKeys::new("k")?);
    /// let mut buffer = String::new();
    /// codec.encode_into(&1, UnixTime::from_secs(0), &mut buffer)?;
    /// assert!(buffer.starts_with("MQ:0:"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn encode_into<T: Serialize + ?Sized>(
        &self,
        value: &T,
        now: UnixTime,
        out: &mut String,
    ) -> Result<(), EncodeError> {
        self.write_payload_into(&Serde(value), now, out)
    }

    fn write_payload_into<P: Payload + ?Sized>(
        &self,
        value: &P,
        now: UnixTime,
        out: &mut String,
    ) -> Result<(), EncodeError> {
        with_scratch(|scratch| {
            value
                .write_json(&mut scratch.json)
                .map_err(EncodeError::Serialize)?;
            self.serializer.write(
                out,
                &scratch.json,
                self.config.compress,
                now,
                &mut scratch.bytes,
            );
            Ok(())
        })
    }

    /// Verifies and decodes `cookie` now. See [`DjangoCodec::decode_at`].
    ///
    /// # Errors
    ///
    /// As [`DjangoCodec::decode_at`].
    ///
    /// # Examples
    ///
    /// ```
    /// let codec = session_cookie::DjangoCodec::signing(&session_cookie::SecretKeys::new("k")?);
    /// let cookie = codec.encode(&"hello")?;
    /// assert_eq!(codec.decode::<String>(&cookie)?.into_value(), "hello");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode<T: DeserializeOwned>(&self, cookie: &str) -> Result<Decoded<T>, DecodeError> {
        self.decode_at(cookie, UnixTime::now())
    }

    /// Verifies `cookie` as of `now` and decodes its payload as `T`.
    ///
    /// The checks run in this order, and each later one runs only when the
    /// earlier ones passed: length, structure, signature (the signing key,
    /// then each fallback), age, base64, inflation (capped), JSON.
    ///
    /// # Errors
    ///
    /// - [`DecodeError::TooLarge`]: the cookie or its inflated payload is
    ///   over the configured [`Limits`].
    /// - [`DecodeError::Malformed`]: not three fields of the right alphabets.
    /// - [`DecodeError::BadSignature`]: no key verifies it.
    /// - [`DecodeError::Expired`]: authentic, but older than the maximum age.
    /// - [`DecodeError::BadPayload`]: authentic, but the content does not
    ///   decode as `T`.
    ///
    /// # Security
    ///
    /// Nothing but the structure is looked at before the HMAC verifies in
    /// constant time; no error carries bytes of the cookie.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{DecodeError, DjangoCodec, SecretKeys, UnixTime};
    ///
    /// let codec = DjangoCodec::sessions(&SecretKeys::new("k")?);
    /// let cookie = codec.encode_at(&serde_json::json!({"a": 1}), UnixTime::from_secs(0))?;
    /// let later = UnixTime::from_secs(1_209_601);
    /// assert!(matches!(
    ///     codec.decode_at::<serde_json::Value>(&cookie, later),
    ///     Err(DecodeError::Expired { age: 1_209_601, max_age: 1_209_600 })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode_at<T: DeserializeOwned>(
        &self,
        cookie: &str,
        now: UnixTime,
    ) -> Result<Decoded<T>, DecodeError> {
        self.open_at(cookie, now)?
            .try_map(|json| json::from_slice(&json).map_err(DecodeError::BadPayload))
    }

    /// Every check of [`DjangoCodec::decode_at`] up to the JSON, which it
    /// returns as bytes.
    fn open_at(&self, cookie: &str, now: UnixTime) -> Result<Decoded<Vec<u8>>, DecodeError> {
        let max_age = self.config.max_age.map(Duration::from_secs);
        let (payload, stamped) = self
            .serializer
            .open(cookie, now, max_age, self.config.limits)?;
        Decoded::from_stamped(stamped).try_map(|_| {
            Ok(match django::latin1_json(&payload) {
                Cow::Owned(utf8) => utf8,
                Cow::Borrowed(_) => payload,
            })
        })
    }

    /// Verifies and decodes a session cookie now. See
    /// [`DjangoCodec::decode_session_at`].
    ///
    /// # Errors
    ///
    /// As [`DjangoCodec::decode_at`]; a payload that is not a JSON object is
    /// [`DecodeError::BadPayload`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{DjangoCodec, SecretKeys, Session};
    ///
    /// let codec = DjangoCodec::sessions(&SecretKeys::new("k")?);
    /// let cookie = codec.encode(&Session::new())?;
    /// assert!(codec.decode_session(&cookie)?.value().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode_session(&self, cookie: &str) -> Result<Decoded<Session>, DecodeError> {
        self.decode_session_at(cookie, UnixTime::now())
    }

    /// Verifies `cookie` as of `now` and decodes it as a [`Session`],
    /// unmodified and not yet accessed.
    ///
    /// # Errors
    ///
    /// As [`DjangoCodec::decode_at`]; a payload that is not a JSON object is
    /// [`DecodeError::BadPayload`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{DjangoCodec, SecretKeys, UnixTime};
    ///
    /// let codec = DjangoCodec::sessions(&SecretKeys::new("k")?);
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// let cookie = codec.encode_at(&serde_json::json!({"user_id": 5}), now)?;
    /// let session = codec.decode_session_at(&cookie, now)?.into_value();
    /// assert_eq!(session.get::<u32>("user_id")?, Some(5));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decode_session_at(
        &self,
        cookie: &str,
        now: UnixTime,
    ) -> Result<Decoded<Session>, DecodeError> {
        self.open_at(cookie, now)?.try_map(Session::from_json_bytes)
    }
}
