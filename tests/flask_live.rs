//! Live, two-way interop against real Flask 3.1 (itsdangerous 2.2).
//!
//! The golden vectors in `tests/vectors/flask.json` are frozen; this test
//! asks a real Flask, running now, about hundreds of random sessions:
//!
//! - **Rust → Flask**: seeded random sessions, with Python-only values
//!   written through the [`tagged`] helpers and plain dicts that only look
//!   tagged, signed by [`FlaskCodec`] with Flask's `SECRET_KEY`, one of its
//!   `SECRET_KEY_FALLBACKS`, or a key it does not hold, at random ages
//!   around `PERMANENT_SESSION_LIFETIME`. `tests/flask/interop.py` checks
//!   each with itsdangerous' clock frozen: the app's own
//!   `session_interface.get_signing_serializer(app)` gives the expected
//!   verdict and, re-dumping what it loaded, exactly our tagged JSON; it
//!   signs the value again to our cookie byte for byte; a test-client
//!   request carrying the cookie sees the session (or an empty one, or a
//!   500); and a request that writes the session sets our cookie.
//! - **Flask → Rust**: the script makes its own seeded random sessions
//!   (tuples, bytes, `Markup`, UUIDs, naive and aware datetimes, dates, dicts
//!   named like tags) and signs them through real requests or the
//!   serializer, with any of the keys; we decode each with the ring Flask
//!   holds, check Flask's verdict, the key that verified, the tagged JSON
//!   and the plain view, sign it again to get Flask's cookie back, and
//!   migrate it to a native token that keeps its issue time.
//! - **itsdangerous' own tokens, Rust → itsdangerous**: seeded random
//!   payloads (non-ASCII strings, which itsdangerous keeps as UTF-8, nested
//!   objects, numbers of every size, records, large repetitive lists that
//!   compress) through [`its::UrlSafeTimedSerializer`], Flask-WTF's CSRF
//!   tokens (a 40-hex-digit string under the salt `wtf-csrf-token`, read
//!   with `max_age=3600`), and random strings through [`its::Signer`] and
//!   [`its::TimestampSigner`]; random salts (the class's own, empty,
//!   non-ASCII), separators, digests SHA-1/256/512 and key derivations
//!   `django-concat`, `concat`, `hmac`, `none`; signed with `SECRET_KEY`, a
//!   fallback or an unknown key. itsdangerous makes each token again with
//!   that key at the same frozen (fractional) second and must give our
//!   bytes; then its verdict under its key list `[fallback 1, fallback 0,
//!   SECRET_KEY]` (oldest to newest, signing with the last: our ring is the
//!   reverse) on the token, maybe altered or re-signed around an odd
//!   timestamp, must be ours (ok with the same value or JSON text, bad
//!   signature, expired, bad payload) at random ages around `max_age`.
//!   Where itsdangerous answers otherwise by design or by accident (a
//!   lenient base64 that takes non-canonical signatures and repairs
//!   timestamps, 9-byte timestamps, timestamps beyond `i64` or past year
//!   9999), its verdict is predicted, checked and printed.
//! - **itsdangerous' own tokens, itsdangerous → Rust**: the script makes its
//!   own random tokens the same ways, alters some, and gives its verdict
//!   under a random key list (the signing key newest, older, or absent,
//!   now and then the empty key, which itsdangerous holds as a key and our
//!   ring as the signing key); we check the verdict, the value or JSON
//!   text, the key index and the issue time, and make each token again to
//!   get its bytes back.
//!
//! Flask comes from a virtualenv in `<target dir>/flask-venv`, created on
//! first use with `pip install "flask>=3.1.1,<3.2"` (3.1.0 signed with the
//! wrong key when fallbacks were set). `SESSION_COOKIE_FLASK_PYTHON` may
//! name a Python that already has Flask; `FLASK_LIVE_SEED` replaces the
//! pinned seed. A failure to set Flask up fails the test: it never skips.
#![cfg(feature = "flask")]
// Test code: a step that cannot go on is a failed test.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

#[path = "support/pyvenv.rs"]
#[allow(dead_code, unreachable_pub)]
mod pyvenv;

mod support {
    #[allow(unreachable_pub)]
    pub(crate) mod exact;
}

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use std::{env, fs};

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use session_cookie::json::tagged::{self, Bytes, HttpDate, Markup, Tuple, Uuid, Wire};
use session_cookie::signing::{Algorithm, KeyDerivation, itsdangerous as its};
use session_cookie::{
    DecodeError, FlaskCodec, FlaskConfig, Limits, MasterKey, NativeCodec, NativeConfig,
    NativeKeyRing, PayloadError, SecretKeys, UnixTime, migrate_at,
};
use support::exact::J;

const DEFAULT_SEED: u64 = 0xf1a5_4c00_c1e5_2025;
/// Cases in each direction.
const CASES: usize = 600;
/// `PERMANENT_SESSION_LIFETIME`'s default.
const LIFETIME: u64 = 2_678_400;

/// Flask's `SECRET_KEY` and `SECRET_KEY_FALLBACKS` for the whole run.
const FLASK_SECRET_KEY: &str = "flask-live-\u{3a9}-secret-3f9a1c7e5b2d4f60";
const FLASK_FALLBACKS: [&str; 2] = [
    "flask-previous-key-0123456789abcdef",
    "older-key-with-\u{fc}-and-\u{1f511}",
];
/// Keys Flask never has: cookies signed with them must not verify.
const OTHER_KEYS: [&str; 2] = ["a-key-flask-never-had", "another unknown key #2"];
const BASE_TIME: i64 = 1_760_000_000;

const FLASK: pyvenv::Framework = pyvenv::Framework {
    venv: "flask-venv",
    requirement: "flask>=3.1.1,<3.2",
    module: "flask",
    version_code: "from importlib.metadata import version; print(version('flask'))",
    accepts: |v| v.starts_with("3.1.") && v != "3.1.0",
    python_env: "SESSION_COOKIE_FLASK_PYTHON",
};

fn seed() -> u64 {
    match env::var("FLASK_LIVE_SEED") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("FLASK_LIVE_SEED={text:?} is not a u64")),
        Err(_) => DEFAULT_SEED,
    }
}

fn python() -> &'static Path {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match PYTHON.get_or_init(|| pyvenv::ensure(&FLASK)) {
        Ok(path) => path,
        Err(why) => panic!("cannot run the live Flask interop test: {why}"),
    }
}

fn interop(args: &[&Path]) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/flask/interop.py");
    pyvenv::run_script(python(), &script, args);
}

/// Flask's key ring, in Flask's order: `SECRET_KEY`, then the fallback list.
fn flask_ring() -> SecretKeys {
    FLASK_FALLBACKS
        .iter()
        .fold(SecretKeys::new(FLASK_SECRET_KEY).unwrap(), |ring, key| {
            ring.with_fallback(*key)
        })
}

// ---------------------------------------------------------------------------
// Random sessions

/// A session value as the application holds it: exact JSON (numbers as
/// their text, maps in insertion order, as a Python dict keeps them) and
/// the Python-only values, each through its [`tagged`] helper type, which
/// is the only way a value becomes a Flask tag.
#[derive(Debug, Clone)]
enum V {
    Null,
    Bool(bool),
    /// A number as JSON text, written exactly.
    Num(String),
    /// A float, through serde's `f64`.
    Float(f64),
    Str(String),
    Arr(Vec<V>),
    /// In insertion order; a repeated key keeps its place.
    Obj(Vec<(String, V)>),
    Tuple(Vec<V>),
    Bytes(Vec<u8>),
    Markup(String),
    Uuid(u128),
    Date(UnixTime),
    /// Already in the tagged wire form.
    Wire(Wire),
}

impl V {
    fn set(entries: &mut Vec<(String, V)>, key: String, value: V) {
        match entries.iter_mut().find(|(k, _)| *k == key) {
            Some(entry) => entry.1 = value,
            None => entries.push((key, value)),
        }
    }
}

impl Serialize for V {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Null => serializer.serialize_unit(),
            Self::Bool(b) => serializer.serialize_bool(*b),
            Self::Num(text) => RawValue::from_string(text.clone())
                .map_err(serde::ser::Error::custom)?
                .serialize(serializer),
            Self::Float(f) => serializer.serialize_f64(*f),
            Self::Str(text) => serializer.serialize_str(text),
            Self::Arr(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Self::Obj(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (key, value) in entries {
                    map.serialize_entry(key, value)?;
                }
                map.end()
            }
            Self::Tuple(items) => Tuple(items.iter().collect()).serialize(serializer),
            Self::Bytes(bytes) => Bytes(bytes.clone()).serialize(serializer),
            Self::Markup(text) => Markup(text.clone()).serialize(serializer),
            Self::Uuid(n) => Uuid(*n).serialize(serializer),
            Self::Date(at) => HttpDate(*at).serialize(serializer),
            Self::Wire(wire) => wire.serialize(serializer),
        }
    }
}

struct Gen {
    rng: ChaCha8Rng,
}

impl Gen {
    fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    fn char(&mut self) -> char {
        let r = &mut self.rng;
        let pick: f64 = r.random();
        let code = if pick < 0.45 {
            r.random_range(0x20..=0x7e)
        } else if pick < 0.55 {
            return *['"', '\\', '/', '<', '>', '&', '\''].choose(r).unwrap();
        } else if pick < 0.62 {
            if r.random_bool(0.1) {
                0x7f
            } else {
                r.random_range(0..0x20)
            }
        } else if pick < 0.88 {
            loop {
                let c = r.random_range(0x80..=0xffff);
                if !(0xd800..=0xdfff).contains(&c) {
                    break c;
                }
            }
        } else {
            r.random_range(0x1_0000..=0x10_ffff)
        };
        char::from_u32(code).unwrap()
    }

    fn string(&mut self, max_len: usize) -> String {
        if self.rng.random_bool(0.08) {
            let fixed = ["", "</script>", " t", " di", "x__", "\u{e9}\u{4e2d}"];
            return (*fixed.choose(&mut self.rng).unwrap()).to_owned();
        }
        let len = self.rng.random_range(0..=max_len);
        (0..len).map(|_| self.char()).collect()
    }

    fn integer(&mut self) -> V {
        const EDGES: &[&str] = &[
            "0",
            "-0",
            "1",
            "-1",
            "9007199254740993",
            "9223372036854775807",
            "-9223372036854775808",
            "18446744073709551616",
            "1000000000000000000000000000000",
        ];
        let r = &mut self.rng;
        let pick: f64 = r.random();
        if pick < 0.3 {
            V::Num((*EDGES.choose(r).unwrap()).to_owned())
        } else if pick < 0.7 {
            V::Num(r.random::<i64>().to_string())
        } else {
            let len = r.random_range(21..=50);
            let mut text = String::new();
            if r.random_bool(0.5) {
                text.push('-');
            }
            text.push(char::from(b'0' + r.random_range(1..=9u8)));
            for _ in 1..len {
                text.push(char::from(b'0' + r.random_range(0..=9u8)));
            }
            V::Num(text)
        }
    }

    fn float(&mut self) -> V {
        const SPECIAL: &[f64] = &[0.0, -0.0, 1.0, 0.1, 1e16, 1e-5, 1e-4, 1e15, 5e-324, 100.0];
        const TEXTS: &[&str] = &["1E5", "2.50", "1e-7", "0.000010", "1.0e+16", "1e22"];
        let r = &mut self.rng;
        let pick: f64 = r.random();
        let value = if pick < 0.2 {
            *SPECIAL.choose(r).unwrap()
        } else if pick < 0.3 {
            return V::Num((*TEXTS.choose(r).unwrap()).to_owned());
        } else {
            loop {
                let x = f64::from_bits(r.random());
                if x.is_finite() {
                    break x;
                }
            }
        };
        V::Float(value)
    }

    fn scalar(&mut self) -> V {
        let pick: f64 = self.rng.random();
        if pick < 0.35 {
            V::Str(self.string(14))
        } else if pick < 0.55 {
            self.integer()
        } else if pick < 0.75 {
            self.float()
        } else if pick < 0.87 {
            V::Bool(self.rng.random())
        } else if pick < 0.95 {
            V::Null
        } else {
            V::Str("lorem ipsum ".repeat(self.rng.random_range(20..200)))
        }
    }

    /// A value JSON has no word for, through the helpers; or a plain map
    /// that only looks tagged.
    fn python_only(&mut self, depth: usize) -> V {
        match self.rng.random_range(0..6) {
            0 => {
                let len = self.rng.random_range(0..=3);
                V::Tuple((0..len).map(|_| self.value(depth + 1)).collect())
            }
            1 => {
                let len = self.rng.random_range(0..=20);
                V::Bytes((0..len).map(|_| self.rng.random()).collect())
            }
            2 => V::Markup(self.string(12)),
            3 => V::Uuid(self.rng.random()),
            4 => {
                // Years 100 to 9999: Flask reads (`email.utils`) a year
                // below 100 as a two-digit one, so its own dates of years
                // 1 to 99 do not survive a round trip (`0010` is 2010).
                let secs = self.rng.random_range(-59_011_459_200..253_402_300_800);
                V::Date(UnixTime::from_secs(secs))
            }
            _ => {
                let name = *[" t", " b", " m", " u", " d", " di"]
                    .choose(&mut self.rng)
                    .unwrap();
                let inner = self.value(depth + 1);
                V::Obj(vec![(name.to_owned(), inner)])
            }
        }
    }

    fn value(&mut self, depth: usize) -> V {
        if depth >= 4 {
            return self.scalar();
        }
        let pick: f64 = self.rng.random();
        if pick < 0.5 {
            self.scalar()
        } else if pick < 0.62 {
            self.python_only(depth)
        } else if pick < 0.8 {
            let len = self.rng.random_range(0..=4);
            V::Arr((0..len).map(|_| self.value(depth + 1)).collect())
        } else {
            let mut map = Vec::new();
            for _ in 0..self.rng.random_range(0..=4) {
                let key = self.string(8);
                let value = self.value(depth + 1);
                V::set(&mut map, key, value);
            }
            V::Obj(map)
        }
    }

    /// A value with a JSON form only (what itsdangerous' serializers take).
    fn plain(&mut self, depth: usize) -> V {
        if depth >= 4 {
            return self.scalar();
        }
        let pick: f64 = self.rng.random();
        if pick < 0.55 {
            self.scalar()
        } else if pick < 0.75 {
            let len = self.rng.random_range(0..=4);
            V::Arr((0..len).map(|_| self.plain(depth + 1)).collect())
        } else {
            let mut map = Vec::new();
            for _ in 0..self.rng.random_range(0..=4) {
                let key = self.string(8);
                let value = self.plain(depth + 1);
                V::set(&mut map, key, value);
            }
            V::Obj(map)
        }
    }

    fn session(&mut self) -> V {
        let mut map = Vec::new();
        if self.rng.random_bool(0.3) {
            let id: u32 = self.rng.random_range(1..=1_000_000);
            let token: [u64; 4] = self.rng.random();
            V::set(&mut map, "_user_id".into(), V::Str(id.to_string()));
            V::set(&mut map, "_fresh".into(), V::Bool(self.rng.random()));
            V::set(
                &mut map,
                "_id".into(),
                V::Str(token.iter().fold(String::new(), |mut s, w| {
                    write!(s, "{w:016x}").unwrap();
                    s
                })),
            );
        }
        if self.rng.random_bool(0.3) {
            V::set(&mut map, "_permanent".into(), V::Bool(true));
        }
        for _ in 0..self.rng.random_range(0..=6) {
            let key = self.string(10);
            let value = self.value(1);
            V::set(&mut map, key, value);
        }
        if map.is_empty() {
            let value = self.value(1);
            V::set(&mut map, "k".into(), value);
        }
        V::Obj(map)
    }
}

// ---------------------------------------------------------------------------
// Reporting

struct Failures {
    direction: &'static str,
    list: Vec<String>,
}

impl Failures {
    fn new(direction: &'static str) -> Self {
        Self {
            direction,
            list: Vec::new(),
        }
    }

    fn push(&mut self, index: u64, label: &str, what: &str, expected: &str, actual: &str) {
        self.list.push(format!(
            "{} case {index} ({label}): {what}\n  expected: {expected}\n  actual:   {actual}",
            self.direction
        ));
    }

    fn check(self, total: usize, seed: u64) {
        if self.list.is_empty() {
            return;
        }
        let shown: Vec<&str> = self.list.iter().take(15).map(String::as_str).collect();
        panic!(
            "{}: {} of {total} cases disagree with Flask (rerun with FLASK_LIVE_SEED={seed}):\n\n{}",
            self.direction,
            self.list.len(),
            shown.join("\n\n"),
        );
    }
}

/// Our answer in itsdangerous' verdict names: it raises `BadSignature` (or
/// its subclass `BadTimeSignature`) for structure, for a signature no key
/// matches, and for an authentic timestamp it cannot read ("Malformed
/// timestamp"), which is our `BadPayload(Timestamp)`.
fn outcome<T>(result: &Result<T, DecodeError>) -> String {
    match result {
        Ok(_) => "ok".to_owned(),
        Err(DecodeError::Expired { .. }) => "expired".to_owned(),
        Err(
            DecodeError::BadSignature
            | DecodeError::Malformed(_)
            | DecodeError::BadPayload(PayloadError::Timestamp),
        ) => "bad_signature".to_owned(),
        Err(DecodeError::BadPayload(_)) => "bad_payload".to_owned(),
        Err(other) => format!("{} ({other})", other.kind()),
    }
}

fn count<'a>(labels: impl Iterator<Item = Option<&'a str>>) -> BTreeMap<&'a str, usize> {
    labels.fold(BTreeMap::new(), |mut m, label| {
        *m.entry(label.unwrap_or("-")).or_default() += 1;
        m
    })
}

/// How many of `cases` have each value of `field` (cases we wrote).
fn count_ours<'a>(cases: &'a [Value], field: &str) -> BTreeMap<&'a str, usize> {
    count(cases.iter().map(|c| c[field].as_str()))
}

/// How many of `cases` have each value of `field` (cases Flask wrote).
fn count_flask<'a>(cases: &'a [J], field: &str) -> BTreeMap<&'a str, usize> {
    count(cases.iter().map(|c| c[field].as_str()))
}

// ---------------------------------------------------------------------------
// Rust -> Flask

#[test]
fn rust_cookies_read_and_rewritten_by_flask() {
    let seed = seed();
    println!("rust->flask: seed {seed} (set FLASK_LIVE_SEED to change it)");
    python();
    let started = Instant::now();
    let mut g = Gen::new(seed);

    let mut cases = Vec::with_capacity(CASES);
    for index in 0..CASES {
        let r = &mut g.rng;
        let (signing_secret, signed_with) = match r.random_range(0..100) {
            0..60 => (FLASK_SECRET_KEY, "secret_key"),
            60..75 => (FLASK_FALLBACKS[0], "fallback 0"),
            75..90 => (FLASK_FALLBACKS[1], "fallback 1"),
            _ => (*OTHER_KEYS.choose(r).unwrap(), "unknown key"),
        };
        // Our ring signs with its first key; the rest only verifies.
        let mut ring = SecretKeys::new(signing_secret).unwrap();
        for _ in 0..r.random_range(0..=2) {
            ring = ring.with_fallback(*OTHER_KEYS.choose(r).unwrap());
        }
        let max_age = *[LIFETIME, LIFETIME, LIFETIME, LIFETIME, 0, 1, 60, 3600]
            .choose(r)
            .unwrap();
        let codec = FlaskCodec::new(&ring, FlaskConfig::SESSIONS.with_max_age(Some(max_age)));
        let timestamp = BASE_TIME + r.random_range(0..1_000_000);
        let span = i64::try_from(max_age).unwrap();
        let now = timestamp
            + match r.random_range(0..7) {
                0 => 0,
                1 => span,
                2 => span + 1,
                3 => r.random_range(0..=span),
                4 => span + r.random_range(1..10_000_000),
                5 => -1,
                _ => -r.random_range(1..1_000_000),
            };
        // Mostly sessions; a few lists (Flask fails those with a 500) and a
        // few tags that do not load (BadPayload, a 500 too).
        let (payload, is_session, loads): (V, bool, bool) = match g.rng.random_range(0..100) {
            0..4 => {
                let len = g.rng.random_range(0..=3);
                (V::Arr((0..len).map(|_| g.value(1)).collect()), false, true)
            }
            4..7 => {
                let broken = [r#"{" t": 5}"#, r#"{" b": "a"}"#, r#"{" u": "xyz"}"#]
                    .choose(&mut g.rng)
                    .unwrap();
                (
                    V::Wire(Wire::parse(&format!(r#"{{"k": {broken}}}"#)).unwrap()),
                    true,
                    false,
                )
            }
            _ => (g.session(), true, true),
        };
        let at = UnixTime::from_secs(timestamp);
        let cookie = codec.encode_at(&payload, at).unwrap();
        // Flask's text for it: sorted keys, escapes, tags, every digit.
        let wire = tagged::to_wire(&payload).unwrap().to_string();
        let age = now - timestamp;
        let expect = if signed_with == "unknown key" {
            "bad_signature"
        } else if age > span || age < 0 {
            "expired"
        } else if loads {
            "ok"
        } else {
            "bad_payload"
        };
        cases.push(json!({
            "index": index,
            "cookie": cookie,
            "signing_secret": signing_secret,
            "signed_with": signed_with,
            "timestamp": timestamp,
            "now": now,
            "max_age": max_age,
            "expect": expect,
            "json": wire,
            "is_session": is_session,
            "loads": loads,
        }));
    }

    let scratch = pyvenv::Scratch::new("rust-to-flask");
    let cases_path = scratch.path.join("rust-cases.json");
    let result_path = scratch.path.join("flask-verdicts.json");
    let doc = json!({
        "seed": seed,
        "flask_secret_key": FLASK_SECRET_KEY,
        "flask_fallbacks": FLASK_FALLBACKS,
        "cases": cases,
    });
    fs::write(&cases_path, serde_json::to_string(&doc).unwrap()).unwrap();
    let generated = started.elapsed();
    interop(&[Path::new("check-rust"), &cases_path, &result_path]);
    let result = J::parse(&fs::read_to_string(&result_path).unwrap()).unwrap();

    let mut failures = Failures::new("rust->flask");
    for failure in result["failures"].as_array().unwrap() {
        let index = failure["index"].as_u64().unwrap();
        let case = &cases[usize::try_from(index).unwrap()];
        let label = format!(
            "signed with {}, max_age {}, now-ts {}",
            case["signed_with"].as_str().unwrap(),
            case["max_age"],
            case["now"].as_i64().unwrap() - case["timestamp"].as_i64().unwrap(),
        );
        failures.push(
            index,
            &label,
            failure["what"].as_str().unwrap(),
            failure["expected"].as_str().unwrap_or_default(),
            failure["actual"].as_str().unwrap_or_default(),
        );
    }
    let counts = &result["counts"];
    let tagged_count = cases
        .iter()
        .filter(|c| Wire::parse(c["json"].as_str().unwrap()).unwrap().has_tags())
        .count();
    let compressed = cases
        .iter()
        .filter(|c| c["cookie"].as_str().unwrap().starts_with('.'))
        .count();
    println!(
        "rust->flask: made {} cookies in {generated:.1?} ({compressed} compressed, {tagged_count} \
         with Python-only values; signed with {:?}; outcomes {:?})",
        cases.len(),
        count_ours(&cases, "signed_with"),
        count_ours(&cases, "expect"),
    );
    println!(
        "rust->flask: Flask {} / itsdangerous {} checked {} cases in {:.1?}: {} serializer \
         verdicts, {} tagged JSON texts, {} re-signed byte-identical, {} requests read, {} \
         request Set-Cookie byte-identical; {} mismatches",
        result["flask_version"].as_str().unwrap(),
        result["itsdangerous_version"].as_str().unwrap(),
        result["checked"],
        started.elapsed() - generated,
        counts["loads"],
        counts["json_text"],
        counts["redumped_identical"],
        counts["request_read"],
        counts["request_set_cookie_identical"],
        failures.list.len(),
    );
    assert_eq!(result["checked"].as_u64(), Some(CASES as u64));
    let ok = CASES - failures.list.len();
    failures.check(CASES, seed);
    println!("rust->flask: {ok} ok");
}

// ---------------------------------------------------------------------------
// Flask -> Rust

#[test]
fn flask_cookies_read_rewritten_and_migrated_by_rust() {
    let seed = seed();
    let python_seed = seed ^ 0xf1a5_0000_0000_0001;
    println!("flask->rust: seed {seed} (python random.Random({python_seed}))");
    python();
    let started = Instant::now();
    let scratch = pyvenv::Scratch::new("flask-to-rust");
    let config_path = scratch.path.join("config.json");
    let cases_path = scratch.path.join("flask-cases.json");
    let config = json!({
        "seed": python_seed,
        "count": CASES,
        "secret_key": FLASK_SECRET_KEY,
        "secret_key_fallbacks": FLASK_FALLBACKS,
        "other_keys": OTHER_KEYS,
    });
    fs::write(&config_path, serde_json::to_string(&config).unwrap()).unwrap();
    interop(&[Path::new("make-flask"), &config_path, &cases_path]);
    let made = started.elapsed();
    let doc = J::parse(&fs::read_to_string(&cases_path).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), CASES);

    let native_key = MasterKey::new("live", (1..=32).collect()).unwrap();
    let native = NativeCodec::new(
        &NativeKeyRing::new(native_key),
        // Random sessions may be far larger than a browser cookie.
        NativeConfig::SIGNED
            .with_max_age(None)
            .with_max_cookie_bytes(1 << 20)
            .with_limits(Limits::DEFAULT.with_max_cookie_len(1 << 20)),
    )
    .unwrap();
    let ring = flask_ring();
    let mut failures = Failures::new("flask->rust");
    let mut tally = BTreeMap::<&str, usize>::new();
    for case in cases {
        let index = case["index"].as_u64().unwrap();
        let expect = case["expect"].as_str().unwrap();
        let cookie = case["cookie"].as_str().unwrap();
        let timestamp = case["timestamp"].as_i64().unwrap();
        let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
        let max_age = case["max_age"].as_u64().unwrap();
        let wire_text = case["wire"].as_str().unwrap();
        let label = format!(
            "{}, key index {:?}, max_age {max_age}, now-ts {}",
            case["via"].as_str().unwrap(),
            case["expected_key_index"].as_u64(),
            now.as_secs() - timestamp
        );
        let before = failures.list.len();
        let mut fail = |what: &str, expected: &str, actual: &str| {
            failures.push(index, &label, what, expected, actual);
        };

        // 1. Flask's verdict, with the ring Flask holds.
        let codec = FlaskCodec::new(&ring, FlaskConfig::SESSIONS.with_max_age(Some(max_age)));
        let result = codec.decode_wire_at(cookie, now);
        let got = outcome(&result);
        if got != expect {
            fail("outcome", expect, &got);
        }
        // The CLI's and the session decode agree with the wire decode.
        let session = codec.decode_session_at(cookie, now);
        if outcome(&session) != got {
            fail("decode_session_at outcome", &got, &outcome(&session));
        }
        if expect == "bad_signature" {
            if failures.list.len() == before {
                *tally.entry("bad_signature").or_default() += 1;
            }
            continue;
        }
        // The content of an expired cookie is still authentic.
        let timeless = FlaskCodec::new(&ring, FlaskConfig::SESSIONS.with_max_age(None));
        let decoded = match timeless.decode_wire_at(cookie, now) {
            Ok(decoded) => decoded,
            Err(err) => {
                fail("decode without max_age", "ok", &err.to_string());
                continue;
            }
        };
        let wire = decoded.value();
        if wire.to_string() != wire_text {
            fail("tagged JSON text", wire_text, &wire.to_string());
        }
        if wire.has_tags() != case["tagged"].as_bool().unwrap() {
            fail(
                "has_tags",
                &case["tagged"].to_string(),
                &wire.has_tags().to_string(),
            );
        }
        if let Some(plain) = case["plain"].as_str() {
            let ours = timeless
                .decode_at::<Box<RawValue>>(cookie, now)
                .map(|d| session_cookie::json::to_string(d.value()).unwrap());
            if ours.as_deref() != Ok(plain) {
                fail("plain JSON", plain, &format!("{ours:?}"));
            }
        }
        if decoded.key_index() as u64 != case["expected_key_index"].as_u64().unwrap_or(u64::MAX) {
            fail(
                "key index",
                &case["expected_key_index"].to_string(),
                &decoded.key_index().to_string(),
            );
        }
        if decoded.issued_at().as_secs() != timestamp {
            fail(
                "issued_at",
                &timestamp.to_string(),
                &decoded.issued_at().to_string(),
            );
        }

        // 2. Signed again by us with the key Flask used, at the same second:
        // Flask's cookie, byte for byte.
        let signer =
            FlaskCodec::sessions(&SecretKeys::new(case["signing_key"].as_str().unwrap()).unwrap());
        let again = signer.encode_at(wire, decoded.issued_at()).unwrap();
        if again != cookie {
            fail("re-encoded cookie", cookie, &again);
        }

        // 3. Migrated to a native token that keeps the issue time, exactly
        // when Flask accepts the cookie.
        let moved = migrate_at(cookie, &codec, &native, now);
        match (&moved, expect) {
            (Ok(moved), "ok") => {
                let token = native
                    .decode_at::<Box<RawValue>>(moved.token(), now)
                    .unwrap();
                let view = codec.decode_at::<Box<RawValue>>(cookie, now).unwrap();
                // The same value, exactly (every digit), whatever the key
                // order.
                let sorted = |raw: &RawValue| session_cookie::json::to_string_sorted(raw).unwrap();
                let (token_json, view_json) = (sorted(token.value()), sorted(view.value()));
                if token.first_issued_at().as_secs() != timestamp || token_json != view_json {
                    fail(
                        "migrated token",
                        &format!("origin {timestamp}, {view_json}"),
                        &format!("origin {}, {token_json}", token.first_issued_at()),
                    );
                } else {
                    *tally.entry("migrated").or_default() += 1;
                }
            }
            (Err(_), "expired") => {}
            (moved, expect) => fail("migration", expect, &format!("{moved:?}")),
        }
        if failures.list.len() == before {
            *tally
                .entry(if expect == "ok" { "ok" } else { "expired" })
                .or_default() += 1;
        }
    }

    let fallback = cases
        .iter()
        .filter(|c| c["expected_key_index"].as_u64().is_some_and(|i| i > 0))
        .count();
    let tagged_count = cases.iter().filter(|c| c["tagged"] == true).count();
    let compressed = cases
        .iter()
        .filter(|c| c["cookie"].as_str().unwrap().starts_with('.'))
        .count();
    println!(
        "flask->rust: Flask {} made {} cookies in {made:.1?} (via {:?}; {compressed} compressed, \
         {tagged_count} with Python-only values, {fallback} signed with a fallback; outcomes \
         {:?}); checked in {:.1?}: {tally:?}",
        doc["flask_version"].as_str().unwrap(),
        cases.len(),
        count_flask(cases, "via"),
        count_flask(cases, "expect"),
        started.elapsed() - made,
    );
    let failed = failures.list.len();
    failures.check(CASES, seed);
    println!("flask->rust: {} ok", CASES - failed);
}

// ---------------------------------------------------------------------------
// itsdangerous' own signers and serializers

/// Cases in each direction for `URLSafeTimedSerializer`, Flask-WTF's CSRF
/// tokens, `Signer` and `TimestampSigner`.
const TOKEN_CASES: usize = 450;
const TOKEN_SEPS: [&str; 5] = [":", "|", "~~", "/", "!"];
const DIGESTS: [&str; 3] = ["sha1", "sha256", "sha512"];
const KEY_DERIVATIONS: [&str; 4] = ["django-concat", "concat", "hmac", "none"];
/// `None` is the class's own salt (`itsdangerous` for the serializers,
/// `itsdangerous.Signer` for the signers); `""` is an empty salt. The same
/// list as interop.py's.
const TOKEN_SALTS: [Option<&str>; 9] = [
    None,
    None,
    Some(""),
    Some("itsdangerous"),
    Some("email-confirm"),
    Some("password-reset"),
    Some("pr\u{e9}f\u{e9}rences \u{2713} \u{4e2d}"),
    Some("\u{1f511}"),
    Some(
        "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ),
];
/// Flask-WTF's `generate_csrf`: `URLSafeTimedSerializer(SECRET_KEY,
/// salt="wtf-csrf-token")`, checked with `max_age=3600` by default.
const WTF_SALT: &str = "wtf-csrf-token";
/// The characters of a signature (base64url without padding).
const B64_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// Alterations of a token (the same list as interop.py's).
const MUTATIONS: [&str; 8] = [
    "sig-char",
    "sig-noncanonical",
    "value-char",
    "truncate",
    "no-sep",
    "extra-sep",
    "empty",
    "ts-swap",
];
/// Timestamps that no `TimestampSigner` writes, signed anyway (as only a
/// key holder can), with the number itsdangerous reads from each
/// (`bytes_to_int(base64_decode(text))`), or `None` where it raises.
const ODD_TIMESTAMPS: [(&str, Option<u64>); 14] = [
    ("", Some(0)),
    ("!!", Some(0)),
    ("AQ", Some(1)),
    ("A", None),
    ("AAAAAAAAAAE", Some(1)),
    ("AAAAAAAAAAAA", None), // 9 bytes: struct.error, zeros or not
    ("AQAAAAAAAAAA", None),
    ("ZVPx\u{e9}AA", None), // the padding is counted with the non-ASCII bytes
    ("ZVPxAA==", Some(1_700_000_000)),
    ("ZVPxAA=", Some(1_700_000_000)),
    ("Ov_0QX8", Some(253_402_300_799)), // the last second of year 9999
    ("Ov_0QYA", Some(253_402_300_800)),
    ("gAAAAAAAAAA", Some(1 << 63)),
    ("__________8", Some(u64::MAX)),
];

/// Which itsdangerous object a case is about, with its options.
#[derive(Debug, Clone)]
struct TokenSpec {
    /// `serializer`, `wtf` (both `URLSafeTimedSerializer`), `signer` or
    /// `timestamp`.
    kind: String,
    salt: Option<String>,
    sep: String,
    digest: String,
    key_derivation: String,
}

/// One side's verdict on a token.
#[derive(Debug)]
struct TokenVerdict {
    verdict: String,
    /// The string, or the payload's JSON text.
    value: Option<String>,
    key_index: Option<usize>,
    issued_at: Option<i64>,
}

/// Large limits: the point is itsdangerous' format, not our size policy.
fn token_limits() -> Limits {
    Limits::DEFAULT
        .with_max_cookie_len(4 << 20)
        .with_max_inflated_len(16 << 20)
}

impl TokenSpec {
    fn from_case(case: &Value) -> Self {
        let text = |key: &str| case[key].as_str().unwrap().to_owned();
        Self {
            kind: text("kind"),
            salt: case["salt"].as_str().map(str::to_owned),
            sep: text("sep"),
            digest: text("digest"),
            key_derivation: text("key_derivation"),
        }
    }

    fn is_serializer(&self) -> bool {
        self.kind == "serializer" || self.kind == "wtf"
    }

    fn options(&self) -> its::Options {
        let options = its::Options::new()
            .with_sep(self.sep.clone())
            .unwrap()
            .with_digest(self.digest.parse::<Algorithm>().unwrap())
            .with_key_derivation(self.key_derivation.parse::<KeyDerivation>().unwrap())
            .with_limits(token_limits());
        match &self.salt {
            Some(salt) => options.with_salt(salt.clone()),
            None => options,
        }
    }

    /// A plain `Signer` under this case's salt: it makes the authentic
    /// tokens with odd timestamps.
    fn plain_signer(&self, secret: &str) -> its::Signer {
        let mut spec = self.clone();
        if self.is_serializer() && self.salt.is_none() {
            spec.salt = Some("itsdangerous".to_owned());
        }
        its::Signer::new(&SecretKeys::new(secret).unwrap(), &spec.options())
    }

    /// The token of `value` (a string, or a payload's JSON text) with
    /// `secret` at `at`.
    fn sign(&self, value: &str, secret: &str, at: UnixTime) -> String {
        let ring = SecretKeys::new(secret).unwrap();
        match self.kind.as_str() {
            "signer" => its::Signer::new(&ring, &self.options()).sign(value),
            "timestamp" => its::TimestampSigner::new(&ring, &self.options()).sign_at(value, at),
            _ => {
                let payload = RawValue::from_string(value.to_owned()).unwrap();
                its::UrlSafeTimedSerializer::new(&ring, &self.options())
                    .dumps_at(&payload, at)
                    .unwrap()
            }
        }
    }

    fn unsign(
        &self,
        ring: &SecretKeys,
        token: &str,
        now: UnixTime,
        max_age: Option<Duration>,
    ) -> TokenVerdict {
        let refused = |err: &DecodeError| TokenVerdict {
            verdict: outcome::<()>(&Err(err.clone())),
            value: None,
            key_index: None,
            issued_at: None,
        };
        match self.kind.as_str() {
            "signer" => match its::Signer::new(ring, &self.options()).unsign(token) {
                Ok(value) => TokenVerdict {
                    verdict: "ok".to_owned(),
                    value: Some(value.to_owned()),
                    key_index: None,
                    issued_at: None,
                },
                Err(err) => refused(&err),
            },
            "timestamp" => {
                match its::TimestampSigner::new(ring, &self.options())
                    .unsign_at(token, max_age, now)
                {
                    Ok(decoded) => TokenVerdict {
                        verdict: "ok".to_owned(),
                        key_index: Some(decoded.key_index()),
                        issued_at: Some(decoded.issued_at().as_secs()),
                        value: Some(decoded.into_value().to_owned()),
                    },
                    Err(err) => refused(&err),
                }
            }
            _ => match its::UrlSafeTimedSerializer::new(ring, &self.options())
                .loads_at::<Box<RawValue>>(token, max_age, now)
            {
                Ok(decoded) => TokenVerdict {
                    verdict: "ok".to_owned(),
                    key_index: Some(decoded.key_index()),
                    issued_at: Some(decoded.issued_at().as_secs()),
                    value: Some(decoded.into_value().get().to_owned()),
                },
                Err(err) => refused(&err),
            },
        }
    }

    fn label(&self) -> String {
        format!(
            "{} salt {:?} sep {:?} {} {}",
            self.kind,
            self.salt.as_deref().map(short),
            self.sep,
            self.digest,
            self.key_derivation
        )
    }
}

/// A long text cut for a failure message.
fn short(text: &str) -> String {
    let mut out: String = text.chars().take(100).collect();
    if out.len() < text.len() {
        write!(out, "... ({} bytes)", text.len()).unwrap();
    }
    out
}

/// The timestamp field of an itsdangerous token made with `sep` at `at`.
fn its_timestamp(sep: &str, at: UnixTime) -> String {
    let token = its::TimestampSigner::new(
        &SecretKeys::new("only-for-its-timestamp").unwrap(),
        &its::Options::new().with_sep(sep.to_owned()).unwrap(),
    )
    .sign_at("", at);
    let (rest, _) = token.rsplit_once(sep).unwrap();
    rest.strip_prefix(sep).unwrap().to_owned()
}

/// One alteration of `token` (made with `sep`): its name and the token.
fn token_mutate(
    g: &mut Gen,
    token: &str,
    sep: &str,
    issued: i64,
    timestamped: bool,
) -> (&'static str, String) {
    let choices: Vec<&str> = MUTATIONS
        .iter()
        .copied()
        .filter(|m| timestamped || *m != "ts-swap")
        .collect();
    let mutation = *choices.choose(&mut g.rng).unwrap();
    let (value, sig) = token.rsplit_once(sep).unwrap();
    let mut sig = sig.as_bytes().to_vec();
    let index_of = |c: u8| B64_ALPHABET.iter().position(|&b| b == c).unwrap();
    let altered = match mutation {
        "sig-char" => {
            let at = g.rng.random_range(0..sig.len() - 1);
            let old = sig[at];
            sig[at] = loop {
                let c = *B64_ALPHABET.choose(&mut g.rng).unwrap();
                if c != old {
                    break c;
                }
            };
            format!("{value}{sep}{}", String::from_utf8(sig).unwrap())
        }
        "sig-noncanonical" => {
            // The same tag to itsdangerous' lenient base64, not to ours.
            let unused = 6 * sig.len() - 8 * (6 * sig.len() / 8);
            let mask = (1usize << unused) - 1;
            let last = sig.len() - 1;
            let index = index_of(sig[last]);
            let flip = g.rng.random_range(1..=mask);
            sig[last] = B64_ALPHABET[(index & !mask) | ((index & mask) ^ flip)];
            format!("{value}{sep}{}", String::from_utf8(sig).unwrap())
        }
        "value-char" => {
            let mut chars: Vec<char> = value.chars().collect();
            if chars.is_empty() {
                format!("x{token}")
            } else {
                let at = g.rng.random_range(0..chars.len());
                let old = chars[at];
                chars[at] = loop {
                    let c = g.char();
                    if c != old {
                        break c;
                    }
                };
                let value: String = chars.into_iter().collect();
                format!("{value}{sep}{}", String::from_utf8(sig).unwrap())
            }
        }
        "truncate" => {
            let mut text = token.to_owned();
            text.pop();
            text
        }
        "no-sep" => token.replace(sep, ""),
        "extra-sep" => format!("{token}{sep}"),
        "empty" => String::new(),
        _ => {
            let (rest, _) = value.rsplit_once(sep).unwrap();
            let moved = its_timestamp(
                sep,
                UnixTime::from_secs(issued + g.rng.random_range(1..=1000)),
            );
            format!("{rest}{sep}{moved}{sep}{}", String::from_utf8(sig).unwrap())
        }
    };
    (mutation, altered)
}

/// A clock fraction in whole 1/512 s: exact as a Python float and in
/// nanoseconds.
const NANOS_PER_512TH: u32 = 1_953_125;

/// itsdangerous' verdict on an authentic token whose timestamp it reads as
/// `reading`, at `now`: `unsign` (and `loads`, which always asks for the
/// timestamp as a `datetime`) raise a plain `ValueError`/`OverflowError`
/// past year 9999.
fn its_timestamp_verdict(
    serializer: bool,
    reading: Option<u64>,
    now: UnixTime,
    max_age: Option<f64>,
) -> &'static str {
    let Some(timestamp) = reading else {
        return "bad_signature";
    };
    let in_datetime = timestamp <= 253_402_300_799;
    if let Some(max_age) = max_age {
        let age = i128::from(now.as_secs()) - i128::from(timestamp);
        if age as f64 > max_age || age < 0 {
            return if in_datetime { "expired" } else { "error" };
        }
    }
    if serializer && !in_datetime {
        return "error";
    }
    "ok"
}

/// Why itsdangerous' verdict on an odd timestamp is not ours: it crashes
/// past year 9999, and its base64 decoder repairs what ours refuses.
/// (Timestamps of nine bytes and more, leading zeros or not, and those past
/// 2^63 are read as itsdangerous reads them.)
fn its_divergence_reason(its_verdict: &str) -> &'static str {
    if its_verdict == "error" {
        "itsdangerous raises ValueError/OverflowError (not a BadSignature) for a timestamp \
         past year 9999"
    } else {
        "itsdangerous' base64 skips characters outside the alphabet and repairs the padding \
         of a timestamp; we refuse it"
    }
}

#[test]
fn rust_tokens_read_and_resigned_by_itsdangerous() {
    let seed = seed() ^ 0x1d5a_0000_0000_0003;
    println!("rust->itsdangerous: seed {seed}");
    python();
    let started = Instant::now();
    let mut g = Gen::new(seed);
    // itsdangerous' list runs from the oldest to the newest; our ring from
    // the newest (the signing key) to the oldest.
    let its_keys: Vec<&str> = FLASK_FALLBACKS
        .iter()
        .rev()
        .copied()
        .chain([FLASK_SECRET_KEY])
        .collect();
    let ring = flask_ring();

    let mut cases = Vec::with_capacity(TOKEN_CASES);
    let mut specs = Vec::with_capacity(TOKEN_CASES);
    for index in 0..TOKEN_CASES {
        let r = &mut g.rng;
        let kind = match r.random_range(0..100) {
            0..45 => "serializer",
            45..55 => "wtf",
            55..75 => "signer",
            _ => "timestamp",
        };
        let spec = if kind == "wtf" {
            TokenSpec {
                kind: kind.to_owned(),
                salt: Some(WTF_SALT.to_owned()),
                sep: ".".to_owned(),
                digest: "sha1".to_owned(),
                key_derivation: "django-concat".to_owned(),
            }
        } else {
            let salt = if r.random_bool(0.9) {
                TOKEN_SALTS.choose(r).unwrap().map(str::to_owned)
            } else {
                Some(g.string(8))
            };
            let r = &mut g.rng;
            TokenSpec {
                kind: kind.to_owned(),
                salt,
                sep: if r.random_bool(0.6) {
                    ".".to_owned()
                } else {
                    (*TOKEN_SEPS.choose(r).unwrap()).to_owned()
                },
                digest: (*DIGESTS.choose(r).unwrap()).to_owned(),
                key_derivation: (*KEY_DERIVATIONS.choose(r).unwrap()).to_owned(),
            }
        };
        let sep = spec.sep.clone();
        let r = &mut g.rng;
        let (signing_secret, signed_with) = match r.random_range(0..100) {
            0..55 => (FLASK_SECRET_KEY, "secret_key"),
            // Flask-WTF signs with SECRET_KEY alone: its old key is unknown.
            _ if kind == "wtf" => (FLASK_FALLBACKS[0], "fallback 0"),
            55..70 => (FLASK_FALLBACKS[0], "fallback 0"),
            70..85 => (FLASK_FALLBACKS[1], "fallback 1"),
            _ => (*OTHER_KEYS.choose(r).unwrap(), "unknown key"),
        };
        // The value: a string, or the JSON text of a payload.
        let value = match kind {
            "wtf" => {
                let token: [u64; 3] = g.rng.random();
                let hex = token.iter().fold(String::new(), |mut s, w| {
                    write!(s, "{w:016x}").unwrap();
                    s
                });
                format!("\"{}\"", &hex[..40])
            }
            "serializer" => {
                let record = |g: &mut Gen| {
                    V::Obj(vec![
                        (
                            "user_id".into(),
                            V::Num(g.rng.random_range(1..1_000_000_000).to_string()),
                        ),
                        (
                            "email".into(),
                            V::Str(format!("{}@example.com", g.string(10))),
                        ),
                    ])
                };
                let payload = match g.rng.random_range(0..20) {
                    0..15 => g.plain(0),
                    15..18 => record(&mut g),
                    // Large and repetitive: compressed.
                    _ => V::Arr(
                        (0..g.rng.random_range(20..120))
                            .map(|_| record(&mut g))
                            .collect(),
                    ),
                };
                serde_json::to_string(&payload).unwrap()
            }
            _ => {
                let mut value = match g.rng.random_range(0..20) {
                    0 => String::new(),
                    1 | 2 => "lorem ipsum ".repeat(g.rng.random_range(20..200)),
                    _ => g.string(20),
                };
                if g.rng.random_bool(0.25) {
                    let at = g.rng.random_range(0..=value.chars().count());
                    let at = value.char_indices().nth(at).map_or(value.len(), |(i, _)| i);
                    value.insert_str(at, &sep);
                }
                value
            }
        };
        let r = &mut g.rng;
        let timestamp = BASE_TIME + r.random_range(0..1_000_000);
        let clock_nanos = [0, 0, 1, 256, 511, r.random_range(0..512)]
            .choose(r)
            .unwrap()
            * NANOS_PER_512TH;
        let at = UnixTime::from_secs_nanos(timestamp, clock_nanos).unwrap();
        let signed = spec.sign(&value, signing_secret, at);
        // The payload text as our token carries it.
        let (json_text, value_text) = if spec.is_serializer() {
            let text = spec
                .unsign(&SecretKeys::new(signing_secret).unwrap(), &signed, at, None)
                .value
                .unwrap();
            (Some(text), None)
        } else {
            (None, Some(value.clone()))
        };

        let timestamped = spec.kind != "signer";
        let mut odd = None;
        let (mutation, token) = match g.rng.random_range(0..100) {
            0..25 => {
                let (name, token) = token_mutate(&mut g, &signed, &sep, timestamp, timestamped);
                (name.to_owned(), token)
            }
            25..40 if timestamped => {
                // Authentic, but not a timestamp itsdangerous would write.
                let (text, reading) = *ODD_TIMESTAMPS.choose(&mut g.rng).unwrap();
                odd = Some(reading);
                let (body, _) = signed.rsplit_once(&*sep).unwrap();
                let (body, _) = body.rsplit_once(&*sep).unwrap();
                let token = spec
                    .plain_signer(signing_secret)
                    .sign(&format!("{body}{sep}{text}"));
                (format!("odd-timestamp {text:?}"), token)
            }
            _ => ("none".to_owned(), signed.clone()),
        };

        let r = &mut g.rng;
        let max_age: Option<f64> = match kind {
            "signer" => None,
            "wtf" => Some(3600.0),
            _ => *[
                None,
                None,
                Some(0.0),
                Some(1.0),
                Some(60.0),
                Some(3600.0),
                Some(86400.0),
                Some(59.5),
            ]
            .choose(r)
            .unwrap(),
        };
        let span = (max_age.unwrap_or(10_000_000.0) * 512.0) as i64;
        let delta = match r.random_range(0..10) {
            0 => 0,
            1 => span,
            2 => span - 1,
            3 => span + 1,
            4 => span + 512,
            5 => r.random_range(0..=span),
            6 => -1,
            7 => -512,
            8 => span + r.random_range(1..10_000_000 * 512),
            _ => -r.random_range(1..1_000_000 * 512),
        };
        let total = timestamp * 512 + delta;
        let now = UnixTime::from_secs_nanos(
            total.div_euclid(512),
            u32::try_from(total.rem_euclid(512)).unwrap() * NANOS_PER_512TH,
        )
        .unwrap();
        let max_age_duration = max_age.map(Duration::from_secs_f64);
        let (case_ring, case_keys) = if kind == "wtf" {
            (
                SecretKeys::new(FLASK_SECRET_KEY).unwrap(),
                vec![FLASK_SECRET_KEY],
            )
        } else {
            (ring.clone(), its_keys.clone())
        };
        let ours = spec.unsign(&case_ring, &token, now, max_age_duration);
        // Where itsdangerous is known to answer otherwise.
        let holds_key = case_keys.contains(&signing_secret);
        let known = match odd {
            Some(reading) if holds_key => {
                let its = its_timestamp_verdict(spec.is_serializer(), reading, now, max_age);
                (its != ours.verdict).then(|| (its.to_owned(), its_divergence_reason(its)))
            }
            _ if mutation == "sig-noncanonical" => {
                // The same tag for itsdangerous: its verdict on the token
                // before the change (which we agree on).
                let before = spec
                    .unsign(&case_ring, &signed, now, max_age_duration)
                    .verdict;
                (before != ours.verdict).then_some((
                    before,
                    "itsdangerous' base64 ignores the unused low bits of a signature's last \
                     character; we take only the canonical text of a tag",
                ))
            }
            _ => None,
        };
        let known = known.map(|(its, why)| json!({"its": its, "why": why}));
        cases.push(json!({
            "index": index,
            "kind": spec.kind,
            "salt": spec.salt,
            "sep": spec.sep,
            "digest": spec.digest,
            "key_derivation": spec.key_derivation,
            "json": json_text,
            "value": value_text,
            "signing_secret": signing_secret,
            "signed_with": signed_with,
            "its_keys": case_keys,
            "timestamp": timestamp,
            "clock_nanos": clock_nanos,
            "signed": signed,
            "mutation": mutation,
            "token": token,
            "now_secs": now.as_secs(),
            "now_nanos": now.subsec_nanos(),
            "max_age": max_age,
            "expect": ours.verdict,
            "value_out": ours.value,
            "known": known,
        }));
        specs.push(spec);
    }

    let scratch = pyvenv::Scratch::new("rust-to-itsdangerous");
    let cases_path = scratch.path.join("rust-tokens.json");
    let result_path = scratch.path.join("itsdangerous-verdicts.json");
    fs::write(
        &cases_path,
        serde_json::to_string(&json!({"seed": seed, "cases": cases})).unwrap(),
    )
    .unwrap();
    let generated = started.elapsed();
    interop(&[Path::new("check-rust-tokens"), &cases_path, &result_path]);
    let result: Value = serde_json::from_slice(&fs::read(&result_path).unwrap()).unwrap();

    let mut failures = Failures::new("rust->itsdangerous");
    for failure in result["failures"].as_array().unwrap() {
        let index = usize::try_from(failure["index"].as_u64().unwrap()).unwrap();
        let case = &cases[index];
        let label = format!(
            "{}, signed with {}, mutation {}, max_age {}, now {}.{:09}, signed at {}.{:09}",
            specs[index].label(),
            case["signed_with"].as_str().unwrap(),
            case["mutation"].as_str().unwrap(),
            case["max_age"],
            case["now_secs"],
            case["now_nanos"],
            case["timestamp"],
            case["clock_nanos"],
        );
        failures.push(
            index as u64,
            &label,
            failure["what"].as_str().unwrap(),
            &short(failure["expected"].as_str().unwrap_or_default()),
            &short(failure["actual"].as_str().unwrap_or_default()),
        );
    }
    let tally = |field: &str| {
        cases
            .iter()
            .fold(BTreeMap::<String, usize>::new(), |mut m, c| {
                let key = c[field].as_str().unwrap_or("-");
                let key = key.split(' ').next().unwrap_or(key).to_owned();
                *m.entry(key).or_default() += 1;
                m
            })
    };
    let compressed = cases
        .iter()
        .filter(|c| c["json"].is_string() && c["signed"].as_str().unwrap().starts_with('.'))
        .count();
    let mut known = BTreeMap::<&str, (usize, String)>::new();
    for case in cases.iter().filter(|c| !c["known"].is_null()) {
        let entry = known
            .entry(case["known"]["why"].as_str().unwrap())
            .or_insert_with(|| {
                let example = format!(
                    "e.g. case {}: {} {:?} -> itsdangerous {}, us {}",
                    case["index"],
                    case["kind"].as_str().unwrap(),
                    short(case["token"].as_str().unwrap()),
                    case["known"]["its"].as_str().unwrap(),
                    case["expect"].as_str().unwrap(),
                );
                (0, example)
            });
        entry.0 += 1;
    }
    println!(
        "rust->itsdangerous: made {} tokens in {generated:.1?} (kinds {:?}, {compressed} \
         compressed; signed with {:?}; mutations {:?}; our verdicts {:?})",
        cases.len(),
        tally("kind"),
        tally("signed_with"),
        tally("mutation"),
        tally("expect"),
    );
    for (why, (count, example)) in &known {
        println!("rust->itsdangerous: known divergence ({count}x): {why}; {example}");
    }
    let counts = &result["counts"];
    println!(
        "rust->itsdangerous: itsdangerous {} checked {} in {:.1?}: {} re-made byte-identical, {} \
         verdicts as expected ({} of them the known divergences above), {} identical values; {} \
         mismatches",
        result["itsdangerous_version"].as_str().unwrap(),
        result["checked"],
        started.elapsed() - generated,
        counts["resigned_identical"],
        counts["verdicts"],
        counts["known"],
        counts["values"],
        failures.list.len(),
    );
    assert_eq!(result["checked"].as_u64(), Some(TOKEN_CASES as u64));
    failures.check(TOKEN_CASES, seed);
}

#[test]
fn itsdangerous_tokens_read_and_resigned_by_rust() {
    let seed = seed();
    let python_seed = seed ^ 0x1d5a_0000_0000_0004;
    println!("itsdangerous->rust: seed {seed} (python random.Random({python_seed}))");
    python();
    let started = Instant::now();
    let scratch = pyvenv::Scratch::new("itsdangerous-to-rust");
    let config_path = scratch.path.join("config.json");
    let cases_path = scratch.path.join("its-tokens.json");
    let config = json!({
        "seed": python_seed,
        "count": TOKEN_CASES,
        "secret_key": FLASK_SECRET_KEY,
        "secret_key_fallbacks": FLASK_FALLBACKS,
        "other_keys": OTHER_KEYS,
    });
    fs::write(&config_path, serde_json::to_string(&config).unwrap()).unwrap();
    interop(&[Path::new("make-itsdangerous"), &config_path, &cases_path]);
    let made = started.elapsed();
    let doc: Value = serde_json::from_slice(&fs::read(&cases_path).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), TOKEN_CASES);

    let mut failures = Failures::new("itsdangerous->rust");
    let mut failed = 0;
    let mut counts = BTreeMap::<&str, usize>::new();
    for case in cases {
        let index = case["index"].as_u64().unwrap();
        let spec = TokenSpec::from_case(case);
        let mutation = case["mutation"].as_str();
        let expect = case["expect"].as_str().unwrap();
        let token = case["token"].as_str().unwrap();
        let signing_key = case["signing_key"].as_str().unwrap();
        let now = UnixTime::from_secs_nanos(
            case["now_secs"].as_i64().unwrap(),
            u32::try_from(case["now_nanos"].as_u64().unwrap()).unwrap(),
        )
        .unwrap();
        let max_age = case["max_age"].as_f64().map(Duration::from_secs_f64);
        let expected_index = case["expected_key_index"].as_u64();
        let label = format!(
            "{}, key index {expected_index:?}, mutation {}, max_age {}, now {}.{:09}, signed at {}",
            spec.label(),
            mutation.unwrap_or("none"),
            case["max_age"],
            case["now_secs"],
            case["now_nanos"],
            case["timestamp"],
        );
        let before = failures.list.len();
        let mut fail = |what: &str, expected: &str, actual: &str| {
            failures.push(index, &label, what, &short(expected), &short(actual));
        };
        let keys: Vec<&str> = case["rust_ring"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_str().unwrap())
            .collect();
        let ring = keys[1..]
            .iter()
            .fold(SecretKeys::new(keys[0]).unwrap(), |ring, k| {
                ring.with_fallback(*k)
            });

        // 1. itsdangerous' verdict and value, the key and the time.
        let ours = spec.unsign(&ring, token, now, max_age);
        // Where we answer otherwise on purpose (see the report above).
        let known = if expect == "bad_signature" {
            None
        } else if mutation == Some("sig-noncanonical") {
            Some("a signature that is not the canonical text of its tag")
        } else if signing_key.is_empty() {
            Some("signed with the empty key, which itsdangerous holds; our ring cannot")
        } else {
            None
        };
        match known {
            Some(why) if ours.verdict == "bad_signature" => {
                *counts.entry("known divergences").or_default() += 1;
                *counts.entry(why).or_default() += 1;
            }
            Some(why) => fail(why, "bad_signature", &ours.verdict),
            None if ours.verdict == expect => *counts.entry("verdict").or_default() += 1,
            None => fail(
                "verdict",
                &format!("{expect} ({})", case["detail"]),
                &ours.verdict,
            ),
        }
        if expect == "ok" && known.is_none() {
            let want = case["value_out"].as_str().unwrap();
            if ours.value.as_deref() == Some(want) {
                *counts.entry("value").or_default() += 1;
            } else {
                fail("value", want, &format!("{:?}", ours.value));
            }
            if spec.kind != "signer" && mutation.is_none() {
                if ours.key_index.map(|i| i as u64) == expected_index
                    && ours.issued_at == case["timestamp"].as_i64()
                {
                    *counts.entry("key index and issue time").or_default() += 1;
                } else {
                    fail(
                        "key index, issue time",
                        &format!("{expected_index:?}, {}", case["timestamp"]),
                        &format!("{:?}, {:?}", ours.key_index, ours.issued_at),
                    );
                }
            }
        }

        // 2. The same value by us with itsdangerous' key at its (fractional)
        // second: its token, byte for byte.
        if signing_key.is_empty() {
            *counts.entry("not re-signed (empty key)").or_default() += 1;
        } else {
            let at = UnixTime::from_secs_nanos(
                case["timestamp"].as_i64().unwrap(),
                u32::try_from(case["clock_nanos"].as_u64().unwrap()).unwrap(),
            )
            .unwrap();
            let value = case["json"].as_str().or(case["value"].as_str()).unwrap();
            let signed = case["signed"].as_str().unwrap();
            let again = spec.sign(value, signing_key, at);
            if again == signed {
                *counts.entry("re-signed").or_default() += 1;
            } else {
                fail("re-signed token", signed, &again);
            }
        }
        if failures.list.len() > before {
            failed += 1;
        }
    }

    let tally = |field: &str| {
        cases
            .iter()
            .fold(BTreeMap::<String, usize>::new(), |mut m, c| {
                let key = c[field].as_str().unwrap_or("-").to_owned();
                *m.entry(key).or_default() += 1;
                m
            })
    };
    let compressed = cases
        .iter()
        .filter(|c| c["json"].is_string() && c["signed"].as_str().unwrap().starts_with('.'))
        .count();
    let fallback = cases
        .iter()
        .filter(|c| c["expected_key_index"].as_u64().is_some_and(|i| i > 0))
        .count();
    println!(
        "itsdangerous->rust: itsdangerous {} made {} tokens in {made:.1?} (kinds {:?}, \
         {compressed} compressed, {fallback} signed with a key the list holds as a fallback; \
         mutations {:?}; verdicts {:?}); checked in {:.1?}: {counts:?}",
        doc["itsdangerous_version"].as_str().unwrap(),
        cases.len(),
        tally("kind"),
        tally("mutation"),
        tally("expect"),
        started.elapsed() - made,
    );
    failures.check(TOKEN_CASES, seed);
    println!("itsdangerous->rust: {} ok", TOKEN_CASES - failed);
}
