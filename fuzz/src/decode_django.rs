//! `decode_django`: any input through `DjangoCodec::decode_at`, with the key
//! ring, salt, compression, maximum age, limits and clock taken from the
//! input; optionally re-signed so that the fuzzed content gets past the MAC.
//!
//! Input layout (zeros past the end):
//!
//! | bytes | meaning |
//! |---|---|
//! | 1 | flags: bit 0 compress, bits 1-2 salt, bits 3-4 re-sign (0, 3: no; 1: signing key; 2: a fallback), bits 5-6 limits |
//! | 1 | secret: index into `SECRETS`, else read from the input (short bytes) |
//! | 1 | number of fallbacks (mod 4), each a `SECRETS` index byte |
//! | 1 + 8 | clock: selector, raw |
//! | 1 + 8 | maximum age: selector, raw |
//! | rest | the cookie (lossy UTF-8) |

use serde_json::value::RawValue;
use session_cookie::{
    DecodeError, DjangoCodec, DjangoConfig, Format, Limits, SecretKeys, SizeLimit, UnixTime,
    inspect,
};

use super::common::{
    Reader, SECRETS, Writer, django_key, django_resign, exact, pick_max_age, pick_time,
};

const SALTS: [&str; 4] = [
    "django.contrib.sessions.backends.signed_cookies",
    "django.core.signing",
    "",
    "fuzz.salt",
];

/// Runs one input.
pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let flags = r.u8();
    let secret_pick = usize::from(r.u8());
    let secret: Vec<u8> = match SECRETS.get(secret_pick) {
        Some(s) => s.as_bytes().to_vec(),
        None => r.short_bytes().to_vec(),
    };
    let fallback_count = usize::from(r.u8() % 4);
    let fallbacks: Vec<&str> = (0..fallback_count)
        .map(|_| SECRETS[usize::from(r.u8()) % SECRETS.len()])
        .collect();
    let (now_sel, now_raw) = (r.u8(), r.u64());
    let (age_sel, age_raw) = (r.u8(), r.u64());
    let cookie = String::from_utf8_lossy(r.rest()).into_owned();

    let Ok(mut ring) = SecretKeys::new(secret.clone()) else {
        return;
    };
    for fallback in &fallbacks {
        ring = ring.with_fallback(*fallback);
    }
    let salt = SALTS[usize::from((flags >> 1) & 3)];
    let limits = match (flags >> 5) & 3 {
        0 => Limits::DEFAULT,
        1 => Limits::DEFAULT.with_max_cookie_len(4096),
        2 => Limits::DEFAULT.with_max_inflated_len(64),
        _ => Limits::DEFAULT.with_max_inflated_len(0),
    };
    let max_age = pick_max_age(age_sel, age_raw);
    let now = UnixTime::from_secs(pick_time(now_sel, now_raw));
    let config = DjangoConfig::SIGNING
        .with_salt(salt)
        .with_compress(flags & 1 == 1)
        .with_max_age(max_age)
        .with_limits(limits);
    let codec = DjangoCodec::new(&ring, config);

    // Re-sign with a key of the ring: the cookie is then authentic, and
    // nothing may call it a bad signature.
    let resign_with: Option<&[u8]> = match (flags >> 3) & 3 {
        1 => Some(&secret),
        2 => fallbacks.first().map(|s| s.as_bytes()),
        _ => None,
    };
    let cookie = match resign_with {
        Some(key) if !cookie.is_empty() => django_resign(&cookie, &django_key(salt, key)),
        _ => cookie,
    };

    let as_value = codec.decode_at::<Box<RawValue>>(&cookie, now);
    let as_session = codec.decode_session_at(&cookie, now);
    check(
        &codec,
        &cookie,
        now,
        &secret,
        resign_with.is_some(),
        &as_value,
    );

    // The same bytes decode as a session exactly when they decode as a
    // JSON object.
    match (&as_value, &as_session) {
        (Ok(v), Ok(s)) => {
            let value = exact(v.value());
            let map = value.as_object();
            assert!(map.is_some(), "a session from a non-object");
            assert_eq!(map.map(|m| m.len()), Some(s.value().len()));
            assert_eq!(v.issued_at(), s.issued_at());
        }
        (Ok(v), Err(e)) => assert!(
            !exact(v.value()).is_object() && matches!(e, DecodeError::BadPayload(_)),
            "an object that is not a session: {e:?}"
        ),
        (Err(a), Err(b)) if !matches!(a, DecodeError::BadPayload(_)) => {
            assert_eq!(a, b, "the same cookie failed differently");
        }
        (Err(_), Err(_)) => {}
        (Err(e), Ok(_)) => panic!("a session from an invalid value (F3 is back?): {e:?}"),
    }

    // Inspecting never panics, and agrees with a successful decode.
    let inspected = inspect(&cookie, limits);
    if let Ok(decoded) = &as_value {
        let inspected = inspected.as_ref().map_err(|e| e.clone());
        let inspected = inspected.unwrap_or_else(|e| panic!("decodes but does not inspect: {e:?}"));
        assert_eq!(inspected.format(), Format::Django);
        assert_eq!(inspected.issued_at(), Some(decoded.issued_at()));
    }
}

fn check(
    codec: &DjangoCodec,
    cookie: &str,
    now: UnixTime,
    secret: &[u8],
    authentic: bool,
    result: &Result<session_cookie::Decoded<Box<RawValue>>, DecodeError>,
) {
    let limits = codec.config().limits();
    match result {
        Ok(decoded) => {
            assert!(cookie.len() <= limits.max_cookie_len());
            if let Some(max_age) = codec.config().max_age() {
                let age = i128::from(now.as_secs()) - i128::from(decoded.issued_at().as_secs());
                assert!(
                    age <= i128::from(max_age),
                    "accepted at age {age} > {max_age}"
                );
            }
            assert_eq!(decoded.used_fallback(), decoded.key_index() > 0);
            assert_eq!(decoded.needs_reissue(), decoded.key_index() > 0);
            assert_eq!(decoded.first_issued_at(), decoded.issued_at());
        }
        Err(err) => {
            if authentic {
                assert_ne!(
                    *err,
                    DecodeError::BadSignature,
                    "an authentic cookie refused"
                );
            }
            match err {
                DecodeError::Expired { age, max_age } => {
                    assert_eq!(Some(*max_age), codec.config().max_age());
                    assert!(i128::from(*age) > i128::from(*max_age));
                }
                DecodeError::TooLarge { what, limit } => match what {
                    SizeLimit::Cookie => {
                        assert_eq!(*limit, limits.max_cookie_len());
                        assert!(cookie.len() > *limit);
                    }
                    SizeLimit::Inflated => assert_eq!(*limit, limits.max_inflated_len()),
                    _ => {}
                },
                DecodeError::NotYetValid { .. } => panic!("Django has no clock skew rule"),
                _ => {}
            }
            // Errors never carry the secret or the signature.
            let shown = format!("{err} {err:?}");
            // A secret spelled only from the message's own characters can
            // occur in it by chance (the fuzzer found "the cookie is not
            // well formed" as a secret); any other secret must not.
            let spelled_from_message = secret.iter().all(|b| shown.as_bytes().contains(b));
            if secret.len() >= 8 && !spelled_from_message {
                assert!(!shown.contains(&*String::from_utf8_lossy(secret)));
            }
            if let Some((_, sig)) = cookie.rsplit_once(':') {
                let tag_shaped = sig.len() == 43
                    && sig
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                if tag_shaped {
                    assert!(!shown.contains(sig), "an error shows the signature");
                }
            }
        }
    }
}

/// Seed inputs: valid cookies of every kind, and a few re-signed shapes.
pub fn seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let now = 1_700_000_000;
    let values = [
        serde_json::json!({}),
        serde_json::json!({"_auth_user_id": "1", "_auth_user_backend": "django.contrib.auth.backends.ModelBackend", "_auth_user_hash": "0123456789abcdef"}),
        serde_json::json!({"cart": [1, 2.5, -0.0, 1e100, "é中😀"], "n": null, "t": true}),
        serde_json::json!({"long": "a".repeat(300)}),
        serde_json::json!([1, 2, 3]),
        serde_json::json!("just a string"),
    ];
    for (salt_index, salt) in SALTS.iter().enumerate() {
        for (i, value) in values.iter().enumerate() {
            let compress = i % 2 == 1 || salt_index == 0;
            let Ok(ring) = SecretKeys::new(SECRETS[0]) else {
                continue;
            };
            let config = DjangoConfig::SIGNING
                .with_salt(*salt)
                .with_compress(compress);
            let Ok(cookie) =
                DjangoCodec::new(&ring, config).encode_at(value, UnixTime::from_secs(now))
            else {
                continue;
            };
            let flags = u8::from(compress) | ((salt_index as u8) << 1);
            out.push(
                Writer::default()
                    .u8(flags)
                    .u8(0)
                    .u8(if i == 2 { 1 } else { 0 })
                    .bytes(if i == 2 { &[1] } else { &[] })
                    .u8(0)
                    .u64(0)
                    .u8(1)
                    .u64(0)
                    .bytes(cookie.as_bytes())
                    .0,
            );
        }
    }
    // Re-signed shapes: raw UTF-8 JSON, padded payload, a negative
    // timestamp, a zlib stream with junk after it.
    for text in [
        "eyJuYW1lIjoiw6kifQ:1r31eq:",
        "e30=:1r31eq:",
        "e30:-1:",
        "e30:01r31eq:",
        ".eJyrVgpOLSpOTU0BAAhaAlk:1r31eq:",
        "W10:zzzzzzzzzzzz:",
        "bnVsbA:1r31eq:",
    ] {
        out.push(
            Writer::default()
                .u8(1 | (1 << 3))
                .u8(0)
                .u8(0)
                .u8(0)
                .u64(0)
                .u8(0)
                .u64(0)
                .bytes(text.as_bytes())
                .0,
        );
    }
    out
}
