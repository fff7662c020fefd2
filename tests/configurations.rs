//! No configuration value panics: every codec, signer and session-layer
//! setting, drawn with a bias to the extremes (0, 1, the type's maximum,
//! just past every documented bound, empty and very long names), builds
//! or is refused with a typed error, and then encodes and decodes sessions
//! of every size to a typed answer; what encodes decodes back to the same
//! session. Size arithmetic wraps in release builds, so this test (and the
//! `config` fuzz target) is what keeps it checked.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code
// Flask's codec is one of the formats under test.
#![cfg(feature = "flask")]

use std::time::Duration;

use proptest::prelude::*;
use session_cookie::engine::{SameSite, SessionConfig, SessionEngine};
use session_cookie::signing::{Algorithm, KeyDerivation, django, itsdangerous};
use session_cookie::{
    Codec, DecodeError, DjangoCodec, DjangoConfig, EncodeError, FlaskCodec, FlaskConfig, Limits,
    Lineage, MAX_TOKEN_BYTES, MasterKey, NativeCodec, NativeConfig, NativeKeyRing, SecretKeys,
    Session, UnixTime,
};

/// Sizes biased to the edges of every bound in the crate.
fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(2),
        Just(4096),
        Just(MAX_TOKEN_BYTES),
        Just(MAX_TOKEN_BYTES + 1),
        Just(usize::MAX / 2),
        Just(usize::MAX - 1),
        Just(usize::MAX),
        0..100_000usize,
    ]
}

fn seconds() -> impl Strategy<Value = Option<u64>> {
    prop_oneof![
        Just(None),
        Just(Some(0)),
        Just(Some(1)),
        Just(Some(u64::MAX)),
        Just(Some(i64::MAX as u64)),
        Just(Some(i64::MAX as u64 + 1)),
        (0..10_000_000u64).prop_map(Some),
    ]
}

fn time() -> impl Strategy<Value = UnixTime> {
    prop_oneof![
        Just(UnixTime::from_secs(1_700_000_000)),
        Just(UnixTime::from_secs(0)),
        Just(UnixTime::from_secs(-1)),
        Just(UnixTime::from_secs(i64::MAX)),
        Just(UnixTime::from_secs(i64::MIN)),
        (any::<i64>(), 0..1_000_000_000u32)
            .prop_map(|(s, n)| UnixTime::from_secs_nanos(s, n).unwrap()),
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just("sessionid".to_owned()),
        Just("x".repeat(255)),
        Just("x".repeat(256)),
        Just("x".repeat(5000)),
        "[ -~]{0,40}",
        any::<String>(),
    ]
}

fn limits() -> impl Strategy<Value = Limits> {
    (size(), size()).prop_map(|(cookie, inflated)| {
        Limits::DEFAULT
            .with_max_cookie_len(cookie)
            .with_max_inflated_len(inflated)
    })
}

/// Sessions from empty to larger than any cookie.
fn session() -> impl Strategy<Value = Session> {
    prop_oneof![Just(0usize), Just(1), Just(40), Just(4000), Just(70_000),].prop_map(|len| {
        let mut session = Session::new();
        if len > 0 {
            session.insert("user_id", 42).unwrap();
            session.insert("blob", "é".repeat(len)).unwrap();
        }
        session
    })
}

fn secrets() -> SecretKeys {
    SecretKeys::new("configurations-secret")
        .unwrap()
        .with_fallback("older")
}

fn entries(session: &Session) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = session
        .iter()
        .map(|(key, value)| (key.to_owned(), value.into_owned()))
        .collect();
    out.sort();
    out
}

/// Encodes and decodes with `codec`: any answer is typed; what encodes
/// decodes back, at the same time, to the same session (unless a
/// configured limit refuses it on the way back, which must say so).
fn exercise(codec: &dyn Codec, session: &Session, now: UnixTime) {
    // The length now (a typed answer too; it is exact for the native
    // format, whose timestamps have a fixed width: `tests/native.rs`).
    let _ = codec.encoded_len(session);
    match codec.encode_at(session, Some(Lineage::new(now, None)), now) {
        Ok(value) => match codec.decode_at(&value, now) {
            // Flask writes keys sorted: compare as sets of entries.
            Ok(decoded) => assert_eq!(entries(decoded.value()), entries(session)),
            Err(
                DecodeError::TooLarge { .. }
                | DecodeError::Expired { .. }
                | DecodeError::NotYetValid { .. },
            ) => {}
            Err(err) => panic!("a value this codec wrote does not decode: {err}"),
        },
        Err(EncodeError::TooLarge { .. }) => {}
        Err(err) => panic!("unexpected encode error: {err}"),
    }
    let _ = codec.decode_at("garbage", now);
    let _ = codec.decode_at(&"A".repeat(70_000), now);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 256,
        // A failure prints its minimal case; nothing is written to tests/.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn native_configurations(
        encrypted in any::<bool>(),
        compress in any::<bool>(),
        padding in size(),
        max_cookie_bytes in size(),
        max_age in seconds(),
        max_lifetime in seconds(),
        skew in seconds(),
        limits in limits(),
        purpose in name(),
        cookie_name in name(),
        session in session(),
        now in time(),
    ) {
        let base = if encrypted { NativeConfig::ENCRYPTED } else { NativeConfig::SIGNED };
        let config = base
            .with_compress(compress)
            .with_padding(padding)
            .with_max_cookie_bytes(max_cookie_bytes)
            .with_max_age(max_age)
            .with_max_lifetime(max_lifetime)
            .with_skew(skew.unwrap_or(u64::MAX))
            .with_limits(limits)
            .with_purpose(purpose)
            .with_cookie_name(cookie_name);
        let ring = NativeKeyRing::new(MasterKey::new("k1", (1..=32).collect()).unwrap());
        // A name or purpose out of bounds is a typed error; nothing else is.
        if let Ok(codec) = NativeCodec::new(&ring, config) {
            exercise(&codec, &session, now);
        }
    }

    #[test]
    fn django_and_flask_configurations(
        compress in any::<bool>(),
        max_age in seconds(),
        limits in limits(),
        salt in name(),
        session in session(),
        now in time(),
    ) {
        let django = DjangoCodec::new(
            &secrets(),
            DjangoConfig::SESSIONS
                .with_salt(salt.clone())
                .with_compress(compress)
                .with_max_age(max_age)
                .with_limits(limits),
        );
        exercise(&django, &session, now);
        let flask = FlaskCodec::new(
            &secrets(),
            FlaskConfig::SESSIONS
                .with_salt(salt)
                .with_max_age(max_age)
                .with_limits(limits),
        );
        exercise(&flask, &session, now);
    }

    #[test]
    fn session_layer_configurations(
        name in name(),
        path in name(),
        domain in name(),
        age in seconds(),
        max_chunks in size(),
        max_request_bytes in size(),
        same_site in prop_oneof![Just(SameSite::Lax), Just(SameSite::Strict), Just(SameSite::None)],
        secure in any::<bool>(),
        partitioned in any::<bool>(),
    ) {
        let config = SessionConfig::DJANGO
            .with_name(name)
            .with_path(path)
            .with_domain(domain)
            .with_age(age.unwrap_or(u64::MAX))
            .with_max_chunks(max_chunks)
            .with_max_request_bytes(max_request_bytes)
            .with_same_site(same_site)
            .with_secure(secure)
            .with_partitioned(partitioned);
        let _ = config.max_value_len();
        let codec = DjangoCodec::sessions(&secrets());
        // Refused with a typed error, or a layer.
        let _ = SessionEngine::new(codec, config);
    }

    #[test]
    fn signer_configurations(
        sep in name(),
        salt in name(),
        digest in prop_oneof![Just(Algorithm::Sha1), Just(Algorithm::Sha256), Just(Algorithm::Sha512)],
        derivation in prop_oneof![
            Just(KeyDerivation::DjangoConcat),
            Just(KeyDerivation::Concat),
            Just(KeyDerivation::Hmac),
            Just(KeyDerivation::None),
        ],
        limits in limits(),
        value in name(),
        max_age in seconds(),
        now in time(),
    ) {
        let max_age = max_age.map(Duration::from_secs);
        if let Ok(options) = django::Options::new()
            .with_salt(salt.clone())
            .with_algorithm(digest)
            .with_sep(sep.clone())
        {
            let signer = django::TimestampSigner::new(&secrets(), &options);
            let signed = signer.sign_at(&value, now);
            prop_assert_eq!(signer.unsign_at(&signed, None, now).unwrap().into_value(), value.as_str());
            let _ = signer.unsign_at(&signed, max_age, now);
        }
        let cookies = django::CookieSigner::new(&secrets(), &sep, &salt);
        let signed = cookies.sign_at(&value, now);
        prop_assert_eq!(cookies.unsign_at(&signed, None, now).unwrap().into_value(), value.as_str());
        if let Ok(options) = itsdangerous::Options::new()
            .with_salt(salt)
            .with_digest(digest)
            .with_key_derivation(derivation)
            .with_limits(limits)
            .with_sep(sep)
        {
            let serializer = itsdangerous::UrlSafeTimedSerializer::new(&secrets(), &options);
            let token = serializer.dumps_at(&value, now).unwrap();
            let _ = serializer.loads_at::<String>(&token, max_age, now);
        }
    }
}
