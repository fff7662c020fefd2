//! `decode_flask`: any input through `FlaskCodec::decode_at` (and the wire
//! and session forms), with the key ring, salt, maximum age, limits and
//! clock taken from the input; optionally re-signed (HMAC-SHA1 under
//! itsdangerous' derived key, from `docs/flask.md`) so that the fuzzed
//! content gets past the MAC.
//!
//! Input layout (zeros past the end):
//!
//! | bytes | meaning |
//! |---|---|
//! | 1 | flags: bits 1-2 salt, bits 3-4 re-sign (1: signing key; 2: a fallback), bits 5-6 limits |
//! | 1 | secret: index into `SECRETS`, else read from the input (short bytes) |
//! | 1 | number of fallbacks (mod 4), each a `SECRETS` index byte |
//! | 1 + 8 | clock: selector, raw |
//! | 1 + 8 | maximum age: selector, raw |
//! | rest | the cookie (lossy UTF-8) |

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::value::RawValue;
use session_cookie::{
    DecodeError, FlaskCodec, FlaskConfig, Format, Limits, SecretKeys, SizeLimit, UnixTime, inspect,
};
use sha1::Sha1;

use super::common::{Reader, SECRETS, Writer, exact, pick_max_age, pick_time};

const SALTS: [&str; 4] = ["cookie-session", "", "fuzz.salt", "itsdangerous.Signer"];

fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; 20] {
    let Ok(mut mac) = <Hmac<Sha1> as KeyInit>::new_from_slice(key) else {
        return [0; 20];
    };
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// Replaces the signature of a Flask-shaped text (`signed.SIGNATURE`) with
/// the correct one: `HMAC-SHA1(HMAC-SHA1(secret, salt), signed)`.
pub fn flask_resign(text: &str, salt: &str, secret: &[u8]) -> String {
    let signed = text.rsplit_once('.').map_or(text, |(signed, _)| signed);
    let derived = hmac_sha1(secret, salt.as_bytes());
    let tag = hmac_sha1(&derived, signed.as_bytes());
    format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag))
}

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
    let config = FlaskConfig::SESSIONS
        .with_salt(salt)
        .with_max_age(max_age)
        .with_limits(limits);
    let codec = FlaskCodec::new(&ring, config);

    let resign_with: Option<&[u8]> = match (flags >> 3) & 3 {
        1 => Some(&secret),
        2 => fallbacks.first().map(|s| s.as_bytes()),
        _ => None,
    };
    let cookie = match resign_with {
        Some(key) if !cookie.is_empty() => flask_resign(&cookie, salt, key),
        _ => cookie,
    };

    let as_value = codec.decode_at::<Box<RawValue>>(&cookie, now);
    let as_session = codec.decode_session_at(&cookie, now);
    let as_wire = codec.decode_wire_at(&cookie, now);

    match &as_value {
        Ok(decoded) => {
            assert!(cookie.len() <= limits.max_cookie_len());
            if let Some(max_age) = max_age {
                let age = i128::from(now.as_secs()) - i128::from(decoded.issued_at().as_secs());
                assert!(
                    age <= i128::from(max_age),
                    "accepted at age {age} > {max_age}"
                );
                assert!(age >= 0, "accepted from the future with a maximum age");
            }
            assert!(decoded.key_index() < ring.len());
            assert!(as_wire.is_ok(), "decodes but not as wire: {as_wire:?}");
        }
        Err(err) => {
            if resign_with.is_some() {
                assert_ne!(
                    *err,
                    DecodeError::BadSignature,
                    "an authentic cookie refused"
                );
            }
            match err {
                DecodeError::Expired { age, max_age: m } => {
                    assert_eq!(Some(*m), max_age);
                    assert!(i128::from(*age) > i128::from(*m) || *age < 0);
                }
                DecodeError::TooLarge { what, limit } => match what {
                    SizeLimit::Cookie => assert!(cookie.len() > *limit),
                    SizeLimit::Inflated => assert_eq!(*limit, limits.max_inflated_len()),
                    _ => {}
                },
                DecodeError::NotYetValid { .. } => panic!("Flask has no skew rule"),
                _ => {}
            }
            // Failures before the payload are the same for every form.
            if !matches!(err, DecodeError::BadPayload(_)) {
                assert_eq!(as_wire.as_ref().err(), Some(err));
            }
            if let Some(known) = SECRETS.get(secret_pick) {
                let shown = format!("{err} {err:?}");
                if known.len() >= 8 {
                    assert!(!shown.contains(known), "an error shows the secret");
                }
            }
        }
    }
    match (&as_value, &as_session) {
        (Ok(v), Ok(s)) => {
            assert_eq!(
                exact(v.value()).as_object().map(Vec::len),
                Some(s.value().len())
            );
        }
        (Ok(v), Err(e)) => {
            // A Python-only value at the top (a tuple, bytes, ...) shows as
            // its one-key tag object, and is no session (no dict).
            let value = exact(v.value());
            let tagged = value.as_object().is_some_and(|entries| {
                matches!(entries.as_slice(), [(key, _)] if [" t", " b", " m", " u", " d"].contains(&key.as_str()))
            });
            assert!(
                (!value.is_object() || tagged) && matches!(e, DecodeError::BadPayload(_)),
                "an object that is not a session: {e:?}"
            );
        }
        (Err(a), Err(b)) if !matches!(a, DecodeError::BadPayload(_)) => assert_eq!(a, b),
        (Err(_), Err(_)) => {}
        (Err(e), Ok(_)) => panic!("a session from an invalid value (F3 is back?): {e:?}"),
    }
    let inspected = inspect(&cookie, limits);
    if let Ok(decoded) = &as_value {
        let inspected = inspected.unwrap_or_else(|e| panic!("decodes but does not inspect: {e:?}"));
        assert_eq!(inspected.format(), Format::Flask);
        assert_eq!(inspected.issued_at(), Some(decoded.issued_at()));
    }
}

/// Seed inputs: valid Flask cookies and re-signed shapes.
pub fn seeds() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let now = UnixTime::from_secs(1_700_000_000);
    let values = [
        serde_json::json!({}),
        serde_json::json!({"_user_id": "1", "_fresh": true, "csrf_token": "0123456789abcdef"}),
        serde_json::json!({"cart": [1, 2.5, -0.0, 1e100, "é中😀"], "n": null}),
        serde_json::json!({"long": "a".repeat(300)}),
        serde_json::json!({"t": {" t": "x"}, "u": {" t__": 1}}),
    ];
    for (salt_index, salt) in SALTS.iter().enumerate().take(3) {
        for value in &values {
            let Ok(ring) = SecretKeys::new(SECRETS[0]) else {
                continue;
            };
            let codec = FlaskCodec::new(&ring, FlaskConfig::SESSIONS.with_salt(*salt));
            let Ok(cookie) = codec.encode_at(value, now) else {
                continue;
            };
            out.push(
                Writer::default()
                    .u8((salt_index as u8) << 1)
                    .u8(0)
                    .u8(0)
                    .u8(0)
                    .u64(0)
                    .u8(1)
                    .u64(0)
                    .bytes(cookie.as_bytes())
                    .0,
            );
        }
    }
    for text in [
        "eyJhIjoxfQ.ZVPxAA.",
        ".eJyrVkpUsjI0MtBRSipKzc3PS1GyUlAqSS0uUQIAVv4HSA.ZVPxAA.",
        "eyIgdCI6WzEsMl19.ZVPxAA.",
        "eyJkIjp7IiBkIjoiVGh1LCAwMSBKYW4gMjAyNCAwMDowMDowMCBHTVQifX0.ZVPxAA.",
        "eyJiIjp7IiBiIjoiYUdWc2JHOD0ifX0.AAAAAAAAAAA.",
        "e30.__________8.",
    ] {
        out.push(
            Writer::default()
                .u8(1 << 3)
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
