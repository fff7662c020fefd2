//! Every case of the vectors made by real Flask 3.1 / itsdangerous 2.2
//! (`tests/vectors/flask.json`, copied from
//! `shared/vectors/flask/vectors.json`), and the lenient set
//! (`tests/vectors/flask_lenient.json`).
//!
//! Outcomes map as follows. itsdangerous raises `BadSignature` (or its
//! subclass `BadTimeSignature`) for anything whose signature does not match,
//! including values without three fields; we refuse those as `malformed`
//! before computing any HMAC when the structure is wrong, and as
//! `bad-signature` otherwise. `SignatureExpired` is `expired` (a timestamp in
//! the future too), and `BadPayload` (validly signed, but the body is not
//! base64, zlib or JSON; Flask answers HTTP 500) is `bad-payload`.
//!
//! Encode cases with `tagged: false` give the application's plain JSON to
//! [`FlaskCodec::encode_at`], which must apply the `" di"` escape; cases with
//! `tagged: true` give the wire form, as a [`Wire`]. Decode cases compare the
//! application's view ([`FlaskCodec::decode_at`]) for plain sessions and the
//! wire form ([`FlaskCodec::decode_wire_at`]) for tagged ones.
//!
//! The lenient set holds signatures Flask accepts only because Python's
//! base64 decoder is lenient. Flask never writes them; this crate refuses
//! them as `malformed` (see `docs/flask.md`, "The lenient decision").

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code
#![cfg(feature = "flask")]

mod support {
    #[allow(unreachable_pub)]
    pub(crate) mod exact;
}

use serde_json::value::RawValue;
use session_cookie::json::tagged::{self, Wire};
use session_cookie::{DecodeError, FlaskCodec, FlaskConfig, Malformed, SecretKeys, UnixTime, json};
use support::exact::J;

/// The vector file's cases, read exactly (every number's text, every
/// object's key order).
fn cases(text: &str) -> Vec<J> {
    let doc = J::parse(text).expect("vector file parses");
    doc["cases"].as_array().unwrap().clone()
}

fn vectors() -> Vec<J> {
    cases(include_str!("vectors/flask.json"))
}

fn lenient() -> Vec<J> {
    cases(include_str!("vectors/flask_lenient.json"))
}

/// A tagged case's payload, taken as Flask's wire form.
fn wire_payload(case: &J) -> Wire {
    Wire::parse(&case["payload"].to_text()).unwrap()
}

fn ring(case: &J) -> SecretKeys {
    let mut ring = SecretKeys::new(case["secret_key"].as_str().unwrap()).unwrap();
    for fallback in case["fallback_keys"].as_array().unwrap() {
        ring = ring.with_fallback(fallback.as_str().unwrap());
    }
    ring
}

fn codec(case: &J) -> FlaskCodec {
    let config = FlaskConfig::SESSIONS
        .with_salt(case["salt"].as_str().unwrap().to_owned())
        .with_max_age(case["max_age"].as_u64());
    FlaskCodec::new(&ring(case), config)
}

fn tagged_case(case: &J) -> bool {
    case["tagged"].as_bool().unwrap_or(false)
}

/// The JSON text Flask signs for this case's payload.
fn signed_json(case: &J) -> String {
    let wire = if tagged_case(case) {
        wire_payload(case)
    } else {
        tagged::to_wire(&case["payload"]).unwrap()
    };
    // Flask's text: keys sorted, Python's escapes, every digit kept.
    wire.to_string()
}

#[test]
fn encode_cases_are_byte_identical() {
    let mut count = 0;
    for case in vectors().iter().filter(|c| c["kind"] == "encode") {
        let name = case["name"].as_str().unwrap();
        assert_eq!(
            signed_json(case),
            case["json"].as_str().unwrap(),
            "{name}: JSON text"
        );
        let codec = codec(case);
        let now = UnixTime::from_secs(case["timestamp"].as_i64().unwrap());
        let cookie = if tagged_case(case) {
            codec.encode_at(&wire_payload(case), now)
        } else {
            codec.encode_at(&case["payload"], now)
        }
        .unwrap();
        assert_eq!(cookie, case["cookie"].as_str().unwrap(), "{name}: cookie");
        assert_eq!(
            cookie.starts_with('.'),
            case["compressed"].as_bool().unwrap(),
            "{name}: compression decision"
        );
        count += 1;
    }
    assert!(count > 0);
}

/// The outcome of decoding `case` with the codec its fields describe, as
/// the vector names it, with the payload text when it is ok.
fn outcome(case: &J) -> Result<String, DecodeError> {
    let codec = codec(case);
    let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
    let cookie = case["cookie"].as_str().unwrap();
    let wire = codec.decode_wire_at(cookie, now)?.into_value();
    let plain = codec.decode_at::<Box<RawValue>>(cookie, now)?.into_value();
    // The same value (the wire form has Flask's sorted keys, the view the
    // cookie's order), exactly.
    let view = RawValue::from_string(wire.to_plain().unwrap()).unwrap();
    assert_eq!(
        json::to_string_sorted(&view).unwrap(),
        json::to_string_sorted(&plain).unwrap(),
        "{}",
        case["name"]
    );
    // Tagged cases give the wire form of the value; plain ones the JSON as
    // the application supplied it.
    Ok(if tagged_case(case) {
        wire.to_string()
    } else {
        json::to_string(&plain).unwrap()
    })
}

fn check_decode_case(case: &J) {
    let name = case["name"].as_str().unwrap();
    let result = outcome(case);
    match (case["expect"].as_str().unwrap(), &result) {
        ("ok", Ok(text)) => {
            assert_eq!(
                text,
                &json::to_string(&case["payload"]).unwrap(),
                "{name}: payload"
            );
        }
        ("expired", Err(DecodeError::Expired { .. }))
        | ("bad_signature", Err(DecodeError::BadSignature | DecodeError::Malformed(_)))
        | ("bad_payload", Err(DecodeError::BadPayload(_))) => {}
        (expect, _) => panic!("{name}: Flask says {expect}, we say {result:?}"),
    }
}

#[test]
fn decode_cases_have_flasks_outcome_and_payload() {
    let decode: Vec<J> = vectors()
        .into_iter()
        .filter(|c| c["kind"] == "decode")
        .collect();
    for case in &decode {
        check_decode_case(case);
    }
    assert!(!decode.is_empty());
}

/// A session holding a tagged value is always a `tagged` case (a `tagged`
/// case may hold only untagged Python types, such as a `date`).
#[test]
fn tagged_values_are_only_in_tagged_cases() {
    for case in vectors()
        .iter()
        .filter(|c| c["kind"] == "decode" && c["expect"] == "ok")
    {
        let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
        let wire = codec(case)
            .decode_wire_at(case["cookie"].as_str().unwrap(), now)
            .unwrap()
            .into_value();
        if wire.has_tags() {
            assert!(tagged_case(case), "{}", case["name"]);
        }
    }
}

/// What decoding gives encodes back to a cookie that decodes to the same
/// value; for cookies Flask wrote (sorted, canonical compression) it is the
/// very same cookie.
#[test]
fn decoded_values_re_encode_unchanged() {
    let written: Vec<String> = vectors()
        .iter()
        .filter(|c| c["kind"] == "encode")
        .map(|c| c["cookie"].as_str().unwrap().to_owned())
        .collect();
    let mut identical = 0;
    for case in vectors()
        .iter()
        .filter(|c| c["kind"] == "decode" && c["expect"] == "ok")
    {
        let name = case["name"].as_str().unwrap();
        let codec = codec(case);
        let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
        let cookie = case["cookie"].as_str().unwrap();
        let decoded = codec.decode_wire_at(cookie, now).unwrap();
        let again = codec
            .encode_at(decoded.value(), decoded.issued_at())
            .unwrap();
        let wire = codec.decode_wire_at(&again, now).unwrap().into_value();
        assert_eq!(wire.to_string(), decoded.value().to_string(), "{name}");
        assert_eq!(&wire, decoded.value(), "{name}");
        // A decoded session keeps its Python-only values: written again, it
        // is the cookie the wire form gives.
        let session = codec.decode_session_at(cookie, now).unwrap().into_value();
        assert_eq!(
            codec.encode_at(&session, decoded.issued_at()).unwrap(),
            again,
            "{name}: session re-encoded"
        );
        // A cookie that Flask also wrote from a value (an encode case) is
        // canonical: it comes back byte for byte.
        if written.iter().any(|w| w == cookie) {
            assert_eq!(again, cookie, "{name}: re-encoded");
            identical += 1;
        }
    }
    assert!(identical > 0, "{identical}");
}

/// The lenient decision: every signature spelling that Flask accepts only
/// through Python's lenient base64 is refused as malformed, before any HMAC;
/// everything else in the lenient set has Flask's outcome.
#[test]
fn lenient_signatures_are_refused_as_malformed() {
    let (mut agree, mut refused) = (0, 0);
    for case in &lenient() {
        let name = case["name"].as_str().unwrap();
        let expect = case["expect"].as_str().unwrap();
        match (expect, outcome(case)) {
            ("ok", Ok(text)) => {
                assert_eq!(text, json::to_string(&case["payload"]).unwrap(), "{name}");
                agree += 1;
            }
            (_, Err(DecodeError::Malformed(Malformed::Signature))) => {
                if expect == "ok" {
                    refused += 1;
                } else {
                    agree += 1;
                }
            }
            (expect, result) => panic!("{name}: Flask says {expect}, we say {result:?}"),
        }
    }
    assert!(agree > 0 && refused > 0, "{agree} agree, {refused} refused");
}

/// Every one-character change anywhere in a Flask cookie is refused. With
/// strict signature decoding this includes the last character, which
/// Python's decoder would partly ignore.
#[test]
fn every_single_character_change_is_refused() {
    let alphabet = "AMNOPQZaz09-_.=+/!";
    for case in vectors()
        .iter()
        .filter(|c| c["kind"] == "decode" && c["expect"] == "ok")
        .take(6)
    {
        let codec = codec(case);
        let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
        let cookie = case["cookie"].as_str().unwrap();
        for (at, original) in cookie.char_indices() {
            for replacement in alphabet.chars().filter(|&c| c != original) {
                let mut forged = cookie.to_owned();
                forged.replace_range(at..at + original.len_utf8(), &replacement.to_string());
                let result = codec.decode_at::<Box<RawValue>>(&forged, now);
                assert!(
                    matches!(
                        result,
                        Err(DecodeError::BadSignature | DecodeError::Malformed(_))
                    ),
                    "{}: {forged} gave {result:?}",
                    case["name"]
                );
            }
        }
    }
}

mod totality {
    use proptest::prelude::*;
    use serde_json::value::RawValue;
    use session_cookie::json::tagged::Wire;
    use session_cookie::{FlaskCodec, SecretKeys, UnixTime};

    use super::support::exact::J;

    /// JSON trees rich in Flask tag names, escapes, odd contents and
    /// numbers beyond 64 bits and `f64`.
    fn tree() -> impl Strategy<Value = J> {
        let key = prop::sample::select(vec![
            " t", " b", " m", " u", " d", " di", " t__", " di__", "x__", "a", "", "é",
        ]);
        let leaf = prop_oneof![
            Just(J::Null),
            any::<bool>().prop_map(J::Bool),
            any::<i64>().prop_map(J::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(J::from),
            prop::sample::select(vec![
                "123456789012345678901234567890",
                "-18446744073709551617",
                "1e400",
                "-0",
                "1E5",
                "2.50",
            ])
            .prop_map(J::num),
            prop::sample::select(vec![
                "aGk=",
                "aGk",
                "a",
                "!!",
                "12345678-1234-5678-1234-567812345678",
                "{0123456789abcdef0123456789ABCDEF}",
                "Tue, 14 Nov 2023 22:13:20 GMT",
                "Mon, 31 Feb 2023 22:13:20 GMT",
                "",
                "xy",
            ])
            .prop_map(J::from),
        ];
        leaf.prop_recursive(5, 48, 4, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(J::Arr),
                prop::collection::vec((key.clone(), inner), 0..3).prop_map(J::obj),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]

        /// Any signed JSON decodes or is refused without a panic, and what
        /// decodes is a fixed point: its wire form encodes to a cookie that
        /// decodes to the same wire form.
        #[test]
        fn signed_tag_soup_is_total_and_canonical(value in tree()) {
            let codec = FlaskCodec::sessions(&SecretKeys::new("k").unwrap());
            let now = UnixTime::from_secs(1_700_000_000);
            let cookie = codec.encode_at(&Wire::parse(&value.to_text()).unwrap(), now).unwrap();
            let plain = codec.decode_at::<Box<RawValue>>(&cookie, now);
            let wire = codec.decode_wire_at(&cookie, now);
            prop_assert_eq!(plain.is_ok(), wire.is_ok());
            if let Ok(wire) = wire {
                let again = codec.encode_at(wire.value(), now).unwrap();
                let twice = codec.decode_wire_at(&again, now).unwrap();
                prop_assert_eq!(twice.value(), wire.value());
                let plain = plain.unwrap().into_value();
                prop_assert_eq!(wire.value().to_plain().unwrap(), plain.get());
            }
        }

        /// Any text is a cookie or a typed error, never a panic.
        #[test]
        fn any_text_is_total(text in "[A-Za-z0-9_.=+/!-]{0,80}") {
            let codec = FlaskCodec::sessions(&SecretKeys::new("k").unwrap());
            let _ = codec.decode_at::<Box<RawValue>>(&text, UnixTime::from_secs(0));
            let _ = session_cookie::inspect(&text, session_cookie::Limits::DEFAULT);
        }
    }
}

/// The helpers of `json::tagged` tag by their type, and only for the Flask
/// codec; data never becomes a tag, whatever it looks like (the shapes of
/// the old process-nonce marker included).
mod tags_by_type {
    use serde::Serialize;
    use serde_json::value::RawValue;
    use session_cookie::json::tagged::{Bytes, HttpDate, Markup, Tuple, Uuid, Wire};
    use session_cookie::{
        DjangoCodec, FlaskCodec, MasterKey, NativeCodec, NativeConfig, NativeKeyRing, SecretKeys,
        Session, UnixTime, json,
    };

    use super::support::exact::J;

    fn now() -> UnixTime {
        UnixTime::from_secs(1_700_000_000)
    }

    fn flask() -> FlaskCodec {
        FlaskCodec::sessions(&SecretKeys::new("k").unwrap())
    }

    /// Objects that look like Flask tags, like the old in-band marker of
    /// the helpers (`$__session_cookie::json::tagged`, with or without a
    /// nonce), or like the helpers' serde names.
    const LOOKALIKES: [&str; 8] = [
        r#"{" t":[1,2]}"#,
        r#"{" b":"aGk="}"#,
        r#"{" di":{" t__":[1]}}"#,
        r#"{" u":"00000000000000000000000000000001"}"#,
        r#"{"$__session_cookie::json::tagged":[" t",[1],"0123456789abcdef"]}"#,
        r#"{"$__session_cookie::json::tagged":{"kind":"wire","value":{" t":[1]}}}"#,
        r#"{"session_cookie::json::tagged::Tuple":[1]}"#,
        r#"{"$serde_json::private::Number":"1"}"#,
    ];

    /// Data from outside (parsed JSON, a `Value`, raw JSON text) is always
    /// data: escaped where it looks tagged, read back as it was.
    #[test]
    fn data_that_looks_like_a_tag_is_escaped() {
        let codec = flask();
        for text in LOOKALIKES {
            let exact = J::parse(text).unwrap();
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            let raw = RawValue::from_string(text.to_owned()).unwrap();
            let mut session = Session::new();
            session.insert("j", &exact).unwrap();
            session.insert("v", &value).unwrap();
            session.insert("r", &raw).unwrap();
            let direct = J::obj([("x", exact.clone())]);
            for cookie in [
                codec.encode_at(&session, now()),
                codec.encode_at(&direct, now()),
            ] {
                let cookie = match cookie {
                    Ok(cookie) => cookie,
                    // serde_json's private token cannot be a map key: refused, never a tag.
                    Err(_) if text.contains("$serde_json") => continue,
                    Err(err) => panic!("{text}: {err}"),
                };
                let wire = codec.decode_wire_at(&cookie, now()).unwrap().into_value();
                assert!(!wire.has_tags(), "{text}: {wire}");
                let view = codec
                    .decode_at::<Box<RawValue>>(&cookie, now())
                    .unwrap()
                    .into_value();
                for (_, got) in J::parse(view.get()).unwrap().as_object().unwrap() {
                    assert_eq!(
                        json::to_string(got).unwrap(),
                        json::to_string(&raw).unwrap(),
                        "{text}"
                    );
                }
                // On the wire, a one-key object named like a tag is escaped.
                if text.starts_with(r#"{" "#) {
                    assert!(wire.to_string().contains(r#"{" di":"#), "{text}: {wire}");
                }
            }
        }
    }

    #[derive(Serialize)]
    struct Typed {
        pair: Tuple<u8>,
        blob: Bytes,
        html: Markup,
        id: Uuid,
        at: HttpDate,
    }

    fn typed() -> Typed {
        Typed {
            pair: Tuple(vec![1, 2]),
            blob: Bytes(b"hi".to_vec()),
            html: Markup("<i>".into()),
            id: Uuid(1),
            at: HttpDate(now()),
        }
    }

    const FLASK_WIRE: &str = r#"{"at":{" d":"Tue, 14 Nov 2023 22:13:20 GMT"},"blob":{" b":"aGk="},"html":{" m":"<i>"},"id":{" u":"00000000000000000000000000000001"},"pair":{" t":[1,2]}}"#;
    /// What Python's `json` writes for the same values outside Flask.
    const PLAIN: &str = r#"{"pair":[1,2],"blob":"aGk=","html":"<i>","id":"00000000000000000000000000000001","at":"Tue, 14 Nov 2023 22:13:20 GMT"}"#;

    /// The helpers tag through the crate's own writer only: a derived
    /// struct and a `Session` keep them; a `serde_json::Value` made from
    /// them (`json!`, `to_value`) is plain JSON and tags nothing.
    #[test]
    fn helpers_tag_only_by_type() {
        let codec = flask();
        let wire = |cookie: &str| {
            codec
                .decode_wire_at(cookie, now())
                .unwrap()
                .into_value()
                .to_string()
        };
        assert_eq!(wire(&codec.encode_at(&typed(), now()).unwrap()), FLASK_WIRE);
        let mut session = Session::new();
        let t = typed();
        session.insert("pair", &t.pair).unwrap();
        session.insert("blob", &t.blob).unwrap();
        session.insert("html", &t.html).unwrap();
        session.insert("id", t.id).unwrap();
        session.insert("at", t.at).unwrap();
        let cookie = codec.encode_at(&session, now()).unwrap();
        assert_eq!(wire(&cookie), FLASK_WIRE);
        // A decoded session keeps them: written again, the same cookie.
        let decoded = codec
            .decode_session_at(&cookie, now())
            .unwrap()
            .into_value();
        assert_eq!(codec.encode_at(&decoded, now()).unwrap(), cookie);

        // Through serde_json the type is gone: plain JSON, no tag.
        let value = serde_json::to_value(typed()).unwrap();
        let plain = wire(&codec.encode_at(&value, now()).unwrap());
        assert!(!Wire::parse(&plain).unwrap().has_tags(), "{plain}");
        assert_eq!(
            plain,
            json::to_string_sorted(&RawValue::from_string(PLAIN.to_owned()).unwrap()).unwrap()
        );
        let inside = serde_json::json!({"t": Tuple(vec![1])});
        assert_eq!(
            wire(&codec.encode_at(&inside, now()).unwrap()),
            r#"{"t":[1]}"#
        );
    }

    /// The Django and native codecs write what Python's `json` writes for
    /// the helpers (a tuple as a list, the others as their text): never a
    /// Flask tag.
    #[test]
    fn django_and_native_never_write_a_flask_tag() {
        let django = DjangoCodec::sessions(&SecretKeys::new("k").unwrap());
        let key = MasterKey::new("k1", (1..=32).collect()).unwrap();
        let native = NativeCodec::new(&NativeKeyRing::new(key), NativeConfig::SIGNED).unwrap();
        let t = typed();
        let mut session = Session::new();
        session.insert("pair", &t.pair).unwrap();
        session.insert("blob", &t.blob).unwrap();
        session.insert("html", &t.html).unwrap();
        session.insert("id", t.id).unwrap();
        session.insert("at", t.at).unwrap();
        let decoded_django = |cookie: String| {
            django
                .decode_at::<Box<RawValue>>(&cookie, now())
                .unwrap()
                .into_value()
                .get()
                .to_owned()
        };
        let decoded_native = |cookie: String| {
            native
                .decode_at::<Box<RawValue>>(&cookie, now())
                .unwrap()
                .into_value()
                .get()
                .to_owned()
        };
        for text in [
            decoded_django(django.encode_at(&typed(), now()).unwrap()),
            decoded_django(django.encode_at(&session, now()).unwrap()),
            decoded_native(native.encode_at(&typed(), now()).unwrap()),
            decoded_native(native.encode_at(&session, now()).unwrap()),
        ] {
            assert_eq!(text, PLAIN);
            for tag in [
                r#"" t""#, r#"" b""#, r#"" m""#, r#"" u""#, r#"" d""#, r#"" di""#,
            ] {
                assert!(!text.contains(tag), "{text}");
            }
        }
    }

    /// A value in Flask's wire form has no meaning outside Flask: the other
    /// codecs refuse it rather than write its tags (they write through the
    /// crate's one exact writer, which knows a `Wire` by its type).
    #[test]
    fn django_and_native_refuse_a_wire_value() {
        let django = DjangoCodec::sessions(&SecretKeys::new("k").unwrap());
        let key = MasterKey::new("k1", (1..=32).collect()).unwrap();
        let native = NativeCodec::new(&NativeKeyRing::new(key), NativeConfig::SIGNED).unwrap();
        let wire = Wire::parse(r#"{"pair":{" t":[1,2]}}"#).unwrap();
        assert!(django.encode_at(&wire, now()).is_err());
        assert!(native.encode_at(&wire, now()).is_err());
        let mut session = Session::new();
        session.insert("w", &wire).unwrap();
        assert!(django.encode_at(&session, now()).is_err());
        assert!(native.encode_at(&session, now()).is_err());
    }
}
