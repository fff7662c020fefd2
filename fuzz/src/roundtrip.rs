//! `roundtrip`: an arbitrary session, encoded by every format and mode and
//! decoded again at the same time, must come back equal (floats to the bit),
//! and the native size prediction must be exact.
//!
//! Input: `arbitrary` data for [`Input`].

use arbitrary::{Arbitrary, Unstructured};
use serde_json::value::RawValue;
use session_cookie::{
    DjangoCodec, DjangoConfig, EncodeError, MasterKey, NativeCodec, NativeConfig, NativeKeyRing,
    SecretKeys, Session, UnixTime,
};

use super::common::{
    ArbValue, KEY_IDS, MASTER_KEYS, SECRETS, canon, depth, exact, has_reserved_token,
};
use super::exact::J;

/// One round trip: the session, which codec, and when.
#[derive(Debug, Arbitrary)]
pub struct Input {
    /// Which format and mode (mod the number of codecs).
    pub codec: u8,
    /// Encrypted mode's padding bucket.
    pub padding: u8,
    /// Seconds since the epoch (kept positive, as a working clock is).
    pub now: u32,
    /// The session's top-level entries.
    pub entries: Vec<(String, ArbValue)>,
}

const CODECS: u8 = 10;

/// Runs one input.
pub fn run(data: &[u8]) {
    let Ok(input) = Input::arbitrary_take_rest(Unstructured::new(data)) else {
        return;
    };
    let value = J::obj(
        input
            .entries
            .iter()
            .map(|(key, value)| (key.clone(), value.to_json())),
    );
    if has_reserved_token(&value) {
        // Refused on encode by design (src/json/reserved.rs): serde_json
        // would not read such an object back as a map.
        return;
    }
    let now = UnixTime::from_secs(i64::from(input.now));
    let mut session = Session::new();
    if let J::Obj(entries) = &value {
        for (k, v) in entries {
            if session.insert(k.clone(), v).is_err() {
                return;
            }
        }
    }
    let which = input.codec % CODECS;
    let (cookie, decoded) = if which >= 8 {
        flask(which, &session, now)
    } else if which < 4 {
        let Ok(ring) = SecretKeys::new(SECRETS[usize::from(which % 2)]) else {
            return;
        };
        let config = match which {
            0 => DjangoConfig::SESSIONS,
            1 => DjangoConfig::SIGNING,
            2 => DjangoConfig::SESSIONS.with_compress(false).with_salt(""),
            _ => DjangoConfig::SIGNING
                .with_compress(true)
                .with_salt("fuzz.salt"),
        };
        let codec = DjangoCodec::new(&ring, config);
        let cookie = match codec.encode_at(&session, now) {
            Ok(cookie) => cookie,
            Err(err) => panic!("a JSON object does not encode: {err}"),
        };
        assert!(cookie.is_ascii());
        let decoded = codec.decode_at::<Box<RawValue>>(&cookie, now);
        let as_session = codec.decode_session_at(&cookie, now);
        assert!(as_session.is_ok() == decoded.is_ok());
        (cookie, decoded)
    } else {
        let Ok(key) = MasterKey::new(KEY_IDS[1], MASTER_KEYS[1].to_vec()) else {
            return;
        };
        let ring = NativeKeyRing::new(key);
        let config = match which {
            4 => NativeConfig::SIGNED,
            5 => NativeConfig::SIGNED.with_compress(true),
            6 => NativeConfig::ENCRYPTED.with_padding(usize::from(input.padding)),
            _ => NativeConfig::ENCRYPTED
                .with_compress(true)
                .with_cookie_name("__Host-s"),
        }
        .with_max_cookie_bytes(1 << 20);
        let Ok(codec) = NativeCodec::new(&ring, config) else {
            return;
        };
        let predicted = codec.encoded_len(&session);
        let cookie = match codec.encode_at(&session, now) {
            Ok(cookie) => cookie,
            Err(EncodeError::TooLarge { len, limit, .. }) => {
                assert!(len > limit);
                assert_eq!(predicted.ok(), Some(len));
                return;
            }
            Err(err) => panic!("a JSON object does not encode: {err}"),
        };
        assert_eq!(
            predicted.ok(),
            Some(codec.config().cookie_name().len() + 1 + cookie.len()),
            "encoded_len is not exact"
        );
        let decoded = codec.decode_at::<Box<RawValue>>(&cookie, now);
        (cookie, decoded)
    };
    if cookie.is_empty() {
        return; // a format this build does not have
    }
    let decoded = match decoded {
        Ok(decoded) => decoded,
        Err(err) => panic!(
            "codec {which}: own cookie refused: {err:?} ({} bytes, depth {})",
            cookie.len(),
            depth(&value)
        ),
    };
    assert_eq!(decoded.issued_at(), now);
    assert_eq!(decoded.key_index(), 0);
    let (got, want) = if which >= 8 {
        // Flask writes every object's keys sorted.
        (
            canon(&exact(decoded.value())).sorted(),
            canon(&value).sorted(),
        )
    } else {
        (canon(&exact(decoded.value())), canon(&value))
    };
    assert_eq!(got, want, "codec {which}: value changed");
}

/// Flask (itsdangerous) sessions: the default salt, and another.
#[cfg(feature = "flask")]
fn flask(
    which: u8,
    session: &Session,
    now: UnixTime,
) -> (
    String,
    Result<session_cookie::Decoded<Box<RawValue>>, session_cookie::DecodeError>,
) {
    use session_cookie::{FlaskCodec, FlaskConfig};
    let Ok(ring) = SecretKeys::new(SECRETS[usize::from(which % 2)]) else {
        return (
            String::new(),
            Err(session_cookie::DecodeError::BadSignature),
        );
    };
    let config = match which {
        8 => FlaskConfig::SESSIONS,
        _ => FlaskConfig::SESSIONS
            .with_salt("fuzz.salt")
            .with_max_age(None),
    };
    let codec = FlaskCodec::new(&ring, config);
    let cookie = match codec.encode_at(session, now) {
        Ok(cookie) => cookie,
        Err(err) => panic!("a JSON object does not encode: {err}"),
    };
    let decoded = codec.decode_at::<Box<RawValue>>(&cookie, now);
    (cookie, decoded)
}

#[cfg(not(feature = "flask"))]
fn flask(
    _which: u8,
    _session: &Session,
    _now: UnixTime,
) -> (
    String,
    Result<session_cookie::Decoded<Box<RawValue>>, session_cookie::DecodeError>,
) {
    (
        String::new(),
        Err(session_cookie::DecodeError::BadSignature),
    )
}
