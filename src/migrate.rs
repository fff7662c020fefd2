//! Moving sessions from Django's or Flask's cookie to the native format
//! without logging anybody out.
//!
//! A site that switches formats keeps the old codec for verification only:
//! when a request comes with an old-format cookie, [`migrate_at`] verifies
//! it with the old codec (signature, keys, age, exactly as the old framework
//! would) and writes the same session as a native token, signed now, whose
//! first-issue time is the old cookie's signing time. It is
//! [`Migrating`](crate::Migrating), the session layer's migration path, for
//! one cookie: both give the same answers. The native
//! absolute lifetime ([`NativeConfig::with_max_lifetime`](crate::NativeConfig::with_max_lifetime))
//! therefore counts from when the old framework issued the cookie: moving a
//! user over does not give the session a longer life. Users move as they
//! come back; the old keys can go once the old cookies have expired.

use core::fmt;

use serde_json::value::RawValue;

use crate::codec::{Codec, Lineage, Migrating, NativeCodec};
use crate::error::{DecodeError, EncodeError};
use crate::time::UnixTime;

/// A session moved to the native format.
#[derive(Debug, Clone)]
pub struct Migrated {
    token: String,
    /// Exactly as the old cookie carried it (every digit, the key order).
    value: Box<RawValue>,
    first_issued_at: UnixTime,
    key_index: usize,
}

impl PartialEq for Migrated {
    fn eq(&self, other: &Self) -> bool {
        self.token == other.token
            && self.value.get() == other.value.get()
            && self.first_issued_at == other.first_issued_at
            && self.key_index == other.key_index
    }
}

impl Migrated {
    /// The native token to send in place of the old cookie.
    #[must_use]
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The native token, by value.
    #[must_use]
    pub fn into_token(self) -> String {
        self.token
    }

    /// The session that was moved, as the old cookie carried it: its exact
    /// JSON text (every digit of every number).
    #[must_use]
    pub fn value(&self) -> &RawValue {
        &self.value
    }

    /// When the old cookie was signed: the native token's first-issue time.
    #[must_use]
    pub fn first_issued_at(&self) -> UnixTime {
        self.first_issued_at
    }

    /// Which old key verified the old cookie (0 is the signing key).
    #[must_use]
    pub fn old_key_index(&self) -> usize {
        self.key_index
    }
}

/// Why a cookie was not migrated.
#[derive(Debug)]
#[non_exhaustive]
pub enum MigrateError {
    /// The old cookie does not verify or decode (or its session is already
    /// past the native absolute lifetime, as [`DecodeError::Expired`]).
    Decode(DecodeError),
    /// The session cannot be written as a native token (for example it is
    /// over the native size budget).
    Encode(EncodeError),
}

impl MigrateError {
    /// The stable one-word name of the error, as the CLI prints it.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{DecodeError, MigrateError};
    ///
    /// assert_eq!(MigrateError::Decode(DecodeError::BadSignature).kind(), "bad-signature");
    /// ```
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Decode(err) => err.kind(),
            Self::Encode(EncodeError::TooLarge { .. }) => "too-large",
            Self::Encode(EncodeError::Random) => "random",
            Self::Encode(_) => "invalid-json",
        }
    }
}

impl fmt::Display for MigrateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Decode(err) => write!(f, "the old cookie was refused: {err}"),
            Self::Encode(err) => write!(f, "the native token cannot be written: {err}"),
        }
    }
}

impl std::error::Error for MigrateError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Decode(err) => Some(err),
            Self::Encode(err) => Some(err),
        }
    }
}

/// Migrates `cookie` now. See [`migrate_at`].
///
/// # Errors
///
/// As [`migrate_at`].
///
/// # Examples
///
/// ```
/// use session_cookie::{DjangoCodec, SecretKeys, MasterKey, NativeCodec, NativeConfig, NativeKeyRing, migrate};
///
/// let django = DjangoCodec::sessions(&SecretKeys::new("django-secret")?);
/// let old = django.encode(&serde_json::json!({"_auth_user_id": "7"}))?;
/// let native = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k1")?), NativeConfig::SIGNED)?;
/// let moved = migrate(&old, &django, &native)?;
/// assert_eq!(native.decode::<serde_json::Value>(moved.token())?.into_value()["_auth_user_id"], "7");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn migrate<Old: Codec + ?Sized>(
    cookie: &str,
    from: &Old,
    to: &NativeCodec,
) -> Result<Migrated, MigrateError> {
    migrate_at(cookie, from, to, UnixTime::now())
}

/// Verifies `cookie` with the old format's codec `from` as of `now` and
/// re-issues its session as a native token signed at `now`, whose
/// first-issue time is the old cookie's signing time: what
/// [`Migrating`](crate::Migrating) does in the session layer.
///
/// # Errors
///
/// - [`MigrateError::Decode`] with the old codec's error when the cookie
///   does not verify, has expired under the old codec's maximum age, or does
///   not decode; or with [`DecodeError::Expired`] when the session is
///   already older than `to`'s absolute lifetime (the token would be
///   refused at once).
/// - [`MigrateError::Encode`] when the native token cannot be written.
///
/// # Security
///
/// Nothing is re-issued that the old codec did not verify: migration never
/// widens what is accepted. Keep the old codec's maximum age as it was, so
/// that a cookie the old framework would refuse is not moved over.
///
/// # Examples
///
/// ```
/// use session_cookie::{
///     DjangoCodec, SecretKeys, MasterKey, NativeCodec, NativeConfig, NativeKeyRing, UnixTime, migrate_at,
/// };
///
/// let django = DjangoCodec::sessions(&SecretKeys::new("django-secret")?);
/// let signed = UnixTime::from_secs(1_700_000_000);
/// let old = django.encode_at(&serde_json::json!({"user_id": 42}), signed)?;
///
/// let config = NativeConfig::SIGNED.with_max_lifetime(Some(30 * 86_400));
/// let native = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k1")?), config)?;
/// let now = UnixTime::from_secs(1_700_086_400);
/// let moved = migrate_at(&old, &django, &native, now)?;
/// let decoded = native.decode_at::<serde_json::Value>(moved.token(), now)?;
/// assert_eq!((decoded.first_issued_at(), decoded.issued_at()), (signed, now));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn migrate_at<Old: Codec + ?Sized>(
    cookie: &str,
    from: &Old,
    to: &NativeCodec,
    now: UnixTime,
) -> Result<Migrated, MigrateError> {
    let decoded = Migrating::new(to, from)
        .decode_old_at(cookie, now)
        .map_err(MigrateError::Decode)?;
    let first_issued_at = decoded.first_issued_at();
    let key_index = decoded.key_index();
    let value = decoded.into_value();
    let token = to
        .encode_with_lineage_at(&value, Lineage::new(first_issued_at, None), now)
        .map_err(MigrateError::Encode)?;
    Ok(Migrated {
        token,
        value,
        first_issued_at,
        key_index,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::{DjangoCodec, MasterKey, NativeConfig, NativeKeyRing, SecretKeys};

    fn native(config: NativeConfig) -> NativeCodec {
        let key = MasterKey::new("k1", vec![0x5a; 16].into_iter().chain(1..=16).collect()).unwrap();
        NativeCodec::new(&NativeKeyRing::new(key), config).unwrap()
    }

    #[test]
    fn keeps_the_issue_time_and_refuses_what_django_refuses() {
        let django = DjangoCodec::sessions(&SecretKeys::new("s").unwrap());
        let signed = UnixTime::from_secs(1_000_000);
        let old = django.encode_at(&json!({"a": 1}), signed).unwrap();
        let to = native(NativeConfig::SIGNED.with_max_lifetime(Some(100)));
        let now = UnixTime::from_secs(1_000_050);
        let moved = migrate_at(&old, &django, &to, now).unwrap();
        assert_eq!(moved.first_issued_at(), signed);
        let decoded = to
            .decode_at::<serde_json::Value>(moved.token(), now)
            .unwrap();
        assert_eq!(decoded.first_issued_at(), signed);
        assert_eq!(decoded.value(), &json!({"a": 1}));
        assert_eq!(moved.value().get(), r#"{"a":1}"#);

        // Past the native absolute lifetime: refused rather than issued dead.
        let late = UnixTime::from_secs(1_000_101);
        assert!(matches!(
            migrate_at(&old, &django, &to, late),
            Err(MigrateError::Decode(DecodeError::Expired {
                max_age: 100,
                ..
            }))
        ));
        // Forged: refused with the old codec's verdict.
        let forged = old.replacen('e', "f", 1);
        let err = migrate_at(&forged, &django, &to, now).unwrap_err();
        assert!(matches!(err.kind(), "bad-signature" | "malformed"), "{err}");
    }

    /// Regression: the session went through a `serde_json::Value`, which
    /// (without `arbitrary_precision`) rounded integers beyond 64 bits,
    /// misread some float literals by one unit and refused `1e400`.
    #[test]
    fn numbers_move_exactly() {
        let text = r#"{"big":123456789012345678901234567890,"f":2.9041626523654343e-83,"huge":1e400,"neg":-18446744073709551617}"#;
        let django = DjangoCodec::sessions(&SecretKeys::new("s").unwrap());
        let now = UnixTime::from_secs(1_000_000);
        let raw = RawValue::from_string(text.to_owned()).unwrap();
        let old = django.encode_at(&raw, now).unwrap();
        let to = native(NativeConfig::SIGNED);
        let moved = migrate_at(&old, &django, &to, now).unwrap();
        assert_eq!(moved.value().get(), text);
        let token = to.decode_at::<Box<RawValue>>(moved.token(), now).unwrap();
        assert_eq!(
            crate::json::to_string(token.value()).unwrap(),
            crate::json::to_string(&raw).unwrap()
        );
    }
}
