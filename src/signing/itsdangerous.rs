//! itsdangerous 2.x: `Signer`, `TimestampSigner`, `URLSafeSerializer` and
//! `URLSafeTimedSerializer`, with every key derivation and digest
//! (`docs/signing.md`).

use std::borrow::Cow;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::signers::{self, ItsDangerous};
use crate::codec::{Decoded, Limits};
use crate::error::{DecodeError, EncodeError, KeyError};
use crate::json;
use crate::json::py::{Style, to_py};
use crate::key::{Secret, SecretKeys};
use crate::sign::mac::{Algorithm, KeyDerivation, MacKey};
use crate::sign::signer::{self, Clock, Serializer, Timestamped, payload};
use crate::time::{AgeRule, UnixTime};

/// The salt of `Signer` and `TimestampSigner` when none is given.
const SIGNER_SALT: &str = "itsdangerous.Signer";
/// The salt of the serializers when none is given.
const SERIALIZER_SALT: &str = "itsdangerous";
/// `_base64_alphabet`: a separator that is a part of it is refused.
const BASE64_ALPHABET: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_=";

/// The options of an itsdangerous signer or serializer, with
/// itsdangerous' defaults: `salt`, `sep`, `digest_method`,
/// `key_derivation`, and the limits on what a token may make the decoder
/// do.
///
/// # Examples
///
/// ```
/// use session_cookie::signing::{Algorithm, KeyDerivation, itsdangerous::Options};
///
/// // Flask-WTF's CSRF tokens and most reset links: the defaults with a salt.
/// let options = Options::new().with_salt("wtf-csrf-token");
/// assert_eq!((options.digest(), options.key_derivation()), (Algorithm::Sha1, KeyDerivation::DjangoConcat));
/// assert!(Options::new().with_sep("-").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    salt: Option<Cow<'static, str>>,
    sep: Cow<'static, str>,
    digest: Algorithm,
    key_derivation: KeyDerivation,
    limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Self::new()
    }
}

impl Options {
    /// itsdangerous' defaults: the class's salt, `.`, SHA-1,
    /// `django-concat`; [`Limits::DEFAULT`].
    #[must_use]
    pub const fn new() -> Self {
        Self {
            salt: None,
            sep: Cow::Borrowed("."),
            digest: Algorithm::Sha1,
            key_derivation: KeyDerivation::DjangoConcat,
            limits: Limits::DEFAULT,
        }
    }

    /// The salt; unlike Django, an empty salt is a salt (`b""`).
    #[must_use]
    pub fn with_salt(self, salt: impl Into<Cow<'static, str>>) -> Self {
        Self {
            salt: Some(salt.into()),
            ..self
        }
    }

    /// The separator.
    ///
    /// # Errors
    ///
    /// [`KeyError::UnsafeSeparator`] when itsdangerous would refuse it: it
    /// is empty or a part of the base64 alphabet
    /// `a-zA-Z0-9-_=` (so `-` or `ab` are refused, as there).
    pub fn with_sep(self, sep: impl Into<Cow<'static, str>>) -> Result<Self, KeyError> {
        let sep = sep.into();
        if BASE64_ALPHABET.contains(&*sep) {
            return Err(KeyError::UnsafeSeparator);
        }
        Ok(Self { sep, ..self })
    }

    /// The hash under HMAC (and of the key derivation).
    #[must_use]
    pub fn with_digest(self, digest: Algorithm) -> Self {
        Self { digest, ..self }
    }

    /// How the HMAC key is made from each secret and the salt.
    #[must_use]
    pub fn with_key_derivation(self, key_derivation: KeyDerivation) -> Self {
        Self {
            key_derivation,
            ..self
        }
    }

    /// Bounds on the token length and, for serializers, on the inflated
    /// payload.
    #[must_use]
    pub fn with_limits(self, limits: Limits) -> Self {
        Self { limits, ..self }
    }

    /// The salt given, or `None` for the class's own.
    #[must_use]
    pub fn salt(&self) -> Option<&str> {
        self.salt.as_deref()
    }

    /// See [`Options::with_sep`].
    #[must_use]
    pub fn sep(&self) -> &str {
        &self.sep
    }

    /// See [`Options::with_digest`].
    #[must_use]
    pub const fn digest(&self) -> Algorithm {
        self.digest
    }

    /// See [`Options::with_key_derivation`].
    #[must_use]
    pub const fn key_derivation(&self) -> KeyDerivation {
        self.key_derivation
    }

    /// See [`Options::with_limits`].
    #[must_use]
    pub const fn limits(&self) -> Limits {
        self.limits
    }

    fn signer(&self, keys: &SecretKeys, default_salt: &str) -> signer::Signer {
        let salt = self.salt.as_deref().unwrap_or(default_salt);
        let derive = |secret: &Secret| {
            self.key_derivation
                .derive(self.digest, salt.as_bytes(), secret.expose())
        };
        let fallbacks: Vec<MacKey> = keys.fallbacks().iter().map(derive).collect();
        signer::Signer::new(self.digest, &self.sep, derive(keys.signing()), fallbacks)
    }

    fn timestamped(&self, keys: &SecretKeys, default_salt: &str) -> Timestamped {
        Timestamped::new(
            self.signer(keys, default_salt),
            Clock::Bytes,
            AgeRule::ItsDangerous,
        )
    }
}

/// `itsdangerous.Signer`: `value + sep + signature`.
///
/// # Examples
///
/// ```
/// use session_cookie::SecretKeys;
/// use session_cookie::signing::itsdangerous::{Options, Signer};
///
/// let signer = Signer::new(&SecretKeys::new("secret")?, &Options::new());
/// assert_eq!(signer.sign("hello"), "hello.7KTthSs1fJgtbigPvFpQH1bpoGA");
/// assert_eq!(signer.unsign("hello.7KTthSs1fJgtbigPvFpQH1bpoGA")?, "hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type Signer = signers::Signer<ItsDangerous>;

impl Signer {
    /// `Signer(secret_key=[..fallbacks reversed, signing], salt=, sep=,
    /// key_derivation=, digest_method=)`.
    #[must_use]
    pub fn new(keys: &SecretKeys, options: &Options) -> Self {
        Self::from_parts(options.signer(keys, SIGNER_SALT), options.limits)
    }
}

/// `itsdangerous.TimestampSigner`: `value + sep + base64(time) + sep +
/// signature`, and itsdangerous' age check on the way back.
pub type TimestampSigner = signers::TimestampSigner<ItsDangerous>;

impl TimestampSigner {
    /// `TimestampSigner(secret_key=..., salt=, sep=, key_derivation=,
    /// digest_method=)`.
    #[must_use]
    pub fn new(keys: &SecretKeys, options: &Options) -> Self {
        Self::from_parts(options.timestamped(keys, SIGNER_SALT), options.limits)
    }
}

/// The JSON body of a serializer token: itsdangerous' compact JSON
/// (`ensure_ascii=False`: non-ASCII stays UTF-8, unlike Flask's sessions),
/// compressed when that saves at least two bytes.
fn json_body<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, EncodeError> {
    let mut text = Vec::new();
    to_py(value)
        .map_err(EncodeError::Serialize)?
        .write(&mut text, Style::Utf8Json)
        .map_err(|err| EncodeError::Serialize(serde::ser::Error::custom(err)))?;
    json::check_reserved_keys(&text).map_err(|_| {
        EncodeError::Serialize(serde::ser::Error::custom(
            "an object is keyed by a reserved serde_json token",
        ))
    })?;
    Ok(text)
}

/// `itsdangerous.URLSafeSerializer`: `[.]base64([zlib](json)) + sep +
/// signature`.
///
/// # Examples
///
/// ```
/// use session_cookie::SecretKeys;
/// use session_cookie::signing::itsdangerous::{Options, UrlSafeSerializer};
///
/// let serializer = UrlSafeSerializer::new(&SecretKeys::new("secret")?, &Options::new());
/// let token = serializer.dumps(&serde_json::json!({"user_id": 42}))?;
/// let value: serde_json::Value = serializer.loads(&token)?;
/// assert_eq!(value["user_id"], 42);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct UrlSafeSerializer {
    signer: signer::Signer,
    limits: Limits,
}

impl core::fmt::Debug for UrlSafeSerializer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UrlSafeSerializer")
            .field("sep", &self.signer.sep())
            .finish_non_exhaustive()
    }
}

impl UrlSafeSerializer {
    /// `URLSafeSerializer(secret_key=..., salt=, signer_kwargs={sep,
    /// key_derivation, digest_method})`; the default salt is
    /// `itsdangerous`.
    #[must_use]
    pub fn new(keys: &SecretKeys, options: &Options) -> Self {
        Self {
            signer: options.signer(keys, SERIALIZER_SALT),
            limits: options.limits,
        }
    }

    /// `URLSafeSerializer.dumps(value)`.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Serialize`] when `value` has no JSON form.
    pub fn dumps<T: Serialize + ?Sized>(&self, value: &T) -> Result<String, EncodeError> {
        let mut out = String::new();
        payload::write(&mut out, &json_body(value)?, true, &mut Vec::new());
        self.signer.sign_into(&mut out, 0);
        Ok(out)
    }

    /// `URLSafeSerializer.loads(token)`.
    ///
    /// # Errors
    ///
    /// - [`DecodeError::TooLarge`]: the token or its inflated payload is over
    ///   the options' limits.
    /// - [`DecodeError::Malformed`]: no separator.
    /// - [`DecodeError::BadSignature`]: no key verifies the signature.
    /// - [`DecodeError::BadPayload`]: authentic, but not base64, zlib or JSON
    ///   of a `T`.
    ///
    /// # Security
    ///
    /// Nothing is decoded, inflated or parsed before the signature
    /// verifies.
    pub fn loads<T: DeserializeOwned>(&self, token: &str) -> Result<T, DecodeError> {
        self.limits.check_cookie_len(token)?;
        let proof = self.signer.verify(token)?;
        let data = payload::read(proof.value(), self.limits.max_inflated_len())?;
        Ok(json::from_slice(&data)?)
    }
}

/// `itsdangerous.URLSafeTimedSerializer`: [`UrlSafeSerializer`] over a
/// [`TimestampSigner`]. Flask-WTF's CSRF tokens and most password-reset and
/// e-mail-confirmation links are these.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use session_cookie::{SecretKeys, UnixTime};
/// use session_cookie::signing::itsdangerous::{Options, UrlSafeTimedSerializer};
///
/// let reset = UrlSafeTimedSerializer::new(&SecretKeys::new("secret")?, &Options::new().with_salt("reset"));
/// let now = UnixTime::from_secs(1_700_000_000);
/// let token = reset.dumps_at(&"alice@example.com", now)?;
/// let hour = Some(Duration::from_secs(3600));
/// let email: String = reset.loads_at(&token, hour, now)?.into_value();
/// assert_eq!(email, "alice@example.com");
/// assert!(reset.loads_at::<String>(&token, hour, UnixTime::from_secs(1_700_003_601)).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct UrlSafeTimedSerializer {
    serializer: Serializer,
    limits: Limits,
}

impl core::fmt::Debug for UrlSafeTimedSerializer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("UrlSafeTimedSerializer")
            .field("sep", &self.serializer.signer.signer().sep())
            .finish_non_exhaustive()
    }
}

impl UrlSafeTimedSerializer {
    /// `URLSafeTimedSerializer(secret_key=..., salt=, signer_kwargs=...)`;
    /// the default salt is `itsdangerous`.
    #[must_use]
    pub fn new(keys: &SecretKeys, options: &Options) -> Self {
        Self {
            serializer: Serializer {
                layout: None,
                signer: options.timestamped(keys, SERIALIZER_SALT),
            },
            limits: options.limits,
        }
    }

    /// `URLSafeTimedSerializer.dumps(value)` now.
    ///
    /// # Errors
    ///
    /// As [`UrlSafeTimedSerializer::dumps_at`].
    pub fn dumps<T: Serialize + ?Sized>(&self, value: &T) -> Result<String, EncodeError> {
        self.dumps_at(value, UnixTime::now())
    }

    /// `URLSafeTimedSerializer.dumps(value)` with the clock at `now`.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Serialize`] when `value` has no JSON form.
    pub fn dumps_at<T: Serialize + ?Sized>(
        &self,
        value: &T,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        let mut out = String::new();
        self.serializer
            .write(&mut out, &json_body(value)?, true, now, &mut Vec::new());
        Ok(out)
    }

    /// `URLSafeTimedSerializer.loads(token, max_age=...)` now.
    ///
    /// # Errors
    ///
    /// As [`UrlSafeTimedSerializer::loads_at`].
    pub fn loads<T: DeserializeOwned>(
        &self,
        token: &str,
        max_age: Option<Duration>,
    ) -> Result<Decoded<T>, DecodeError> {
        self.loads_at(token, max_age, UnixTime::now())
    }

    /// `URLSafeTimedSerializer.loads(token, max_age=...)` with the clock at
    /// `now`: length, signature, timestamp, age (as
    /// [`TimestampSigner::unsign_at`]), then base64, zlib and JSON.
    ///
    /// # Errors
    ///
    /// As [`UrlSafeSerializer::loads`], and [`DecodeError::Expired`] when
    /// older than `max_age` or from the future.
    ///
    /// # Security
    ///
    /// Nothing is decoded, inflated or parsed before the signature and the
    /// age are checked.
    pub fn loads_at<T: DeserializeOwned>(
        &self,
        token: &str,
        max_age: Option<Duration>,
        now: UnixTime,
    ) -> Result<Decoded<T>, DecodeError> {
        let (data, stamped) = self.serializer.open(token, now, max_age, self.limits)?;
        Decoded::from_stamped(stamped).try_map(|_| Ok(json::from_slice(&data)?))
    }
}
