//! Every case of the frozen native-format vectors
//! (`tests/vectors/native.json`, made once by `examples/native_vectors.rs`
//! from a hand-written implementation of `docs/FORMAT.md`).
//!
//! Each case configures a decoder (key lines, mode, purpose, cookie name,
//! lifetimes, skew) and gives a token, the time of decoding and the
//! outcome: the [`DecodeError::kind`] with `-` written `_`, or `ok` with the
//! payload, both times and `needs_reissue`. Signed cases marked `encode`
//! must also be reproduced byte for byte by encoding the payload.
//!
//! The file is frozen: a failure here means the implementation no longer
//! reads or writes version 1 as published, not that the file needs updating.

// Test code: a failed unwrap or index is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::{BTreeMap, HashSet};

use serde_json::value::RawValue;
use session_cookie::{NativeCodec, NativeConfig, NativeKeyRing, UnixTime, json};

mod support {
    pub(crate) mod exact;
}
/// The vectors read exactly (key order and every digit).
use support::exact::J;

/// How many cases the file holds, by expected outcome: deleting a case
/// fails the tests.
const COUNTS: [(&str, usize); 6] = [
    ("bad_payload", 9),
    ("bad_signature", 21),
    ("expired", 3),
    ("malformed", 16),
    ("not_yet_valid", 2),
    ("ok", 20),
];
const ENCODE_CASES: usize = 9;

fn file() -> J {
    serde_json::from_str(include_str!("vectors/native.json")).expect("vector file parses")
}

fn cases() -> Vec<J> {
    file()["cases"].as_array().unwrap().clone()
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

#[test]
fn the_file_is_complete() {
    let file = file();
    assert_eq!(file["format"], "session-cookie native v1");
    assert!(file["note"].as_str().unwrap().contains("Frozen"));
    let cases = cases();
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
        if case["encode"] == true {
            assert!(ok && case["mode"] == "signed", "{name}");
        }
    }
    assert_eq!(counts.into_iter().collect::<Vec<_>>(), COUNTS);
    let encode = cases.iter().filter(|c| c["encode"] == true).count();
    assert_eq!(encode, ENCODE_CASES);
    // Every mode and key state is represented.
    let has = |f: &dyn Fn(&J) -> bool| cases.iter().any(f);
    assert!(has(&|c| c["mode"] == "encrypted" && c["compress"] == true));
    assert!(has(&|c| c["mode"] == "encrypted" && c["padding"] != 1));
    assert!(has(&|c| c["mode"] == "signed" && c["compress"] == true));
    assert!(has(&|c| c["needs_reissue"] == true));
}

#[test]
fn every_case_decodes_as_published() {
    let mut count = 0;
    for case in cases() {
        let name = case["name"].as_str().unwrap();
        let codec = codec(&case);
        let result =
            codec.decode_at::<Box<RawValue>>(case["token"].as_str().unwrap(), secs(&case["now"]));
        let kind = result
            .as_ref()
            .map_or_else(|err| err.kind().replace('-', "_"), |_| "ok".to_owned());
        assert_eq!(kind, case["expect"].as_str().unwrap(), "{name}: {result:?}");
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
        }
        count += 1;
    }
    assert_eq!(count, COUNTS.iter().map(|(_, n)| n).sum::<usize>());
}

#[test]
fn encode_cases_are_reproduced_byte_for_byte() {
    let mut count = 0;
    for case in cases().iter().filter(|c| c["encode"] == true) {
        let name = case["name"].as_str().unwrap();
        let token = codec(case)
            .encode_with_first_issue_at(
                &case["payload"],
                secs(&case["origin"]),
                secs(&case["issued_at"]),
            )
            .unwrap();
        assert_eq!(token, case["token"].as_str().unwrap(), "{name}");
        count += 1;
    }
    assert_eq!(count, ENCODE_CASES);
}
