//! `django.core.signing`'s `Signer` and `TimestampSigner`, and the signed
//! cookies of `HttpResponse.set_signed_cookie` /
//! `HttpRequest.get_signed_cookie` (`docs/signing.md`).

use std::borrow::Cow;
use std::time::Duration;

use super::signers::{self, Django};
use crate::codec::{Decoded, Limits};
use crate::error::{DecodeError, KeyError, Malformed};
use crate::key::{Secret, SecretKeys};
use crate::sign::mac::{Algorithm, KeyDerivation, MacKey};
use crate::sign::signer::{self, Clock, Timestamped};
use crate::time::{AgeRule, UnixTime};

/// `Signer`'s salt when none (or an empty one) is given: its class path.
const SIGNER_SALT: &str = "django.core.signing.Signer";
/// `TimestampSigner`'s salt when none (or an empty one) is given.
const TIMESTAMP_SIGNER_SALT: &str = "django.core.signing.TimestampSigner";
/// What `get_cookie_signer` puts in front of each secret.
const COOKIE_KEY_PREFIX: &[u8] = b"django.http.cookies";

/// The options of a Django signer: `salt`, `sep` and `algorithm`, with
/// Django's defaults.
///
/// # Examples
///
/// ```
/// use session_cookie::signing::{Algorithm, django::Options};
///
/// let options = Options::new().with_salt("unsubscribe").with_sep("/")?.with_algorithm(Algorithm::Sha512);
/// assert_eq!((options.sep(), options.algorithm()), ("/", Algorithm::Sha512));
/// assert!(Options::new().with_sep("abc").is_err(), "could occur in a signature");
/// # Ok::<(), session_cookie::KeyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    salt: Option<Cow<'static, str>>,
    sep: Cow<'static, str>,
    algorithm: Algorithm,
    limits: Limits,
}

impl Default for Options {
    fn default() -> Self {
        Self::new()
    }
}

impl Options {
    /// Django's defaults: the class path as salt, `:`, SHA-256; and
    /// [`Limits::DEFAULT`] on what is verified.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            salt: None,
            sep: Cow::Borrowed(":"),
            algorithm: Algorithm::Sha256,
            limits: Limits::DEFAULT,
        }
    }

    /// The longest signed value accepted (Django has no bound; a long
    /// forgery would cost one HMAC of its length per key).
    #[must_use]
    pub fn with_limits(self, limits: Limits) -> Self {
        Self { limits, ..self }
    }

    /// See [`Options::with_limits`].
    #[must_use]
    pub const fn limits(&self) -> Limits {
        self.limits
    }

    /// The salt (namespace) of the signatures; an empty salt is the
    /// default, as in Django (`salt or "module.Class"`).
    #[must_use]
    pub fn with_salt(self, salt: impl Into<Cow<'static, str>>) -> Self {
        let salt = salt.into();
        Self {
            salt: (!salt.is_empty()).then_some(salt),
            ..self
        }
    }

    /// The separator between the value, the timestamp and the signature.
    ///
    /// # Errors
    ///
    /// [`KeyError::UnsafeSeparator`] when Django would refuse it (empty, or
    /// only characters of `[A-z0-9-_=]`, a range that includes
    /// ``[\]^_` ``): it could then occur inside a signature.
    pub fn with_sep(self, sep: impl Into<Cow<'static, str>>) -> Result<Self, KeyError> {
        let sep = sep.into();
        // Django's `_SEP_UNSAFE = r"^[A-z0-9-_=]*$"`.
        if sep
            .bytes()
            .all(|b| matches!(b, b'A'..=b'z' | b'0'..=b'9' | b'-' | b'=' ))
        {
            return Err(KeyError::UnsafeSeparator);
        }
        Ok(Self { sep, ..self })
    }

    /// The hash under HMAC.
    #[must_use]
    pub fn with_algorithm(self, algorithm: Algorithm) -> Self {
        Self { algorithm, ..self }
    }

    /// The salt given, or `None` for the class path.
    #[must_use]
    pub fn salt(&self) -> Option<&str> {
        self.salt.as_deref()
    }

    /// See [`Options::with_sep`].
    #[must_use]
    pub fn sep(&self) -> &str {
        &self.sep
    }

    /// See [`Options::with_algorithm`].
    #[must_use]
    pub const fn algorithm(&self) -> Algorithm {
        self.algorithm
    }

    /// The pipeline's signer: key `digest(salt + "signer" + secret)` for
    /// each secret (`prefix` before each, for signed cookies).
    fn signer(&self, keys: &SecretKeys, default_salt: &str, prefix: &[u8]) -> signer::Signer {
        let salt = self.salt.as_deref().unwrap_or(default_salt);
        let derive = |secret: &Secret| {
            let mut key = zeroize::Zeroizing::new(Vec::with_capacity(prefix.len() + secret.len()));
            key.extend_from_slice(prefix);
            key.extend_from_slice(secret.expose());
            KeyDerivation::DjangoConcat.derive(self.algorithm, salt.as_bytes(), &key)
        };
        let fallbacks: Vec<MacKey> = keys.fallbacks().iter().map(derive).collect();
        signer::Signer::new(self.algorithm, &self.sep, derive(keys.signing()), fallbacks)
    }

    fn timestamped(&self, keys: &SecretKeys, prefix: &[u8]) -> Timestamped {
        Timestamped::new(
            self.signer(keys, TIMESTAMP_SIGNER_SALT, prefix),
            Clock::Base62,
            AgeRule::Django,
        )
    }
}

/// `django.core.signing.Signer`: `value + sep + signature`.
///
/// # Examples
///
/// ```
/// use session_cookie::SecretKeys;
/// use session_cookie::signing::django::{Options, Signer};
///
/// let signer = Signer::new(&SecretKeys::new("secret")?, &Options::new());
/// let signed = signer.sign("hello");
/// assert_eq!(signed, "hello:FRBs_KKrjaVe9zJEdlQdiuJ2n9jBEsFOL1Capquoa18");
/// assert_eq!(signer.unsign(&signed)?, "hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub type Signer = signers::Signer<Django>;

impl Signer {
    /// `Signer(key=keys.signing(), fallback_keys=keys.fallbacks(), ...)`.
    #[must_use]
    pub fn new(keys: &SecretKeys, options: &Options) -> Self {
        Self::from_parts(options.signer(keys, SIGNER_SALT, b""), options.limits)
    }
}

/// `django.core.signing.TimestampSigner`: `value + sep + base62(time) + sep
/// + signature`, and Django's age check on the way back.
pub type TimestampSigner = signers::TimestampSigner<Django>;

impl TimestampSigner {
    /// `TimestampSigner(key=..., fallback_keys=..., salt=, sep=, algorithm=)`.
    #[must_use]
    pub fn new(keys: &SecretKeys, options: &Options) -> Self {
        Self::from_parts(options.timestamped(keys, b""), options.limits)
    }
}

/// Django's signed cookies: the value of
/// `response.set_signed_cookie(name, value, salt=salt)` (before cookie
/// quoting) and `request.get_signed_cookie(name, salt=salt, max_age=...)`,
/// as Django 5.2.15 and later make them (CVE-2026-6873).
///
/// The signer is a `TimestampSigner` keyed with `"django.http.cookies" +
/// secret` (each fallback likewise) under the salt
/// `django.http.cookies.v2:{len(salt)}:{salt}{name}`, the length counted in
/// characters. Reading tries that salt, then, unless the first failure was
/// an expiry, the legacy salt `name + salt` that older Django wrote
/// (`SIGNED_COOKIE_LEGACY_SALT_FALLBACK`, on by default in 5.2).
///
/// # Examples
///
/// ```
/// use session_cookie::{SecretKeys, UnixTime};
/// use session_cookie::signing::django::CookieSigner;
///
/// let cookies = CookieSigner::new(&SecretKeys::new("secret")?, "theme", "");
/// let now = UnixTime::from_secs(1_700_000_000);
/// let value = cookies.sign_at("dark", now);
/// assert_eq!(cookies.unsign_at(&value, None, now)?.into_value(), "dark");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct CookieSigner {
    current: TimestampSigner,
    legacy: Option<TimestampSigner>,
}

impl core::fmt::Debug for CookieSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("CookieSigner")
            .field("legacy_salt", &self.legacy.is_some())
            .finish_non_exhaustive()
    }
}

impl CookieSigner {
    /// The signer of cookie `name` under `salt` (Django's default salt is
    /// empty), reading legacy-salt cookies too.
    #[must_use]
    pub fn new(keys: &SecretKeys, name: &str, salt: &str) -> Self {
        let current = format!(
            "django.http.cookies.v2:{}:{salt}{name}",
            salt.chars().count()
        );
        let legacy = format!("{name}{salt}");
        let signer = |salt: String| {
            let options = Options::new().with_salt(salt);
            TimestampSigner::from_parts(
                options.timestamped(keys, COOKIE_KEY_PREFIX),
                options.limits,
            )
        };
        Self {
            current: signer(current),
            legacy: Some(signer(legacy)),
        }
    }

    /// Stops reading cookies signed under the legacy salt
    /// (`SIGNED_COOKIE_LEGACY_SALT_FALLBACK = False`).
    #[must_use]
    pub fn without_legacy_salt(self) -> Self {
        Self {
            legacy: None,
            ..self
        }
    }

    /// The cookie value `set_signed_cookie` sets now.
    #[must_use]
    pub fn sign(&self, value: &str) -> String {
        self.sign_at(value, UnixTime::now())
    }

    /// The cookie value `set_signed_cookie` sets at `now`.
    #[must_use]
    pub fn sign_at(&self, value: &str, now: UnixTime) -> String {
        self.current.sign_at(value, now)
    }

    /// What `get_signed_cookie` returns now.
    ///
    /// # Errors
    ///
    /// As [`CookieSigner::unsign_at`].
    pub fn unsign<'a>(
        &self,
        signed: &'a str,
        max_age: Option<Duration>,
    ) -> Result<Decoded<&'a str>, DecodeError> {
        self.unsign_at(signed, max_age, UnixTime::now())
    }

    /// What `get_signed_cookie` returns at `now`: the current salt, then
    /// (when the current salt did not verify, and the legacy salt is on) the
    /// legacy one. A cookie that verified under the current salt (expired,
    /// or with an unreadable timestamp) is not tried again.
    ///
    /// # Errors
    ///
    /// As [`TimestampSigner::unsign_at`]; the error is the legacy try's
    /// when there was one, as Django raises it.
    pub fn unsign_at<'a>(
        &self,
        signed: &'a str,
        max_age: Option<Duration>,
        now: UnixTime,
    ) -> Result<Decoded<&'a str>, DecodeError> {
        match (self.current.unsign_at(signed, max_age, now), &self.legacy) {
            (Ok(decoded), _) => Ok(decoded),
            // Django's `BadSignature` (no separator, or no key verifies):
            // the legacy salt may still verify.
            (
                Err(DecodeError::BadSignature | DecodeError::Malformed(Malformed::Separators)),
                Some(legacy),
            ) => legacy.unsign_at(signed, max_age, now),
            // Expired, or authentic with an unreadable timestamp (Django
            // raises there): the legacy salt is not tried.
            (Err(err), _) => Err(err),
        }
    }
}
