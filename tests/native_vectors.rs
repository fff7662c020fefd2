//! Every case of the frozen native-format vectors: version 1's
//! (`tests/vectors/native.json`) and version 2's
//! (`tests/vectors/native_v2.json`), both made by
//! `examples/native_vectors.rs` from a hand-written implementation of
//! `docs/FORMAT.md`.
//!
//! Each case configures a decoder (key lines, mode, purpose, cookie name,
//! lifetimes, skew) and gives a token, the time of decoding and the
//! outcome: the [`DecodeError::kind`] with `-` written `_`, or `ok` with the
//! payload, both times, `needs_reissue` and (version 2's file) the session
//! id. Version 2's signed cases marked `encode` must also be reproduced
//! byte for byte by encoding the payload with the case's lineage.
//!
//! The codec writes only version 2 now: version 1's cases are decoded as
//! published, and each `ok` one, written again, must be a version 2 token
//! of the same session (payload, first-issue time, and the session id a
//! version 1 token has: the first 16 bytes of its tag).
//!
//! The files are frozen: a failure here means the implementation no longer
//! reads or writes the format as published, not that a file needs updating.
//!
//! [`DecodeError::kind`]: session_cookie::DecodeError::kind

// Test code: a failed unwrap or index is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::{BTreeMap, HashSet};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::value::RawValue;
use session_cookie::{
    Limits, Lineage, NativeCodec, NativeConfig, NativeKeyRing, SessionId, UnixTime, inspect, json,
};

mod support {
    pub(crate) mod exact;
}
/// The vectors read exactly (key order and every digit).
use support::exact::J;

/// One frozen file and what it must hold.
struct Vectors {
    text: &'static str,
    format: &'static str,
    /// How many cases the file holds, by expected outcome: deleting a case
    /// fails the tests.
    counts: [(&'static str, usize); 6],
    encode_cases: usize,
    /// Whether `ok` cases carry `session_id`.
    session_ids: bool,
}

const V1: Vectors = Vectors {
    text: include_str!("vectors/native.json"),
    format: "session-cookie native v1",
    counts: [
        ("bad_payload", 9),
        ("bad_signature", 21),
        ("expired", 3),
        ("malformed", 16),
        ("not_yet_valid", 2),
        ("ok", 20),
    ],
    encode_cases: 9,
    session_ids: false,
};

const V2: Vectors = Vectors {
    text: include_str!("vectors/native_v2.json"),
    format: "session-cookie native v2",
    counts: [
        ("bad_payload", 11),
        ("bad_signature", 29),
        ("expired", 3),
        ("malformed", 21),
        ("not_yet_valid", 2),
        ("ok", 24),
    ],
    encode_cases: 11,
    session_ids: true,
};

/// Version 1's cases whose outcome a reader of both versions gives
/// differently from what was published when version 1 was the only one.
///
/// `tampered_version` is version 1's `signed` token with its version byte
/// flipped from 0x01 to 0x02: malformed then, a version 2 token now. Read
/// with version 2's layout it still has room for the session id, a body
/// and a tag, so the MAC (which covers the version byte) refuses it. Still
/// refused before any payload work; only the error differs. It is
/// version 2's `v1_relabelled_as_v2`.
const V1_SUPERSEDED: [(&str, &str); 1] = [("tampered_version", "bad_signature")];

impl Vectors {
    fn file(&self) -> J {
        J::parse(self.text).expect("vector file parses")
    }

    fn cases(&self) -> Vec<J> {
        self.file()["cases"].as_array().unwrap().clone()
    }

    fn total(&self) -> usize {
        self.counts.iter().map(|(_, n)| n).sum()
    }
}

fn secs(value: &J) -> UnixTime {
    UnixTime::from_secs(value.as_i64().unwrap())
}

fn codec(case: &J) -> NativeCodec {
    let lines: Vec<&str> = case["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap())
        .collect();
    let ring = NativeKeyRing::parse(&lines.join("\n")).unwrap();
    let config = match case["mode"].as_str().unwrap() {
        "signed" => NativeConfig::SIGNED,
        "encrypted" => NativeConfig::ENCRYPTED,
        other => unreachable!("unknown mode {other}"),
    }
    .with_purpose(case["purpose"].as_str().unwrap().to_owned())
    .with_cookie_name(case["cookie_name"].as_str().unwrap().to_owned())
    .with_compress(case["compress"].as_bool().unwrap())
    .with_padding(usize::try_from(case["padding"].as_u64().unwrap()).unwrap())
    .with_max_age(case["max_age"].as_u64())
    .with_max_lifetime(case["max_lifetime"].as_u64())
    .with_skew(case["skew"].as_u64().unwrap());
    NativeCodec::new(&ring, config).unwrap()
}

fn token_bytes(case: &J) -> Vec<u8> {
    URL_SAFE_NO_PAD
        .decode(case["token"].as_str().unwrap())
        .unwrap()
}

/// A version 1 token's session id, written from the spec: the first 16
/// bytes of its 32-byte tag.
fn v1_session_id(case: &J) -> SessionId {
    let bytes = token_bytes(case);
    assert_eq!(bytes[0], 0x01, "{}: a version 1 token", case["name"]);
    let tag = &bytes[bytes.len() - 32..];
    SessionId::from_bytes(tag[..16].try_into().unwrap())
}

/// The session id an `ok` case of version 2's file names.
fn listed_session_id(case: &J) -> SessionId {
    case["session_id"].as_str().unwrap().parse().unwrap()
}

fn complete(vectors: &Vectors) {
    let file = vectors.file();
    assert_eq!(file["format"], vectors.format);
    assert!(file["note"].as_str().unwrap().contains("Frozen"));
    let cases = vectors.cases();
    let mut counts = BTreeMap::new();
    let mut names = HashSet::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        assert!(names.insert(name), "duplicate case {name}");
        *counts.entry(case["expect"].as_str().unwrap()).or_insert(0) += 1;
        let ok = case["expect"] == "ok";
        for field in ["payload", "needs_reissue", "issued_at", "origin"] {
            assert_eq!(!case[field].is_null(), ok, "{name}: {field}");
        }
        assert_eq!(
            !case["session_id"].is_null(),
            ok && vectors.session_ids,
            "{name}: session_id"
        );
        if let Some(id) = case["session_id"].as_str() {
            assert_eq!(id.len(), 32, "{name}");
            assert_eq!(id.parse::<SessionId>().unwrap().to_string(), id, "{name}");
        }
        if case["encode"] == true {
            assert!(ok && case["mode"] == "signed", "{name}");
        }
    }
    assert_eq!(counts.into_iter().collect::<Vec<_>>(), vectors.counts);
    let encode = cases.iter().filter(|c| c["encode"] == true).count();
    assert_eq!(encode, vectors.encode_cases);
    // Every mode and key state is represented.
    let has = |f: &dyn Fn(&J) -> bool| cases.iter().any(f);
    assert!(has(&|c| c["mode"] == "encrypted" && c["compress"] == true));
    assert!(has(&|c| c["mode"] == "encrypted" && c["padding"] != 1));
    assert!(has(&|c| c["mode"] == "signed" && c["compress"] == true));
    assert!(has(&|c| c["needs_reissue"] == true));
}

/// Decodes every case of `vectors` and checks the outcome (or, for the
/// cases in `superseded`, the outcome given there), and for `ok` cases the
/// payload, the times, `needs_reissue` and the session id.
fn decode_all(vectors: &Vectors, superseded: &[(&str, &str)], session_id: fn(&J) -> SessionId) {
    let mut count = 0;
    for case in vectors.cases() {
        let name = case["name"].as_str().unwrap();
        let codec = codec(&case);
        let result =
            codec.decode_at::<Box<RawValue>>(case["token"].as_str().unwrap(), secs(&case["now"]));
        let kind = result
            .as_ref()
            .map_or_else(|err| err.kind().replace('-', "_"), |_| "ok".to_owned());
        let expected = superseded
            .iter()
            .find(|(superseded, _)| *superseded == name)
            .map_or_else(|| case["expect"].as_str().unwrap(), |(_, now)| now);
        assert_eq!(kind, expected, "{name}: {result:?}");
        if let Ok(decoded) = result {
            assert_eq!(
                json::to_string(decoded.value()).unwrap(),
                json::to_string(&case["payload"]).unwrap(),
                "{name}: payload"
            );
            assert_eq!(
                decoded.needs_reissue(),
                case["needs_reissue"].as_bool().unwrap(),
                "{name}: needs_reissue"
            );
            assert_eq!(decoded.issued_at(), secs(&case["issued_at"]), "{name}");
            assert_eq!(decoded.first_issued_at(), secs(&case["origin"]), "{name}");
            assert_eq!(decoded.session_id(), Some(session_id(&case)), "{name}");
        }
        count += 1;
    }
    assert_eq!(count, vectors.total());
}

#[test]
fn version_1_file_is_complete() {
    complete(&V1);
    for (name, _) in V1_SUPERSEDED {
        assert!(V1.cases().iter().any(|c| c["name"] == name), "{name}");
    }
}

#[test]
fn version_2_file_is_complete() {
    complete(&V2);
    // Version 1 tokens a version 2 reader still takes, with their derived
    // ids; and the version byte relabelled both ways.
    let cases = V2.cases();
    let v1_ok: Vec<&J> = cases
        .iter()
        .filter(|c| c["expect"] == "ok" && token_bytes(c)[0] == 0x01)
        .collect();
    assert!(!v1_ok.is_empty());
    for case in v1_ok {
        assert_eq!(
            listed_session_id(case),
            v1_session_id(case),
            "{}",
            case["name"]
        );
    }
    for name in [
        "v1_relabelled_as_v2",
        "v2_relabelled_as_v1",
        "tampered_version_3",
    ] {
        assert!(cases.iter().any(|c| c["name"] == name), "{name}");
    }
}

#[test]
fn every_version_1_case_decodes_as_published() {
    decode_all(&V1, &V1_SUPERSEDED, v1_session_id);
}

#[test]
fn every_version_2_case_decodes_as_published() {
    decode_all(&V2, &[], listed_session_id);
}

/// The codec writes no version 1 token: a version 1 session written again
/// (at the same issue time, under the ring's active key) is a version 2
/// token of the same session.
#[test]
fn version_1_sessions_are_written_again_as_version_2() {
    let mut count = 0;
    for case in V1.cases().iter().filter(|c| c["expect"] == "ok") {
        let name = case["name"].as_str().unwrap();
        let codec = codec(case);
        let now = secs(&case["now"]);
        let decoded = codec
            .decode_at::<Box<RawValue>>(case["token"].as_str().unwrap(), now)
            .unwrap();
        let id = v1_session_id(case);
        assert_eq!(
            decoded.lineage(),
            Lineage::new(secs(&case["origin"]), Some(id))
        );
        let again = codec
            .encode_with_lineage_at(decoded.value(), decoded.lineage(), secs(&case["issued_at"]))
            .unwrap();
        let header = inspect(&again, Limits::DEFAULT)
            .unwrap()
            .native()
            .unwrap()
            .clone();
        assert_eq!((header.version, header.session_id), (2, id), "{name}");
        let reread = codec.decode_at::<Box<RawValue>>(&again, now).unwrap();
        assert_eq!(
            json::to_string(reread.value()).unwrap(),
            json::to_string(&case["payload"]).unwrap(),
            "{name}: payload"
        );
        assert_eq!(reread.issued_at(), secs(&case["issued_at"]), "{name}");
        assert_eq!(reread.first_issued_at(), secs(&case["origin"]), "{name}");
        assert_eq!(reread.session_id(), Some(id), "{name}");
        count += 1;
    }
    assert_eq!(count, 20);
}

#[test]
fn version_2_encode_cases_are_reproduced_byte_for_byte() {
    let mut count = 0;
    for case in V2.cases().iter().filter(|c| c["encode"] == true) {
        let name = case["name"].as_str().unwrap();
        let lineage = Lineage::new(secs(&case["origin"]), Some(listed_session_id(case)));
        let token = codec(case)
            .encode_with_lineage_at(&case["payload"], lineage, secs(&case["issued_at"]))
            .unwrap();
        assert_eq!(token, case["token"].as_str().unwrap(), "{name}");
        count += 1;
    }
    assert_eq!(count, V2.encode_cases);
}
