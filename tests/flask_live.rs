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
use std::time::Instant;
use std::{env, fs};

use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::value::RawValue;
use serde_json::{Value, json};
use session_cookie::json::tagged::{self, Bytes, HttpDate, Markup, Tuple, Uuid, Wire};
use session_cookie::{
    DecodeError, FlaskCodec, FlaskConfig, KeyRing, Limits, MasterKey, NativeCodec, NativeConfig,
    NativeKeyRing, UnixTime, migrate_at,
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
fn flask_ring() -> KeyRing {
    FLASK_FALLBACKS
        .iter()
        .fold(KeyRing::new(FLASK_SECRET_KEY).unwrap(), |ring, key| {
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
                // Years 1 to 9999.
                let secs = self.rng.random_range(-62_135_596_800..253_402_300_800);
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

fn outcome<T>(result: &Result<T, DecodeError>) -> String {
    match result {
        Ok(_) => "ok".to_owned(),
        Err(DecodeError::Expired { .. }) => "expired".to_owned(),
        Err(DecodeError::BadSignature | DecodeError::Malformed(_)) => "bad_signature".to_owned(),
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
        let mut ring = KeyRing::new(signing_secret).unwrap();
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
            FlaskCodec::sessions(&KeyRing::new(case["signing_key"].as_str().unwrap()).unwrap());
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
