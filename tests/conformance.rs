//! One conformance suite that every session format runs through the
//! [`Codec`] trait, as itsdangerous' timed-signer tests inherit the plain
//! signer's: Django sessions and `signing.dumps`, Flask sessions, the
//! native format signed and encrypted, and `Migrating` between two of
//! them. Each format's own vectors (`tests/*_vectors.rs`) pin its bytes;
//! this pins what they must all do alike.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code
// Flask's codec is one of the formats under test.
#![cfg(feature = "flask")]

use session_cookie::{
    Codec, DecodeError, DjangoCodec, DjangoConfig, FlaskCodec, FlaskConfig, KeyState, MasterKey,
    Migrating, NativeCodec, NativeConfig, NativeKeyRing, SecretKeys, Session, UnixTime,
};

const NOW: i64 = 1_700_000_000;

/// A format, with the keys it signs with now, the keys it signed with
/// before (which it must still accept), and a stranger's.
struct Format {
    name: &'static str,
    current: Box<dyn Codec>,
    /// The same format under the key that is now a fallback.
    previous: Box<dyn Codec>,
    stranger: Box<dyn Codec>,
    /// The maximum age it enforces, and whether a cookie exactly that old
    /// is still valid within its second (Django's sub-second rule) or for
    /// the whole second (itsdangerous' whole seconds).
    max_age: u64,
    whole_seconds: bool,
}

fn secrets(signing: &str, fallback: Option<&str>) -> SecretKeys {
    let keys = SecretKeys::new(signing).unwrap();
    match fallback {
        Some(old) => keys.with_fallback(old),
        None => keys,
    }
}

/// A master key whose bytes count up from `seed` (repetitive keys are
/// refused as weak).
fn master(id: &str, seed: u8) -> MasterKey {
    MasterKey::new(
        id,
        (0..32)
            .map(|i| seed.wrapping_mul(31).wrapping_add(i))
            .collect(),
    )
    .unwrap()
}

fn formats() -> Vec<Format> {
    let django = |config: DjangoConfig, keys: &SecretKeys| -> Box<dyn Codec> {
        Box::new(DjangoCodec::new(keys, config.with_max_age(Some(60))))
    };
    let flask = |keys: &SecretKeys| -> Box<dyn Codec> {
        Box::new(FlaskCodec::new(
            keys,
            FlaskConfig::SESSIONS.with_max_age(Some(60)),
        ))
    };
    let native = |config: NativeConfig, ring: NativeKeyRing| -> Box<dyn Codec> {
        Box::new(NativeCodec::new(&ring, config.with_max_age(Some(60))).unwrap())
    };
    let rotated = secrets("current", Some("previous"));
    let old = secrets("previous", None);
    let stranger = secrets("stranger", None);
    let ring = |active: u8| {
        NativeKeyRing::new(master("k2", active))
            .with_key(master("k1", 1), KeyState::Verify)
            .unwrap()
    };
    let mut out = vec![
        Format {
            name: "django sessions",
            current: django(DjangoConfig::SESSIONS, &rotated),
            previous: django(DjangoConfig::SESSIONS, &old),
            stranger: django(DjangoConfig::SESSIONS, &stranger),
            max_age: 60,
            whole_seconds: false,
        },
        Format {
            name: "django signing.dumps",
            current: django(DjangoConfig::SIGNING, &rotated),
            previous: django(DjangoConfig::SIGNING, &old),
            stranger: django(DjangoConfig::SIGNING, &stranger),
            max_age: 60,
            whole_seconds: false,
        },
        Format {
            name: "flask sessions",
            current: flask(&rotated),
            previous: flask(&old),
            stranger: flask(&stranger),
            max_age: 60,
            whole_seconds: true,
        },
    ];
    for (name, config) in [
        ("native signed", NativeConfig::SIGNED),
        ("native encrypted", NativeConfig::ENCRYPTED),
    ] {
        out.push(Format {
            name,
            current: native(config.clone(), ring(2)),
            previous: native(config.clone(), NativeKeyRing::new(master("k1", 1))),
            stranger: native(config, NativeKeyRing::new(master("k1", 9))),
            max_age: 60,
            whole_seconds: false,
        });
    }
    // Migrating reads both formats and writes the new one: it is a format
    // of its own here, whose "previous" is the old format.
    out.push(Format {
        name: "migrating django -> native",
        current: Box::new(Migrating::new(
            NativeCodec::new(&ring(2), NativeConfig::SIGNED.with_max_age(Some(60))).unwrap(),
            DjangoCodec::new(&rotated, DjangoConfig::SESSIONS.with_max_age(Some(60))),
        )),
        previous: django(DjangoConfig::SESSIONS, &old),
        stranger: django(DjangoConfig::SESSIONS, &stranger),
        max_age: 60,
        whole_seconds: false,
    });
    out
}

fn sessions() -> Vec<Session> {
    let mut out = vec![Session::new()];
    let mut login = Session::new();
    login.insert("_auth_user_id", "42").unwrap();
    login.insert("cart", [1.5, -0.0, 1e100]).unwrap();
    out.push(login);
    let mut awkward = Session::new();
    awkward.insert("Zoë 😀", "a:b.c/d\"e\\f\u{0}").unwrap();
    awkward
        .insert("big", serde_json::json!({"n": u64::MAX, "i": i64::MIN}))
        .unwrap();
    out.push(awkward);
    let mut long = Session::new();
    long.insert("blob", "x".repeat(2000)).unwrap();
    out.push(long);
    out
}

fn at(secs: i64, nanos: u32) -> UnixTime {
    UnixTime::from_secs_nanos(NOW + secs, nanos).unwrap()
}

fn entries(session: &Session) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = session
        .iter()
        .map(|(k, v)| (k.to_owned(), v.into_owned()))
        .collect();
    out.sort();
    out
}

#[test]
fn every_format_round_trips_and_rotates() {
    let now = at(0, 0);
    for format in formats() {
        for session in sessions() {
            let cookie = format.current.encode_at(&session, None, now).unwrap();
            assert!(
                cookie
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && b != b';' && b != b','),
                "{}: not a cookie value",
                format.name
            );
            let decoded = format.current.decode_at(&cookie, now).unwrap();
            assert_eq!(
                entries(decoded.value()),
                entries(&session),
                "{}",
                format.name
            );
            assert_eq!(decoded.issued_at(), now, "{}", format.name);
            assert!(!decoded.needs_reissue(), "{}", format.name);
            // Made under the key that is now a fallback: accepted, and to
            // be issued again under the current key.
            let old = format.previous.encode_at(&session, None, now).unwrap();
            let decoded = format.current.decode_at(&old, now).unwrap();
            assert_eq!(
                entries(decoded.value()),
                entries(&session),
                "{}",
                format.name
            );
            assert!(decoded.needs_reissue(), "{}", format.name);
            // A stranger's key verifies nothing.
            let forged = format.stranger.encode_at(&session, None, now).unwrap();
            assert!(
                matches!(
                    format.current.decode_at(&forged, now),
                    Err(DecodeError::BadSignature)
                ),
                "{}",
                format.name
            );
        }
    }
}

#[test]
fn every_format_refuses_every_one_character_change() {
    let now = at(0, 0);
    let mut session = Session::new();
    session.insert("_auth_user_id", "42").unwrap();
    for format in formats() {
        let cookie = format.current.encode_at(&session, None, now).unwrap();
        for (i, c) in cookie.char_indices() {
            for other in ['A', 'x', '0', '-', '_', '.', ':'] {
                if other == c {
                    continue;
                }
                let mut tampered = cookie.clone();
                tampered.replace_range(i..=i, &other.to_string());
                let result = format.current.decode_at(&tampered, now);
                // Refused before anything after the MAC runs.
                assert!(
                    matches!(
                        result,
                        Err(DecodeError::BadSignature | DecodeError::Malformed(_))
                    ),
                    "{}: {tampered} -> {result:?}",
                    format.name
                );
            }
        }
        for cut in [1, 2, cookie.len() / 2, cookie.len() - 1] {
            assert!(
                format.current.decode_at(&cookie[..cut], now).is_err(),
                "{}",
                format.name
            );
        }
        for extra in ["A", "=", ".", ":", "AAAA"] {
            assert!(
                format
                    .current
                    .decode_at(&format!("{cookie}{extra}"), now)
                    .is_err(),
                "{}: {extra}",
                format.name
            );
        }
        assert!(
            format.current.decode_at("", now).is_err(),
            "{}",
            format.name
        );
    }
}

#[test]
fn every_format_enforces_its_age_rule_at_the_boundary() {
    let session = Session::new();
    for format in formats() {
        let cookie = format.current.encode_at(&session, None, at(0, 0)).unwrap();
        let age = i64::try_from(format.max_age).unwrap();
        assert!(
            format.current.decode_at(&cookie, at(age, 0)).is_ok(),
            "{}",
            format.name
        );
        assert_eq!(
            format
                .current
                .decode_at(&cookie, at(age, 500_000_000))
                .is_ok(),
            format.whole_seconds,
            "{}: half a second past the maximum age",
            format.name
        );
        assert!(
            matches!(
                format.current.decode_at(&cookie, at(age + 1, 0)),
                Err(DecodeError::Expired { .. })
            ),
            "{}",
            format.name
        );
    }
}
