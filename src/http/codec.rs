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
        NativeCodec::decode_at(self, value, now)
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
}
