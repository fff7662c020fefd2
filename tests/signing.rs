//! The signing family (`session_cookie::signing`): every case of the
//! vectors made by real Django 5.2 and itsdangerous 2.2
//! (`tests/vectors/signing.json`, from `tests/signing/vectors.py`), and one
//! conformance harness that every dialect runs, as itsdangerous' timed
//! signer tests inherit the plain signer's.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

#[path = "support/exact.rs"]
mod exact;

use std::time::Duration;

use exact::J;
use serde_json::Value;
use serde_json::value::RawValue;
use session_cookie::signing::{Algorithm, KeyDerivation, django, itsdangerous};
use session_cookie::{DecodeError, SecretKeys, UnixTime};

fn vectors() -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/signing.json"
    ))
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["django_version"], "5.2.19");
    assert_eq!(doc["itsdangerous_version"], "2.2.0");
    doc["cases"].as_array().unwrap().clone()
}

/// A vector's clock, read from the number's text (fractions are exact
/// there; no float rounding in between).
fn time_of(case: &Value) -> UnixTime {
    let text = match &case["now"] {
        Value::Null => "0".to_owned(),
        now => now.to_string(),
    };
    assert!(!text.starts_with('-') && !text.contains('e'), "{text}");
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let nanos = format!("{fraction:0<9}").parse().unwrap();
    UnixTime::from_secs_nanos(whole.parse().unwrap(), nanos).unwrap()
}

fn ring(options: &Value) -> SecretKeys {
    let mut ring = SecretKeys::new(options["secret"].as_str().unwrap()).unwrap();
    for fallback in options["fallback"].as_array().into_iter().flatten() {
        ring = ring.with_fallback(fallback.as_str().unwrap());
    }
    ring
}

fn text<'a>(options: &'a Value, key: &str) -> Option<&'a str> {
    options[key].as_str()
}

fn flag(options: &Value, key: &str) -> bool {
    options[key].as_bool().unwrap_or(false)
}

fn max_age(options: &Value) -> Option<Duration> {
    options["max-age"].as_f64().map(Duration::from_secs_f64)
}

fn django_options(options: &Value) -> django::Options {
    let mut out = django::Options::new();
    if let Some(salt) = text(options, "salt") {
        out = out.with_salt(salt.to_owned());
    }
    if let Some(sep) = text(options, "sep") {
        out = out.with_sep(sep.to_owned()).unwrap();
    }
    if let Some(algorithm) = text(options, "algorithm") {
        out = out.with_algorithm(algorithm.parse().unwrap());
    }
    out
}

fn its_options(options: &Value) -> itsdangerous::Options {
    let mut out = itsdangerous::Options::new();
    if let Some(salt) = text(options, "salt") {
        out = out.with_salt(salt.to_owned());
    }
    if let Some(sep) = text(options, "sep") {
        out = out.with_sep(sep.to_owned()).unwrap();
    }
    if let Some(digest) = text(options, "digest") {
        out = out.with_digest(digest.parse().unwrap());
    }
    if let Some(derivation) = text(options, "key-derivation") {
        out = out.with_key_derivation(derivation.parse().unwrap());
    }
    out
}

/// What this crate answers for one case: the output, or the CLI's error kind.
fn run(case: &Value) -> Result<String, &'static str> {
    let options = &case["options"];
    let keys = ring(options);
    let now = time_of(case);
    let input = case["input"].as_str().unwrap();
    let timestamp = flag(options, "timestamp");
    let max_age = max_age(options);
    let kind = |err: DecodeError| err.kind();
    let owned = |value: &str| value.to_owned();
    match (
        case["format"].as_str().unwrap(),
        case["op"].as_str().unwrap(),
    ) {
        ("django-signer", "sign") if timestamp => {
            Ok(django::TimestampSigner::new(&keys, &django_options(options)).sign_at(input, now))
        }
        ("django-signer", "sign") => {
            Ok(django::Signer::new(&keys, &django_options(options)).sign(input))
        }
        ("django-signer", "unsign") if timestamp => {
            django::TimestampSigner::new(&keys, &django_options(options))
                .unsign_at(input, max_age, now)
                .map(|d| owned(d.into_value()))
                .map_err(kind)
        }
        ("django-signer", "unsign") => django::Signer::new(&keys, &django_options(options))
            .unsign(input)
            .map(owned)
            .map_err(kind),
        ("django-cookie", op) => {
            let signer = django::CookieSigner::new(
                &keys,
                text(options, "name").unwrap(),
                text(options, "salt").unwrap_or(""),
            );
            let signer = if flag(options, "no-legacy-salt") {
                signer.without_legacy_salt()
            } else {
                signer
            };
            if op == "sign" {
                Ok(signer.sign_at(input, now))
            } else {
                signer
                    .unsign_at(input, max_age, now)
                    .map(|d| owned(d.into_value()))
                    .map_err(kind)
            }
        }
        ("itsdangerous", "sign") if timestamp => Ok(itsdangerous::TimestampSigner::new(
            &keys,
            &its_options(options),
        )
        .sign_at(input, now)),
        ("itsdangerous", "sign") => {
            Ok(itsdangerous::Signer::new(&keys, &its_options(options)).sign(input))
        }
        ("itsdangerous", "unsign") if timestamp => {
            itsdangerous::TimestampSigner::new(&keys, &its_options(options))
                .unsign_at(input, max_age, now)
                .map(|d| owned(d.into_value()))
                .map_err(kind)
        }
        ("itsdangerous", "unsign") => itsdangerous::Signer::new(&keys, &its_options(options))
            .unsign(input)
            .map(owned)
            .map_err(kind),
        ("itsdangerous", "encode") => {
            let value: Box<RawValue> = serde_json::from_str(input).unwrap();
            let options = its_options(options);
            if timestamp {
                itsdangerous::UrlSafeTimedSerializer::new(&keys, &options).dumps_at(&value, now)
            } else {
                itsdangerous::UrlSafeSerializer::new(&keys, &options).dumps(&value)
            }
            .map_err(|_| "encode")
        }
        ("itsdangerous", "decode") => {
            let options = its_options(options);
            if timestamp {
                itsdangerous::UrlSafeTimedSerializer::new(&keys, &options)
                    .loads_at::<Box<RawValue>>(input, max_age, now)
                    .map(|d| d.into_value().get().to_owned())
            } else {
                itsdangerous::UrlSafeSerializer::new(&keys, &options)
                    .loads::<Box<RawValue>>(input)
                    .map(|v| v.get().to_owned())
            }
            .map_err(kind)
        }
        (format, op) => panic!("unknown case kind {format} {op}"),
    }
}

/// Where this crate answers differently from Python on purpose, with the
/// answer it gives (`docs/itsdangerous.md`): itsdangerous reads the
/// timestamp of a token whose signature failed, and calls the failure
/// "Malformed timestamp" (here `bad-payload`) when that time does not fit a
/// `datetime`; nothing here reads a token before its signature verifies.
const DIVERGENCES: &[(&str, &str)] = &[(
    "itsdangerous/unsign/timestamp/odd-timestamp/forged-out-of-datetime-range",
    "bad-signature",
)];

#[test]
fn every_vector_made_by_django_and_itsdangerous() {
    let cases = vectors();
    assert!(cases.len() >= 150, "{} cases", cases.len());
    for (name, _) in DIVERGENCES {
        assert!(
            cases.iter().any(|c| c["name"] == *name),
            "{name} is not a case"
        );
    }
    let mut failures = Vec::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let got = run(case);
        let diverges = DIVERGENCES.iter().find(|(n, _)| *n == name);
        let want = match (diverges, case["error"].as_str()) {
            (Some((_, ours)), _) => Err(*ours),
            (None, Some(kind)) => Err(kind),
            (None, None) => Ok(case["output"].as_str().unwrap().to_owned()),
        };
        let same = match (&got, &want) {
            // A decoded payload is compared as exact JSON (Python re-dumped
            // it; this crate returns the authentic text).
            (Ok(got), Ok(want)) if case["op"] == "decode" => {
                J::parse(got).unwrap() == J::parse(want).unwrap()
            }
            _ => got == want,
        };
        if !same {
            failures.push(format!("{name}: got {got:?}, Python {want:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// One dialect, as the conformance harness drives it.
trait Dialect {
    fn name(&self) -> String;
    fn sign(&self, keys: &SecretKeys, value: &str, now: UnixTime) -> String;
    fn unsign(&self, keys: &SecretKeys, signed: &str, now: UnixTime)
    -> Result<String, DecodeError>;
    fn sep(&self) -> &str;
    /// `None` for untimed dialects; `Some(true)` for itsdangerous' age rule.
    fn timed_its(&self) -> Option<bool> {
        None
    }
}

struct Plain {
    django: Option<django::Options>,
    its: Option<itsdangerous::Options>,
}

impl Dialect for Plain {
    fn name(&self) -> String {
        format!("plain {:?} {:?}", self.django, self.its)
    }
    fn sign(&self, keys: &SecretKeys, value: &str, _: UnixTime) -> String {
        match (&self.django, &self.its) {
            (Some(options), _) => django::Signer::new(keys, options).sign(value),
            (_, Some(options)) => itsdangerous::Signer::new(keys, options).sign(value),
            _ => unreachable!(),
        }
    }
    fn unsign(&self, keys: &SecretKeys, signed: &str, _: UnixTime) -> Result<String, DecodeError> {
        match (&self.django, &self.its) {
            (Some(options), _) => django::Signer::new(keys, options)
                .unsign(signed)
                .map(str::to_owned),
            (_, Some(options)) => itsdangerous::Signer::new(keys, options)
                .unsign(signed)
                .map(str::to_owned),
            _ => unreachable!(),
        }
    }
    fn sep(&self) -> &str {
        self.django
            .as_ref()
            .map_or_else(|| self.its.as_ref().unwrap().sep(), django::Options::sep)
    }
}

/// The timed dialects, with a maximum age of 60 seconds.
struct Timed(Plain);

const MAX_AGE: Option<Duration> = Some(Duration::from_secs(60));

impl Dialect for Timed {
    fn name(&self) -> String {
        format!("timed {}", self.0.name())
    }
    fn sign(&self, keys: &SecretKeys, value: &str, now: UnixTime) -> String {
        match (&self.0.django, &self.0.its) {
            (Some(options), _) => django::TimestampSigner::new(keys, options).sign_at(value, now),
            (_, Some(options)) => {
                itsdangerous::TimestampSigner::new(keys, options).sign_at(value, now)
            }
            _ => unreachable!(),
        }
    }
    fn unsign(
        &self,
        keys: &SecretKeys,
        signed: &str,
        now: UnixTime,
    ) -> Result<String, DecodeError> {
        match (&self.0.django, &self.0.its) {
            (Some(options), _) => django::TimestampSigner::new(keys, options)
                .unsign_at(signed, MAX_AGE, now)
                .map(|d| d.into_value().to_owned()),
            (_, Some(options)) => itsdangerous::TimestampSigner::new(keys, options)
                .unsign_at(signed, MAX_AGE, now)
                .map(|d| d.into_value().to_owned()),
            _ => unreachable!(),
        }
    }
    fn sep(&self) -> &str {
        self.0.sep()
    }
    fn timed_its(&self) -> Option<bool> {
        Some(self.0.its.is_some())
    }
}

struct Cookie;

impl Dialect for Cookie {
    fn name(&self) -> String {
        "django signed cookie".to_owned()
    }
    fn sign(&self, keys: &SecretKeys, value: &str, now: UnixTime) -> String {
        django::CookieSigner::new(keys, "name", "salt").sign_at(value, now)
    }
    fn unsign(
        &self,
        keys: &SecretKeys,
        signed: &str,
        now: UnixTime,
    ) -> Result<String, DecodeError> {
        django::CookieSigner::new(keys, "name", "salt")
            .unsign_at(signed, MAX_AGE, now)
            .map(|d| d.into_value().to_owned())
    }
    fn sep(&self) -> &str {
        ":"
    }
    fn timed_its(&self) -> Option<bool> {
        Some(false)
    }
}

fn dialects() -> Vec<Box<dyn Dialect>> {
    let mut out: Vec<Box<dyn Dialect>> = Vec::new();
    for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
        for sep in [":", "/", "~~"] {
            let django = django::Options::new()
                .with_algorithm(algorithm)
                .with_sep(sep)
                .unwrap()
                .with_salt("conformance");
            out.push(Box::new(Plain {
                django: Some(django.clone()),
                its: None,
            }));
            out.push(Box::new(Timed(Plain {
                django: Some(django),
                its: None,
            })));
        }
        for derivation in [
            KeyDerivation::DjangoConcat,
            KeyDerivation::Concat,
            KeyDerivation::Hmac,
            KeyDerivation::None,
        ] {
            let its = itsdangerous::Options::new()
                .with_digest(algorithm)
                .with_key_derivation(derivation);
            out.push(Box::new(Plain {
                django: None,
                its: Some(its.clone()),
            }));
            out.push(Box::new(Timed(Plain {
                django: None,
                its: Some(its),
            })));
        }
    }
    out.push(Box::new(Cookie));
    out
}

/// What every signer must do, timed or not: round trips of awkward values,
/// fallbacks in order, every one-character change refused, no separator
/// refused as malformed.
#[test]
fn every_dialect_passes_the_same_conformance_suite() {
    let now = UnixTime::from_secs(1_700_000_000);
    let keys = SecretKeys::new("current")
        .unwrap()
        .with_fallback("previous");
    let old = SecretKeys::new("previous").unwrap();
    let stranger = SecretKeys::new("stranger").unwrap();
    for dialect in dialects() {
        let name = dialect.name();
        for value in [
            "",
            "hello",
            "Zoë 😀",
            "a:b.c/d~~e|f",
            " spaces\tand\nnewlines ",
        ] {
            let signed = dialect.sign(&keys, value, now);
            assert_eq!(
                dialect.unsign(&keys, &signed, now).as_deref(),
                Ok(value),
                "{name} {value:?}"
            );
            assert_eq!(
                dialect.unsign(&stranger, &signed, now),
                Err(DecodeError::BadSignature),
                "{name} {value:?}"
            );
        }
        // Signed under the old key, verified by the fallback.
        let signed = dialect.sign(&old, "rotated", now);
        assert_eq!(
            dialect.unsign(&keys, &signed, now).as_deref(),
            Ok("rotated"),
            "{name}"
        );
        // Any one changed character is refused, whatever it hits.
        let signed = dialect.sign(&keys, "user=42", now);
        for (i, c) in signed.char_indices() {
            let other = if c == 'x' { 'y' } else { 'x' };
            let mut tampered = signed.clone();
            tampered.replace_range(i..i + c.len_utf8(), &other.to_string());
            assert!(
                dialect.unsign(&keys, &tampered, now).is_err(),
                "{name}: {tampered}"
            );
        }
        // Truncated or extended signatures are refused too.
        assert!(
            dialect
                .unsign(&keys, &signed[..signed.len() - 1], now)
                .is_err(),
            "{name}"
        );
        assert!(
            dialect.unsign(&keys, &format!("{signed}A"), now).is_err(),
            "{name}"
        );
        assert!(
            dialect.unsign(&keys, &format!("{signed}="), now).is_err(),
            "{name}"
        );
        assert!(!"no separator here".contains(dialect.sep()));
        assert!(
            matches!(
                dialect.unsign(&keys, "no separator here", now),
                Err(DecodeError::Malformed(_))
            ),
            "{name}"
        );
    }
}

/// What the timed dialects add: the age rule, at its boundaries.
#[test]
fn timed_dialects_check_the_age_after_the_signature() {
    let issued = UnixTime::from_secs(1_700_000_000);
    let keys = SecretKeys::new("current").unwrap();
    let at =
        |secs: i64, nanos: u32| UnixTime::from_secs_nanos(1_700_000_000 + secs, nanos).unwrap();
    for dialect in dialects() {
        let Some(its) = dialect.timed_its() else {
            continue;
        };
        let name = dialect.name();
        let signed = dialect.sign(&keys, "v", issued);
        assert!(dialect.unsign(&keys, &signed, at(60, 0)).is_ok(), "{name}");
        assert!(
            matches!(
                dialect.unsign(&keys, &signed, at(61, 0)),
                Err(DecodeError::Expired { .. })
            ),
            "{name}"
        );
        // Django compares `time.time()`, itsdangerous `int(time.time())`.
        assert_eq!(
            dialect.unsign(&keys, &signed, at(60, 500_000_000)).is_ok(),
            its,
            "{name}"
        );
        // A timestamp from the future: itsdangerous expires it.
        assert_eq!(
            dialect.unsign(&keys, &signed, at(-1, 0)).is_ok(),
            !its,
            "{name}"
        );
    }
}
