//! Every case of the vectors made by real Django (`tests/vectors/django.json`,
//! copied from `shared/vectors/django/vectors.json`).
//!
//! Outcomes map as follows. Django reports `BadSignature` for anything whose
//! signature does not match, including values without the right number of
//! fields; we refuse those as `malformed` before computing any HMAC when the
//! structure is wrong, and as `bad-signature` otherwise. Django's
//! `malformed` (signed, but raising a non-signing error) is our `malformed`
//! when the structure is wrong and `bad-payload` when the content is.
//! The three `lenient` cases (raw UTF-8 JSON read as Latin-1, a leading-zero
//! timestamp, a level-9 stream with `=` padding) decode exactly as Django
//! decodes them: they are authentic, and agreeing with Django on every
//! authentic value is the contract.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers: a failed unwrap is a failed test

mod support {
    pub(crate) mod exact;
}

use serde_json::value::RawValue;
use session_cookie::{DecodeError, DjangoCodec, DjangoConfig, SecretKeys, UnixTime, json};
use support::exact::J;

fn cases() -> Vec<J> {
    let text = include_str!("vectors/django.json");
    serde_json::from_str(text).expect("vector file parses")
}

fn ring(case: &J) -> SecretKeys {
    let mut ring = SecretKeys::new(case["secret_key"].as_str().unwrap()).unwrap();
    for fallback in case["fallback_keys"].as_array().unwrap() {
        ring = ring.with_fallback(fallback.as_str().unwrap());
    }
    ring
}

fn secs(value: &J) -> i64 {
    value.as_i64().unwrap()
}

#[test]
fn encode_cases_are_byte_identical() {
    let mut count = 0;
    for case in cases().iter().filter(|c| c["kind"] == "encode") {
        let name = case["name"].as_str().unwrap();
        let config = DjangoConfig::SIGNING
            .with_salt(case["salt"].as_str().unwrap().to_owned())
            .with_compress(case["compress"].as_bool().unwrap());
        let codec = DjangoCodec::new(&ring(case), config);
        assert_eq!(
            json::to_string(&case["payload"]).unwrap(),
            case["serialized"].as_str().unwrap(),
            "{name}: JSON text"
        );
        let cookie = codec
            .encode_at(
                &case["payload"],
                UnixTime::from_secs(secs(&case["timestamp"])),
            )
            .unwrap();
        assert_eq!(cookie, case["cookie"].as_str().unwrap(), "{name}: cookie");
        assert_eq!(
            cookie.starts_with('.'),
            case["compressed_applied"].as_bool().unwrap(),
            "{name}: compression decision"
        );
        count += 1;
    }
    assert_eq!(count, 30);
}

#[test]
fn decode_cases_have_djangos_outcome_and_payload() {
    let mut count = 0;
    for case in cases().iter().filter(|c| c["kind"] == "decode") {
        let name = case["name"].as_str().unwrap();
        let max_age = case["max_age"].as_u64();
        let config = DjangoConfig::SIGNING
            .with_salt(case["salt"].as_str().unwrap().to_owned())
            .with_max_age(max_age);
        let codec = DjangoCodec::new(&ring(case), config);
        let now = UnixTime::from_secs(secs(&case["now"]));
        let result = codec.decode_at::<Box<RawValue>>(case["cookie"].as_str().unwrap(), now);
        match (case["expect"].as_str().unwrap(), &result) {
            ("ok", Ok(decoded)) => assert_eq!(
                json::to_string(decoded.value()).unwrap(),
                json::to_string(&case["payload"]).unwrap(),
                "{name}: payload"
            ),
            ("expired", Err(DecodeError::Expired { .. }))
            | ("bad_signature", Err(DecodeError::BadSignature | DecodeError::Malformed(_)))
            | ("malformed", Err(DecodeError::Malformed(_) | DecodeError::BadPayload(_))) => {}
            (expect, _) => panic!("{name}: Django says {expect}, we say {result:?}"),
        }
        count += 1;
    }
    assert_eq!(count, 35);
}

/// The structural pre-check must never turn a cookie Django would verify
/// into a different outcome: every vector Django accepted or found expired
/// passes the structure check.
#[test]
fn structure_check_refuses_only_cookies_django_refuses() {
    for case in cases().iter().filter(|c| c["kind"] == "decode") {
        let expect = case["expect"].as_str().unwrap();
        if expect == "ok" || expect == "expired" {
            let codec = DjangoCodec::new(
                &ring(case),
                DjangoConfig::SIGNING.with_salt(case["salt"].as_str().unwrap().to_owned()),
            );
            let result = codec.decode_at::<Box<RawValue>>(
                case["cookie"].as_str().unwrap(),
                UnixTime::from_secs(0),
            );
            assert!(
                !matches!(result, Err(DecodeError::Malformed(_))),
                "{}",
                case["name"]
            );
        }
    }
}
