//! The one trait every session format implements, and the one migration
//! path between two of them.

use core::time::Duration;

use serde_json::value::RawValue;

use crate::codec::{Decoded, DjangoCodec, Lineage, NativeCodec};
use crate::error::{DecodeError, EncodeError};
use crate::session::Session;
use crate::time::{AgeRule, UnixTime};

/// A session cookie format: what the HTTP layer, [`migrate_at`] and the
/// CLI need from a codec.
///
/// [`NativeCodec`], [`DjangoCodec`] and (feature `flask`)
/// [`FlaskCodec`](crate::FlaskCodec) implement it, and so does
/// [`Migrating`]; implement it for another format to use that format with
/// them. The values a codec writes must be ASCII cookie values (RFC 6265
/// `cookie-octet`s).
///
/// [`migrate_at`]: crate::migrate_at
///
/// # Examples
///
/// ```
/// use session_cookie::{Codec, DjangoCodec, SecretKeys, Session, UnixTime};
///
/// let codec = DjangoCodec::sessions(&SecretKeys::new("example-secret")?);
/// let now = UnixTime::from_secs(1_700_000_000);
/// let mut session = Session::new();
/// session.insert("user_id", 7)?;
/// let value = Codec::encode_at(&codec, &session, None, now)?;
/// let decoded = Codec::decode_at(&codec, &value, now)?;
/// assert_eq!(decoded.value().get::<u32>("user_id")?, Some(7));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Codec: Send + Sync {
    /// Verifies a cookie value as of `now` and decodes the session in it.
    ///
    /// # Errors
    ///
    /// Any [`DecodeError`]: the session layer treats every error as an
    /// empty session, as Django does.
    fn decode_at(&self, value: &str, now: UnixTime) -> Result<Decoded<Session>, DecodeError>;

    /// The payload as exact JSON text (every digit, the key order), as an
    /// application of another format would see it: values only this format
    /// can carry come in a form every format can write (Flask's Python-only
    /// values as their one-key tag objects). Any JSON value, not only a
    /// session object: this is what migration moves.
    ///
    /// # Errors
    ///
    /// As [`Codec::decode_at`], except that the payload need not be an
    /// object. The default decodes the session and writes it as JSON.
    fn decode_json_at(
        &self,
        value: &str,
        now: UnixTime,
    ) -> Result<Decoded<Box<RawValue>>, DecodeError> {
        self.decode_at(value, now)?.try_map(|session| {
            crate::json::to_string(&session)
                .ok()
                .and_then(|text| RawValue::from_string(text).ok())
                .ok_or(DecodeError::BadPayload(crate::error::PayloadError::Shape {
                    line: 1,
                    column: 1,
                }))
        })
    }

    /// Writes `session` as of `now`. `lineage` is what the session being
    /// written again keeps (from [`Decoded::lineage`]: its id and
    /// first-issue time), `None` for a new session; formats without an id
    /// or an absolute lifetime ignore it.
    ///
    /// # Errors
    ///
    /// Any [`EncodeError`].
    fn encode_at(
        &self,
        session: &Session,
        lineage: Option<Lineage>,
        now: UnixTime,
    ) -> Result<String, EncodeError>;

    /// The length of the value [`Codec::encode_at`] would write now. The
    /// default encodes and measures; override it when the length can be
    /// known without the cryptography.
    ///
    /// # Errors
    ///
    /// As [`Codec::encode_at`].
    fn encoded_len(&self, session: &Session) -> Result<usize, EncodeError> {
        self.encode_at(session, None, UnixTime::now())
            .map(|value| value.len())
    }

    /// The absolute lifetime in seconds, counted from the first issue, that
    /// this format enforces; `None` when it has none (Django, Flask).
    fn max_lifetime(&self) -> Option<u64> {
        None
    }

    /// The last moment at which this codec still accepts a token of a
    /// session first issued at `first_issued_at`, when the token was
    /// issued at `issued_by` or earlier (`None`: whenever, the session
    /// being re-issued for as long as it is used). `None` when nothing
    /// bounds it. A revocation record is kept until then and no longer
    /// ([`crate::revoke`]).
    ///
    /// The default, `None`, keeps records for ever; formats with a
    /// maximum age override it.
    fn accepted_until(
        &self,
        first_issued_at: UnixTime,
        issued_by: Option<UnixTime>,
    ) -> Option<UnixTime> {
        let _ = (first_issued_at, issued_by);
        None
    }
}

/// `at + secs`, saturating.
fn later(at: UnixTime, secs: u64) -> UnixTime {
    UnixTime::from_secs(
        at.as_secs()
            .saturating_add(i64::try_from(secs).unwrap_or(i64::MAX)),
    )
}

/// Formats whose first-issue time is the cookie's own signing time (Django,
/// Flask): a session first issued at `first_issued_at` is a cookie signed
/// then, and accepted until its maximum age has passed.
fn signed_until(first_issued_at: UnixTime, max_age: Option<u64>) -> Option<UnixTime> {
    max_age.map(|max_age| later(first_issued_at, max_age))
}

impl<C: Codec + ?Sized> Codec for &C {
    fn decode_at(&self, value: &str, now: UnixTime) -> Result<Decoded<Session>, DecodeError> {
        (**self).decode_at(value, now)
    }

    fn decode_json_at(
        &self,
        value: &str,
        now: UnixTime,
    ) -> Result<Decoded<Box<RawValue>>, DecodeError> {
        (**self).decode_json_at(value, now)
    }

    fn encode_at(
        &self,
        session: &Session,
        lineage: Option<Lineage>,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        (**self).encode_at(session, lineage, now)
    }

    fn encoded_len(&self, session: &Session) -> Result<usize, EncodeError> {
        (**self).encoded_len(session)
    }

    fn max_lifetime(&self) -> Option<u64> {
        (**self).max_lifetime()
    }

    fn accepted_until(
        &self,
        first_issued_at: UnixTime,
        issued_by: Option<UnixTime>,
    ) -> Option<UnixTime> {
        (**self).accepted_until(first_issued_at, issued_by)
    }
}

impl Codec for NativeCodec {
    fn decode_at(&self, value: &str, now: UnixTime) -> Result<Decoded<Session>, DecodeError> {
        // Lazily: a request that reads `user_id` parses nothing else.
        self.decode_session_at(value, now)
    }

    fn decode_json_at(
        &self,
        value: &str,
        now: UnixTime,
    ) -> Result<Decoded<Box<RawValue>>, DecodeError> {
        NativeCodec::decode_at(self, value, now)
    }

    fn encode_at(
        &self,
        session: &Session,
        lineage: Option<Lineage>,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        self.encode_payload(session, lineage.unwrap_or(Lineage::new(now, None)), now)
    }

    fn encoded_len(&self, session: &Session) -> Result<usize, EncodeError> {
        // `NativeCodec::encoded_len` counts `name=` too.
        let name = self.config().cookie_name().len() + 1;
        self.payload_len(session)
            .map(|len| len.saturating_sub(name))
    }

    fn max_lifetime(&self) -> Option<u64> {
        self.config().max_lifetime()
    }

    fn accepted_until(
        &self,
        first_issued_at: UnixTime,
        issued_by: Option<UnixTime>,
    ) -> Option<UnixTime> {
        // A token issued up to `skew` ahead of the reader's clock is
        // accepted, and lives `max_age` from its own issue time.
        let config = self.config();
        let idle = issued_by
            .zip(config.max_age())
            .map(|(at, max_age)| later(at, max_age.saturating_add(config.skew())));
        let absolute = config
            .max_lifetime()
            .map(|lifetime| later(first_issued_at, lifetime));
        match (idle, absolute) {
            (Some(idle), Some(absolute)) => Some(idle.min(absolute)),
            (idle, absolute) => idle.or(absolute),
        }
    }
}

impl Codec for DjangoCodec {
    fn decode_at(&self, value: &str, now: UnixTime) -> Result<Decoded<Session>, DecodeError> {
        self.decode_session_at(value, now)
    }

    fn decode_json_at(
        &self,
        value: &str,
        now: UnixTime,
    ) -> Result<Decoded<Box<RawValue>>, DecodeError> {
        DjangoCodec::decode_at(self, value, now)
    }

    fn encode_at(
        &self,
        session: &Session,
        _lineage: Option<Lineage>,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        self.encode_payload_at(session, now)
    }

    fn accepted_until(
        &self,
        first_issued_at: UnixTime,
        _issued_by: Option<UnixTime>,
    ) -> Option<UnixTime> {
        signed_until(first_issued_at, self.config().max_age())
    }
}

#[cfg(feature = "flask")]
impl Codec for crate::codec::FlaskCodec {
    fn decode_at(&self, value: &str, now: UnixTime) -> Result<Decoded<Session>, DecodeError> {
        self.decode_session_at(value, now)
    }

    fn decode_json_at(
        &self,
        value: &str,
        now: UnixTime,
    ) -> Result<Decoded<Box<RawValue>>, DecodeError> {
        // The application's view: Python-only values as tag objects.
        crate::codec::FlaskCodec::decode_at(self, value, now)
    }

    fn encode_at(
        &self,
        session: &Session,
        _lineage: Option<Lineage>,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        crate::codec::FlaskCodec::encode_at(self, session, now)
    }

    fn accepted_until(
        &self,
        first_issued_at: UnixTime,
        _issued_by: Option<UnixTime>,
    ) -> Option<UnixTime> {
        signed_until(first_issued_at, self.config().max_age())
    }
}

/// Reads the cookies of an old format as well as those of the new one, and
/// writes only the new one: users move to the new format as they come
/// back, without logging in again. [`migrate_at`](crate::migrate_at) is
/// this, for one cookie.
///
/// A cookie the new codec refuses is tried with the old one. One the old
/// codec accepts is marked [`needs_reissue`](Decoded::needs_reissue), and
/// its issue time becomes its first-issue time, so the new format's
/// absolute lifetime counts from when the user really logged in: an old
/// cookie already past it is refused as [`DecodeError::Expired`] rather than
/// moved over. Values only the old format can carry are moved in the form
/// [`Codec::decode_json_at`] gives. A cookie neither accepts is refused with
/// the old codec's reason when it has the old format's structure, and with
/// the new codec's otherwise.
///
/// # Security
///
/// Every cookie the new codec refuses, forgeries included, also costs the
/// old codec's verification. Remove the old codec once the old cookies have
/// expired (the old format's maximum age after switching).
///
/// # Examples
///
/// ```
/// use session_cookie::{Codec, DjangoCodec, SecretKeys, MasterKey, Migrating, NativeCodec, NativeConfig, NativeKeyRing, UnixTime};
///
/// let django = DjangoCodec::sessions(&SecretKeys::new("the-old-django-secret")?);
/// let t0 = UnixTime::from_secs(1_700_000_000);
/// let old_cookie = django.encode_at(&serde_json::json!({"user_id": 7}), t0)?;
///
/// let native = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k1")?), NativeConfig::ENCRYPTED)?;
/// let codec = Migrating::new(native, django);
/// let t1 = UnixTime::from_secs(1_700_000_600);
/// let decoded = Codec::decode_at(&codec, &old_cookie, t1)?;
/// assert!(decoded.needs_reissue());
/// let new_cookie = Codec::encode_at(&codec, decoded.value(), Some(decoded.lineage()), t1)?;
/// let again = Codec::decode_at(&codec, &new_cookie, t1)?;
/// assert_eq!((again.first_issued_at(), again.needs_reissue()), (t0, false));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Migrating<New, Old> {
    new: New,
    old: Old,
}

impl<New: Codec, Old: Codec> Migrating<New, Old> {
    /// Reads both formats, writes `new`'s.
    #[must_use]
    pub fn new(new: New, old: Old) -> Self {
        Self { new, old }
    }

    /// An old-format cookie's payload, verified by the old codec and
    /// checked against the new codec's absolute lifetime: the one rule both
    /// this type and [`migrate_at`](crate::migrate_at) follow.
    pub(crate) fn decode_old_at(
        &self,
        value: &str,
        now: UnixTime,
    ) -> Result<Decoded<Box<RawValue>>, DecodeError> {
        let mut decoded = self.old.decode_json_at(value, now)?;
        let max_lifetime = self.new.max_lifetime().map(Duration::from_secs);
        AgeRule::Django.check(decoded.issued_at(), now, max_lifetime)?;
        decoded.first_issued_at = decoded.issued_at;
        decoded.needs_reissue = true;
        Ok(decoded)
    }
}

impl<New: Codec, Old: Codec> Codec for Migrating<New, Old> {
    fn decode_at(&self, value: &str, now: UnixTime) -> Result<Decoded<Session>, DecodeError> {
        match self.new.decode_at(value, now) {
            Ok(decoded) => Ok(decoded),
            Err(refused) => match self.decode_old_at(value, now) {
                Ok(old) => old.try_map(|json| Session::from_json_bytes(json.get().into())),
                Err(err) => Err(reason(refused, err)),
            },
        }
    }

    fn encode_at(
        &self,
        session: &Session,
        lineage: Option<Lineage>,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        self.new.encode_at(session, lineage, now)
    }

    fn decode_json_at(
        &self,
        value: &str,
        now: UnixTime,
    ) -> Result<Decoded<Box<RawValue>>, DecodeError> {
        self.new.decode_json_at(value, now).or_else(|refused| {
            self.decode_old_at(value, now)
                .map_err(|err| reason(refused, err))
        })
    }

    fn encoded_len(&self, session: &Session) -> Result<usize, EncodeError> {
        self.new.encoded_len(session)
    }

    fn max_lifetime(&self) -> Option<u64> {
        self.new.max_lifetime()
    }

    fn accepted_until(
        &self,
        first_issued_at: UnixTime,
        issued_by: Option<UnixTime>,
    ) -> Option<UnixTime> {
        // Either format's tokens may be out there: the later bound, if both
        // have one.
        let new = self.new.accepted_until(first_issued_at, issued_by)?;
        let old = self.old.accepted_until(first_issued_at, issued_by)?;
        Some(new.max(old))
    }
}

/// The refusal to report when neither format accepts a cookie: the old
/// format's when the cookie has the old format's structure (the new one
/// found it malformed and the old one did not) or the old codec verified it
/// (expired); otherwise the new format's.
fn reason(new: DecodeError, old: DecodeError) -> DecodeError {
    match (&new, &old) {
        (DecodeError::Malformed(_), DecodeError::Malformed(_)) => new,
        (DecodeError::Malformed(_), _) | (_, DecodeError::Expired { .. }) => old,
        _ => new,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::NativeConfig;
    use crate::key::{MasterKey, NativeKeyRing, SecretKeys};

    #[test]
    fn native_keeps_the_first_issue_time_and_measures_exactly() {
        let ring = NativeKeyRing::new(MasterKey::generate("k").unwrap());
        let codec = NativeCodec::new(&ring, NativeConfig::ENCRYPTED).unwrap();
        let mut session = Session::new();
        session.insert("user_id", 1).unwrap();
        let (t0, t1) = (UnixTime::from_secs(1_000), UnixTime::from_secs(2_000));
        let value = Codec::encode_at(&codec, &session, Some(Lineage::new(t0, None)), t1).unwrap();
        assert_eq!(Codec::encoded_len(&codec, &session).unwrap(), value.len());
        let decoded = Codec::decode_at(&codec, &value, t1).unwrap();
        assert_eq!((decoded.first_issued_at(), decoded.issued_at()), (t0, t1));
    }

    #[test]
    fn django_measures_by_encoding() {
        let codec = DjangoCodec::sessions(&SecretKeys::new("example-secret").unwrap());
        let session = Session::new();
        let value = Codec::encode_at(&codec, &session, None, UnixTime::now()).unwrap();
        assert_eq!(Codec::encoded_len(&codec, &session).unwrap(), value.len());
        assert!(value.starts_with("e30:"));
    }

    /// The same answer as `migrate_at` for an old cookie past the new
    /// format's absolute lifetime: expired, not moved over.
    #[test]
    fn old_cookies_past_the_absolute_lifetime_are_expired() {
        let django = DjangoCodec::sessions(&SecretKeys::new("s").unwrap());
        let signed = UnixTime::from_secs(1_000_000);
        let old = django
            .encode_at(&serde_json::json!({"a": 1}), signed)
            .unwrap();
        let native = NativeCodec::new(
            &NativeKeyRing::new(MasterKey::generate("k").unwrap()),
            NativeConfig::SIGNED.with_max_lifetime(Some(100)),
        )
        .unwrap();
        let codec = Migrating::new(native, &django);
        let within = Codec::decode_at(&codec, &old, UnixTime::from_secs(1_000_100)).unwrap();
        assert_eq!(within.first_issued_at(), signed);
        assert!(matches!(
            Codec::decode_at(&codec, &old, UnixTime::from_secs(1_000_101)),
            Err(DecodeError::Expired { max_age: 100, .. })
        ));
    }

    /// The layer's decode leaves every value unparsed until it is read, for
    /// every codec (an eager decode once cost the layer 3x its CPU).
    #[test]
    fn decoding_is_lazy() {
        let now = UnixTime::from_secs(1_700_000_000);
        let mut session = Session::new();
        session.insert("user_id", 7).unwrap();
        session.insert("cart", [1, 2, 3]).unwrap();
        let native = NativeCodec::new(
            &NativeKeyRing::new(MasterKey::generate("k").unwrap()),
            NativeConfig::ENCRYPTED,
        )
        .unwrap();
        let django = DjangoCodec::sessions(&SecretKeys::new("k").unwrap());
        let codecs: [&dyn Codec; 2] = [&native, &django];
        for codec in codecs {
            let cookie = codec.encode_at(&session, None, now).unwrap();
            let decoded = codec.decode_at(&cookie, now).unwrap().into_value();
            assert_eq!(decoded.parsed_values(), 0);
            assert_eq!(decoded.get::<u32>("user_id").unwrap(), Some(7));
            assert_eq!(decoded, session);
        }
    }
}
