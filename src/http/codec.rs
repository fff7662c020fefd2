//! What the layer needs from a codec, implemented by [`NativeCodec`] and
//! [`DjangoCodec`].

use crate::codec::{Decoded, DjangoCodec, NativeCodec};
use crate::error::{DecodeError, EncodeError};
use crate::session::Session;
use crate::time::UnixTime;

/// A codec the [`SessionLayer`](super::SessionLayer) can read and write
/// session cookies with.
///
/// [`NativeCodec`] and [`DjangoCodec`] implement it; implement it for
/// another format to use that format with the layer. The values a codec
/// writes must be ASCII cookie values (RFC 6265 `cookie-octet`s); the layer
/// splits long ones across several cookies and hands [`decode_at`] the
/// reassembled value.
///
/// [`decode_at`]: SessionCodec::decode_at
///
/// # Examples
///
/// ```
/// use session_cookie::http::SessionCodec;
/// use session_cookie::{DjangoCodec, KeyRing, Session, UnixTime};
///
/// let codec = DjangoCodec::sessions(&KeyRing::new("example-secret")?);
/// let now = UnixTime::from_secs(1_700_000_000);
/// let mut session = Session::new();
/// session.insert("user_id", 7)?;
/// let value = SessionCodec::encode_at(&codec, &session, None, now)?;
/// let decoded = SessionCodec::decode_at(&codec, &value, now)?;
/// assert_eq!(decoded.value().get::<u32>("user_id")?, Some(7));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait SessionCodec: Send + Sync + 'static {
    /// Verifies a cookie value as of `now` and decodes the session in it.
    ///
    /// # Errors
    ///
    /// Any [`DecodeError`]: the layer treats every error as an empty
    /// session, as Django does.
    fn decode_at(&self, value: &str, now: UnixTime) -> Result<Decoded<Session>, DecodeError>;

    /// Writes `session` as of `now`. `origin` is the first-issue time of
    /// the session being written again (from [`Decoded::origin`]), `None`
    /// for a new session; formats without an absolute lifetime ignore it.
    ///
    /// # Errors
    ///
    /// Any [`EncodeError`]; the layer then sends no cookie and answers 500.
    fn encode_at(
        &self,
        session: &Session,
        origin: Option<UnixTime>,
        now: UnixTime,
    ) -> Result<String, EncodeError>;

    /// The length of the value [`SessionCodec::encode_at`] would write now.
    /// The default encodes and measures; override it when the length can
    /// be known without the cryptography.
    ///
    /// # Errors
    ///
    /// As [`SessionCodec::encode_at`].
    fn encoded_len(&self, session: &Session) -> Result<usize, EncodeError> {
        self.encode_at(session, None, UnixTime::now())
            .map(|value| value.len())
    }
}

impl SessionCodec for NativeCodec {
    fn decode_at(&self, value: &str, now: UnixTime) -> Result<Decoded<Session>, DecodeError> {
        // Lazily: a request that reads `user_id` parses nothing else.
        self.decode_session_at(value, now)
    }

    fn encode_at(
        &self,
        session: &Session,
        origin: Option<UnixTime>,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        self.encode_with_origin_at(session, origin.unwrap_or(now), now)
    }

    fn encoded_len(&self, session: &Session) -> Result<usize, EncodeError> {
        // `NativeCodec::encoded_len` counts `name=` too.
        let name = self.config().cookie_name().len() + 1;
        NativeCodec::encoded_len(self, session).map(|len| len.saturating_sub(name))
    }
}

impl SessionCodec for DjangoCodec {
    fn decode_at(&self, value: &str, now: UnixTime) -> Result<Decoded<Session>, DecodeError> {
        self.decode_session_at(value, now)
    }

    fn encode_at(
        &self,
        session: &Session,
        _origin: Option<UnixTime>,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        DjangoCodec::encode_at(self, session, now)
    }
}

#[cfg(feature = "flask")]
impl SessionCodec for crate::codec::FlaskCodec {
    fn decode_at(&self, value: &str, now: UnixTime) -> Result<Decoded<Session>, DecodeError> {
        self.decode_session_at(value, now)
    }

    fn encode_at(
        &self,
        session: &Session,
        _origin: Option<UnixTime>,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        crate::codec::FlaskCodec::encode_at(self, session, now)
    }
}

/// Reads the cookies of an old format as well as those of the new one, and
/// writes only the new one: users move to the new format as they come
/// back, without logging in again.
///
/// A cookie the new codec refuses is tried with the old one; one the old
/// codec accepts is marked [`needs_reissue`](Decoded::needs_reissue), so the
/// layer answers with a cookie of the new format. Its issue time becomes
/// the new session's first-issue time, so the native format's absolute
/// lifetime counts from when the user really logged in (see
/// [`migrate_at`](crate::migrate_at) for one cookie at a time).
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
/// use session_cookie::http::{Migrating, SessionCodec};
/// use session_cookie::{DjangoCodec, KeyRing, MasterKey, NativeCodec, NativeConfig, NativeKeyRing, UnixTime};
///
/// let django = DjangoCodec::sessions(&KeyRing::new("the-old-django-secret")?);
/// let t0 = UnixTime::from_secs(1_700_000_000);
/// let old_cookie = django.encode_at(&serde_json::json!({"user_id": 7}), t0)?;
///
/// let native = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k1")?), NativeConfig::ENCRYPTED)?;
/// let codec = Migrating::new(native, django);
/// let t1 = UnixTime::from_secs(1_700_000_600);
/// let decoded = SessionCodec::decode_at(&codec, &old_cookie, t1)?;
/// assert!(decoded.needs_reissue());
/// let new_cookie = SessionCodec::encode_at(&codec, decoded.value(), Some(decoded.origin()), t1)?;
/// let again = SessionCodec::decode_at(&codec, &new_cookie, t1)?;
/// assert_eq!((again.origin(), again.needs_reissue()), (t0, false));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Migrating<New, Old> {
    new: New,
    old: Old,
}

impl<New: SessionCodec, Old: SessionCodec> Migrating<New, Old> {
    /// Reads both formats, writes `new`'s.
    #[must_use]
    pub fn new(new: New, old: Old) -> Self {
        Self { new, old }
    }
}

impl<New: SessionCodec, Old: SessionCodec> SessionCodec for Migrating<New, Old> {
    fn decode_at(&self, value: &str, now: UnixTime) -> Result<Decoded<Session>, DecodeError> {
        self.new.decode_at(value, now).or_else(|refused| {
            match self.old.decode_at(value, now) {
                Ok(mut decoded) => {
                    decoded.needs_reissue = true;
                    Ok(decoded)
                }
                // The new format's reason is the one worth reporting.
                Err(_) => Err(refused),
            }
        })
    }

    fn encode_at(
        &self,
        session: &Session,
        origin: Option<UnixTime>,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        self.new.encode_at(session, origin, now)
    }

    fn encoded_len(&self, session: &Session) -> Result<usize, EncodeError> {
        self.new.encoded_len(session)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::NativeConfig;
    use crate::key::{KeyRing, MasterKey, NativeKeyRing};

    #[test]
    fn native_keeps_the_origin_and_measures_exactly() {
        let ring = NativeKeyRing::new(MasterKey::generate("k").unwrap());
        let codec = NativeCodec::new(&ring, NativeConfig::ENCRYPTED).unwrap();
        let mut session = Session::new();
        session.insert("user_id", 1).unwrap();
        let (t0, t1) = (UnixTime::from_secs(1_000), UnixTime::from_secs(2_000));
        let value = SessionCodec::encode_at(&codec, &session, Some(t0), t1).unwrap();
        assert_eq!(
            SessionCodec::encoded_len(&codec, &session).unwrap(),
            value.len()
        );
        let decoded = SessionCodec::decode_at(&codec, &value, t1).unwrap();
        assert_eq!((decoded.origin(), decoded.issued_at()), (t0, t1));
    }

    #[test]
    fn django_measures_by_encoding() {
        let codec = DjangoCodec::sessions(&KeyRing::new("example-secret").unwrap());
        let session = Session::new();
        let value = SessionCodec::encode_at(&codec, &session, None, UnixTime::now()).unwrap();
        assert_eq!(
            SessionCodec::encoded_len(&codec, &session).unwrap(),
            value.len()
        );
        assert!(value.starts_with("e30:"));
    }

    /// The layer's decode leaves every value unparsed until it is read, for
    /// every codec (an eager decode once cost the layer 3x its CPU).
    #[test]
    fn the_layer_decodes_lazily() {
        let now = UnixTime::from_secs(1_700_000_000);
        let mut session = Session::new();
        session.insert("user_id", 7).unwrap();
        session.insert("cart", [1, 2, 3]).unwrap();
        let native = NativeCodec::new(
            &NativeKeyRing::new(MasterKey::generate("k").unwrap()),
            NativeConfig::ENCRYPTED,
        )
        .unwrap();
        let django = DjangoCodec::sessions(&KeyRing::new("k").unwrap());
        let codecs: [&dyn SessionCodec; 2] = [&native, &django];
        for codec in codecs {
            let cookie = codec.encode_at(&session, None, now).unwrap();
            let decoded = codec.decode_at(&cookie, now).unwrap().into_value();
            assert_eq!(decoded.parsed_values(), 0);
            assert_eq!(decoded.get::<u32>("user_id").unwrap(), Some(7));
            assert_eq!(decoded, session);
        }
    }
}
