//! Live, two-way interop against real Django 5.2 (the LTS line).
//!
//! The golden vectors in `tests/vectors/django.json` are frozen; this test
//! asks a real Django, running now, about hundreds of random values:
//!
//! - **Rust → Django**: seeded random sessions and values, signed by
//!   [`DjangoCodec`] (session and `signing` configurations, custom salts,
//!   with and without compression, sometimes with a key that Django holds
//!   only in `SECRET_KEY_FALLBACKS`, or with one it does not hold at all).
//!   `tests/django/interop.py` checks each with Django's clock frozen:
//!   `signing.loads` gives the expected outcome and exactly our JSON text,
//!   `signing.dumps` at the same second gives our cookie byte for byte, and
//!   `SessionStore` loads (and saves) session cookies the same way.
//! - **Django → Rust**: the script makes its own seeded random values and
//!   signs them with `signing.dumps` and `SessionStore.save`; we decode each
//!   with [`DjangoCodec::decode_at`] under a key ring where the signing key
//!   may be a fallback, check Django's verdict, the exact JSON text and
//!   `used_fallback()`, and sign the value again to get Django's cookie back.
//!
//! Django comes from a virtualenv in `<target dir>/django-venv`, created on
//! first use with `pip install "django>=5.2,<5.3"` (PyPI must be reachable
//! then). `SESSION_COOKIE_PYTHON` may name a Python that already has Django.
//! `DJANGO_LIVE_SEED` replaces the pinned seed. A failure to set Django up
//! fails the test: it never skips.

// Test code: a step that cannot go on is a failed test, and the indexes are
// into values this file built.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::OnceLock;
use std::time::Instant;
use std::{env, fs};

#[path = "support/exact.rs"]
mod exact;
#[path = "support/pyvenv.rs"]
#[allow(dead_code, unreachable_pub)] // shared with the other live tests
mod pyvenv;

use exact::J;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use session_cookie::{
    DJANGO_SESSION_COOKIE_AGE, DecodeError, Decoded, DjangoCodec, DjangoConfig, KeyRing, Limits,
    Session, UnixTime,
};

/// The pinned seed; `DJANGO_LIVE_SEED` overrides it to explore.
const DEFAULT_SEED: u64 = 0x5e55_10c0_0c1e_2025;
/// Cases in each direction.
const CASES: usize = 600;

/// Django's settings for the whole run: `SECRET_KEY` and
/// `SECRET_KEY_FALLBACKS`. Non-ASCII on purpose: Django signs with UTF-8.
const DJANGO_SECRET_KEY: &str = "django-insecure-live-\u{3a9}-7d1c2e3f4a5b6c7d8e9f0a1b2c3d4e5f";
const DJANGO_FALLBACKS: [&str; 2] = [
    "django-insecure-previous-0123456789abcdef0123456789abcdef",
    "older-key-with-\u{fc}-and-\u{4e2d}\u{6587}-and-\u{1f511}",
];
/// Keys Django never has: cookies signed with them must not verify.
const OTHER_KEYS: [&str; 2] = ["a-key-django-never-had", "another unknown key #2"];

const SESSION_SALT: &str = "django.contrib.sessions.backends.signed_cookies";
/// Salts for the `signing` configuration (the empty one means
/// `django.core.signing.TimestampSigner` on both sides).
const SALTS: [&str; 7] = [
    "django.core.signing",
    "",
    SESSION_SALT,
    "my.app.remember-me",
    "pr\u{e9}f\u{e9}rences \u{2713} \u{4e2d}",
    "colon:in:salt",
    "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy",
];
/// Signing times are spread over the ~11 days after this.
const BASE_TIME: i64 = 1_760_000_000;

fn seed() -> u64 {
    match env::var("DJANGO_LIVE_SEED") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("DJANGO_LIVE_SEED={text:?} is not a u64")),
        Err(_) => DEFAULT_SEED,
    }
}

/// Large limits: some random payloads are tens of KB uncompressed, and the
/// point here is Django's format, not our size policy.
fn generous_limits() -> Limits {
    Limits::DEFAULT
        .with_max_cookie_len(4 << 20)
        .with_max_inflated_len(16 << 20)
}

// ---------------------------------------------------------------------------
// A Python with Django

const DJANGO: pyvenv::Framework = pyvenv::Framework {
    venv: "django-venv",
    requirement: "django>=5.2,<5.3",
    module: "django",
    version_code: "import django, sys; sys.stdout.write(django.get_version())",
    accepts: |v| v.starts_with("5.2"),
    python_env: "SESSION_COOKIE_PYTHON",
};

/// The interpreter, set up once per test process and shared by both tests.
fn python() -> &'static Path {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    match PYTHON.get_or_init(|| pyvenv::ensure(&DJANGO)) {
        Ok(path) => path,
        Err(why) => panic!("cannot run the live Django interop test: {why}"),
    }
}

fn interop(args: &[&Path]) -> Output {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/django/interop.py");
    pyvenv::run_script(python(), &script, args)
}

// ---------------------------------------------------------------------------
// Random values, the same variety as `Gen` in interop.py

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
        const SPECIAL: &[char] = &[
            '\u{e9}', '\u{fc}', '\u{df}', '\u{4e2d}', '\u{6587}', '\u{65e5}', '\u{672c}',
            '\u{8a9e}', '\u{2028}', '\u{2029}', '\u{feff}', '\u{ffff}', '\u{a0}', '\u{80}',
            '\u{ff}', '\u{20ac}',
        ];
        const ASTRAL: &[char] = &[
            '\u{1f600}',
            '\u{1d11e}',
            '\u{1f4a9}',
            '\u{10000}',
            '\u{10ffff}',
        ];
        let r = &mut self.rng;
        let pick: f64 = r.random();
        let code = if pick < 0.40 {
            r.random_range(0x20..=0x7e)
        } else if pick < 0.48 {
            return *['"', '\\', '/', '<', '>', '&', '\''].choose(r).unwrap();
        } else if pick < 0.58 {
            if r.random_bool(0.1) {
                0x7f
            } else {
                r.random_range(0..0x20)
            }
        } else if pick < 0.70 {
            return *SPECIAL.choose(r).unwrap();
        } else if pick < 0.82 {
            // Any BMP character; surrogates are not characters.
            loop {
                let c = r.random_range(0x80..=0xffff);
                if !(0xd800..=0xdfff).contains(&c) {
                    break c;
                }
            }
        } else if pick < 0.90 {
            return *ASTRAL.choose(r).unwrap();
        } else {
            r.random_range(0x1_0000..=0x10_ffff)
        };
        char::from_u32(code).unwrap()
    }

    fn string(&mut self, max_len: usize) -> String {
        if self.rng.random_bool(0.05) {
            let fixed = ["", "</script>", "null", "a:b:c", "\u{e9}\u{4e2d}\u{6587}"];
            return (*fixed.choose(&mut self.rng).unwrap()).to_owned();
        }
        let len = self.rng.random_range(0..=max_len);
        (0..len).map(|_| self.char()).collect()
    }

    /// Several KB of repeated text: compression pays.
    fn big_string(&mut self) -> String {
        let unit = match self.rng.random_range(0..5) {
            0 => "lorem ipsum dolor sit amet ".to_owned(),
            1 => "abc".to_owned(),
            2 => "z\u{e9}\u{4e2d}\u{1f600} ".to_owned(),
            3 => {
                let s = self.string(12);
                if s.is_empty() { "x".to_owned() } else { s }
            }
            _ => r#"{"nested": "json-looking"} "#.to_owned(),
        };
        let target = self.rng.random_range(1500..=6000);
        unit.chars().cycle().take(target).collect()
    }

    /// A JSON number from its text, kept exactly.
    fn number(text: &str) -> J {
        J::num(text)
    }

    fn integer(&mut self) -> J {
        const EDGES: &[&str] = &[
            "0",
            "1",
            "-1",
            "-0",
            "2147483647",
            "-2147483648",
            "9007199254740991",
            "9007199254740992",
            "9007199254740993",
            "-9007199254740993",
            "9223372036854775807",
            "-9223372036854775808",
            "9223372036854775808",
            "18446744073709551615",
            "18446744073709551616",
            "18446744073709551617",
            "-18446744073709551617",
            "1000000000000000000000000000000",
            "-1000000000000000000000000000007",
        ];
        let r = &mut self.rng;
        let pick: f64 = r.random();
        if pick < 0.3 {
            Self::number(EDGES.choose(r).unwrap())
        } else if pick < 0.6 {
            J::from(r.random::<i64>())
        } else if pick < 0.7 {
            J::from(r.random::<u64>())
        } else if pick < 0.8 {
            J::from(r.random_range(-1000i64..=1000))
        } else {
            // Beyond 2^64: 21 to 60 digits, either sign.
            let len = r.random_range(21..=60);
            let mut text = String::new();
            if r.random_bool(0.5) {
                text.push('-');
            }
            text.push(char::from(b'0' + r.random_range(1..=9u8)));
            for _ in 1..len {
                text.push(char::from(b'0' + r.random_range(0..=9u8)));
            }
            Self::number(&text)
        }
    }

    fn float(&mut self) -> J {
        const SPECIAL: &[f64] = &[
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.5,
            1e16,
            1e-5,
            1e-4,
            1e15,
            1e100,
            5e-324,
            2.2250738585072014e-308,
            1.7976931348623157e308,
            0.30000000000000004,
            123_456_789.123_456_79,
            1.2345678901234568e16,
            9_007_199_254_740_993.0,
        ];
        // The same kind of values as text a client might have sent: not the
        // shortest form, upper-case exponents, trailing zeros, long digits.
        const TEXTS: &[&str] = &[
            "1E5",
            "2.50",
            "1e-7",
            "0.000010",
            "-0.0",
            "123.456e2",
            "1.0e+16",
            "0.1e1",
            "1e22",
            "1e-320",
            "3.14159265358979323846264338327950288",
            "-2.5E-3",
            "100000000000000000.0",
        ];
        let r = &mut self.rng;
        let pick: f64 = r.random();
        let value = if pick < 0.2 {
            *SPECIAL.choose(r).unwrap()
        } else if pick < 0.3 {
            return Self::number(TEXTS.choose(r).unwrap());
        } else {
            loop {
                let bits: u64 = if pick < 0.45 {
                    // Subnormal (or zero): the exponent bits are all zero.
                    r.random::<u64>() & 0x800f_ffff_ffff_ffff
                } else if pick < 0.75 {
                    r.random()
                } else {
                    let magnitude = *[1.0, 1e-9, 1e9, 1e-3].choose(r).unwrap();
                    (r.random_range(-1e6..1e6_f64) * magnitude).to_bits()
                };
                let x = f64::from_bits(bits);
                if x.is_finite() {
                    break x;
                }
            }
        };
        J::from(value)
    }

    fn scalar(&mut self) -> J {
        let pick: f64 = self.rng.random();
        if pick < 0.35 {
            J::Str(self.string(16))
        } else if pick < 0.55 {
            self.integer()
        } else if pick < 0.75 {
            self.float()
        } else if pick < 0.85 {
            J::Bool(self.rng.random())
        } else if pick < 0.92 {
            J::Null
        } else if pick < 0.95 {
            J::Str(self.big_string())
        } else {
            J::Str(self.string(40))
        }
    }

    fn object(&mut self, depth: usize, max_items: usize) -> J {
        let mut map = J::obj::<String>([]);
        for _ in 0..self.rng.random_range(0..=max_items) {
            let key = self.string(10);
            let value = self.value(depth + 1);
            // A key drawn twice keeps its first position, as in Python.
            map.insert(key, value);
        }
        map
    }

    fn value(&mut self, depth: usize) -> J {
        if depth >= 5 {
            return self.scalar();
        }
        let pick: f64 = self.rng.random();
        if pick < 0.55 {
            self.scalar()
        } else if pick < 0.8 {
            let len = self.rng.random_range(0..=5);
            J::Arr((0..len).map(|_| self.value(depth + 1)).collect())
        } else {
            self.object(depth, 6)
        }
    }

    fn session(&mut self) -> J {
        let mut map = J::obj::<String>([]);
        if self.rng.random_bool(0.3) {
            let id: u32 = self.rng.random_range(1..=1_000_000);
            let hash: [u64; 4] = self.rng.random();
            map.insert("_auth_user_id", J::from(id.to_string()));
            map.insert(
                "_auth_user_backend",
                J::from("django.contrib.auth.backends.ModelBackend"),
            );
            map.insert(
                "_auth_user_hash",
                J::from(hash.iter().fold(String::new(), |mut s, w| {
                    write!(s, "{w:016x}").unwrap();
                    s
                })),
            );
        }
        for _ in 0..self.rng.random_range(0..=7) {
            let key = self.string(12);
            let value = self.value(1);
            map.insert(key, value);
        }
        map
    }
}

/// Where two texts first differ, for long payloads.
fn first_difference(expected: &str, actual: &str) -> String {
    let at = expected
        .bytes()
        .zip(actual.bytes())
        .position(|(a, b)| a != b)
        .unwrap_or_else(|| expected.len().min(actual.len()));
    let context = |s: &str| {
        let start = at.saturating_sub(20).min(s.len());
        let end = (at + 40).min(s.len());
        s.get(start..end).unwrap_or("").to_owned()
    };
    format!(
        "first difference at byte {at} (lengths {} and {}): expected {:?} actual {:?}",
        expected.len(),
        actual.len(),
        context(expected),
        context(actual)
    )
}

/// Collected mismatches; the test fails at the end with all of them.
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
        let mut text = format!(
            "{} case {index} ({label}): {what}\n  expected: {expected}\n  actual:   {actual}",
            self.direction
        );
        if expected != actual {
            write!(text, "\n  {}", first_difference(expected, actual)).unwrap();
        }
        self.list.push(text);
    }

    fn check(self, total: usize, seed: u64) {
        if self.list.is_empty() {
            return;
        }
        let shown: Vec<&str> = self.list.iter().take(15).map(String::as_str).collect();
        panic!(
            "{}: {} of {total} cases disagree with Django (seed {seed}; \
             rerun with DJANGO_LIVE_SEED={seed}):\n\n{}\n{}",
            self.direction,
            self.list.len(),
            shown.join("\n\n"),
            if self.list.len() > shown.len() {
                format!("\n... and {} more", self.list.len() - shown.len())
            } else {
                String::new()
            }
        );
    }
}

// ---------------------------------------------------------------------------
// Rust -> Django

#[test]
fn rust_cookies_read_and_rewritten_by_django() {
    let seed = seed();
    println!("rust->django: seed {seed} (set DJANGO_LIVE_SEED to change it)");
    let python = python();
    let started = Instant::now();
    let mut g = Gen::new(seed);
    let ring_of = |secret: &str| KeyRing::new(secret).unwrap();

    let mut cases = Vec::with_capacity(CASES);
    for index in 0..CASES {
        let r = &mut g.rng;
        // Who signs: Django's SECRET_KEY, one of its fallbacks, or a key
        // Django does not know.
        let (signing_secret, signed_with) = match r.random_range(0..100) {
            0..60 => (DJANGO_SECRET_KEY, "secret_key"),
            60..75 => (DJANGO_FALLBACKS[0], "fallback 0"),
            75..90 => (DJANGO_FALLBACKS[1], "fallback 1"),
            _ => (*OTHER_KEYS.choose(r).unwrap(), "unknown key"),
        };
        // The ring signs with its first key; what follows only verifies.
        let mut ring = ring_of(signing_secret);
        for _ in 0..r.random_range(0..=2) {
            ring = ring.with_fallback(*OTHER_KEYS.choose(r).unwrap());
        }
        let sessions = r.random_bool(0.5);
        let (codec, max_age) = if sessions {
            let max_age = if r.random_bool(0.8) {
                Some(DJANGO_SESSION_COOKIE_AGE)
            } else {
                *[None, Some(0), Some(60)].choose(r).unwrap()
            };
            (DjangoCodec::sessions(&ring), max_age)
        } else {
            let config = DjangoConfig::SIGNING
                .with_salt(*SALTS.choose(r).unwrap())
                .with_compress(r.random_bool(0.5));
            let max_age = *[None, None, Some(0), Some(1), Some(60), Some(3600)]
                .choose(r)
                .unwrap();
            (DjangoCodec::new(&ring, config), max_age)
        };
        let timestamp = BASE_TIME + r.random_range(0..1_000_000);
        let span = max_age.map_or(10_000_000, |m| i64::try_from(m).unwrap());
        let now = timestamp
            + match r.random_range(0..6) {
                0 => 0,
                1 => span,
                2 => span + 1,
                3 => r.random_range(0..=span),
                4 => span + r.random_range(1..10_000_000),
                _ => -r.random_range(1..1_000_000),
            };
        let at = UnixTime::from_secs(timestamp);
        let (cookie, text) = if sessions && g.rng.random_bool(0.5) {
            // Through the Session type, as a handler would.
            let mut session = Session::new();
            for (key, value) in g.session().as_object().unwrap() {
                session.insert(key.clone(), value).unwrap();
            }
            (
                codec.encode_at(&session, at).unwrap(),
                session_cookie::json::to_string(&session).unwrap(),
            )
        } else {
            let payload = if sessions {
                g.session()
            } else if g.rng.random_bool(0.6) {
                g.value(0)
            } else {
                g.object(0, 6)
            };
            (
                codec.encode_at(&payload, at).unwrap(),
                session_cookie::json::to_string(&payload).unwrap(),
            )
        };
        let expect = if signed_with == "unknown key" {
            "bad_signature"
        } else if max_age.is_some_and(|m| now - timestamp > i64::try_from(m).unwrap()) {
            "expired"
        } else {
            "ok"
        };
        cases.push(json!({
            "index": index,
            "config": if sessions { "DjangoCodec::sessions" } else { "DjangoConfig::SIGNING" },
            "cookie": cookie,
            "salt": codec.config().salt(),
            "compress": codec.config().compress(),
            "signing_secret": signing_secret,
            "signed_with": signed_with,
            "django_secret_key": DJANGO_SECRET_KEY,
            "django_fallbacks": DJANGO_FALLBACKS,
            "timestamp": timestamp,
            "now": now,
            "max_age": max_age,
            "expect": expect,
            "json": text,
        }));
    }

    let scratch = pyvenv::Scratch::new("rust-to-django");
    let cases_path = scratch.path.join("rust-cases.json");
    let result_path = scratch.path.join("django-verdicts.json");
    let doc = json!({
        "seed": seed,
        "django_secret_key": DJANGO_SECRET_KEY,
        "django_fallbacks": DJANGO_FALLBACKS,
        "cases": cases,
    });
    fs::write(&cases_path, serde_json::to_string(&doc).unwrap()).unwrap();
    let generated = started.elapsed();
    interop(&[Path::new("check-rust"), &cases_path, &result_path]);
    let result: Value = serde_json::from_slice(&fs::read(&result_path).unwrap()).unwrap();

    let mut failures = Failures::new("rust->django");
    for failure in result["failures"].as_array().unwrap() {
        let index = failure["index"].as_u64().unwrap();
        let case = &cases[usize::try_from(index).unwrap()];
        let label = format!(
            "{}, salt {:?}, compress {}, signed with {}, max_age {}, now-ts {}",
            case["config"].as_str().unwrap(),
            case["salt"].as_str().unwrap(),
            case["compress"],
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
    let by_outcome = cases
        .iter()
        .fold(BTreeMap::<&str, usize>::new(), |mut m, c| {
            *m.entry(c["expect"].as_str().unwrap()).or_default() += 1;
            m
        });
    let by_signer = cases
        .iter()
        .fold(BTreeMap::<&str, usize>::new(), |mut m, c| {
            *m.entry(c["signed_with"].as_str().unwrap()).or_default() += 1;
            m
        });
    let compressed = cases
        .iter()
        .filter(|c| c["cookie"].as_str().unwrap().starts_with('.'))
        .count();
    println!(
        "rust->django: made {} cookies in {generated:.1?} ({compressed} compressed; \
         signed with {by_signer:?}; outcomes {by_outcome:?})",
        cases.len()
    );
    println!(
        "rust->django: Django {} checked {} cases in {:.1?}: \
         {} outcomes, {} payload texts, {} re-signed byte-identical by signing.dumps, \
         {} SessionStore loads, {} SessionStore saves byte-identical; {} mismatches",
        result["django_version"].as_str().unwrap(),
        result["checked"],
        started.elapsed() - generated,
        counts["loads"],
        counts["payload_text"],
        counts["redumped_identical"],
        counts["sessionstore_load"],
        counts["sessionstore_save_identical"],
        failures.list.len(),
    );
    assert_eq!(result["checked"].as_u64(), Some(CASES as u64));
    let ok = CASES - failures.list.len();
    failures.check(CASES, seed);
    println!("rust->django: {ok} ok (python at {})", python.display());
}

// ---------------------------------------------------------------------------
// Django -> Rust

fn outcome<T>(result: &Result<T, DecodeError>) -> String {
    match result {
        Ok(_) => "ok".to_owned(),
        Err(DecodeError::Expired { .. }) => "expired".to_owned(),
        Err(DecodeError::BadSignature) => "bad_signature".to_owned(),
        Err(other) => format!("{} ({other})", other.kind()),
    }
}

#[test]
fn django_cookies_read_and_rewritten_by_rust() {
    // Its own stream: the two directions do not share random draws.
    let seed = seed();
    let python_seed = seed ^ 0xd1a6_0000_0000_0001;
    println!("django->rust: seed {seed} (python random.Random({python_seed}))");
    python();
    let started = Instant::now();
    let scratch = pyvenv::Scratch::new("django-to-rust");
    let config_path = scratch.path.join("config.json");
    let cases_path = scratch.path.join("django-cases.json");
    let config = json!({
        "seed": python_seed,
        "count": CASES,
        "secret_key": DJANGO_SECRET_KEY,
        "secret_key_fallbacks": DJANGO_FALLBACKS,
        "other_keys": OTHER_KEYS,
    });
    fs::write(&config_path, serde_json::to_string(&config).unwrap()).unwrap();
    interop(&[Path::new("make-django"), &config_path, &cases_path]);
    let made = started.elapsed();
    let doc: Value = serde_json::from_slice(&fs::read(&cases_path).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), CASES);

    let mut failures = Failures::new("django->rust");
    let mut failed_cases = BTreeSet::new();
    let mut counts = BTreeMap::<&str, usize>::new();
    for case in cases {
        let index = case["index"].as_u64().unwrap();
        let via = case["via"].as_str().unwrap();
        let salt = case["salt"].as_str().unwrap();
        let compress = case["compress"].as_bool().unwrap();
        let max_age = case["max_age"].as_u64();
        let expect = case["expect"].as_str().unwrap();
        let text = case["json"].as_str().unwrap();
        let cookie = case["cookie"].as_str().unwrap();
        let timestamp = case["timestamp"].as_i64().unwrap();
        let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
        let expected_index = case["expected_key_index"].as_u64();
        let label = format!(
            "{via}, salt {salt:?}, compress {compress}, key index {expected_index:?}, \
             max_age {max_age:?}, now-ts {}",
            now.as_secs() - timestamp
        );
        let before = failures.list.len();
        let mut fail = |what: &str, expected: &str, actual: &str| {
            failures.push(index, &label, what, expected, actual);
        };

        let mut ring = KeyRing::new(case["rust_signing"].as_str().unwrap()).unwrap();
        for fallback in case["rust_fallbacks"].as_array().unwrap() {
            ring = ring.with_fallback(fallback.as_str().unwrap());
        }
        let config = DjangoConfig::SIGNING
            .with_salt(salt.to_owned())
            .with_compress(compress)
            .with_limits(generous_limits());
        let codec = DjangoCodec::new(&ring, config.clone().with_max_age(max_age));

        // 1. Django's verdict, Django's text, and which key verified.
        let result = codec.decode_at::<Box<RawValue>>(cookie, now);
        let got = outcome(&result);
        if got != expect {
            fail("outcome", expect, &got);
        }
        *counts.entry("outcome").or_default() += usize::from(got == expect);
        if expect == "bad_signature" {
            if failures.list.len() > before {
                failed_cases.insert(index);
            }
            continue;
        }
        // The payload of an expired cookie is still authentic: read it
        // without the age check.
        let timeless = DjangoCodec::new(&ring, config.clone().with_max_age(None));
        let decoded = match result {
            Ok(decoded) => Ok(decoded),
            Err(_) => timeless.decode_at::<Box<RawValue>>(cookie, now),
        };
        let decoded = match decoded {
            Ok(decoded) => decoded,
            Err(err) => {
                fail("decode without max_age", "ok", &err.to_string());
                failed_cases.insert(index);
                continue;
            }
        };
        let ours = session_cookie::json::to_string(decoded.value()).unwrap();
        if ours == text {
            *counts.entry("text").or_default() += 1;
        } else {
            fail("payload JSON text", text, &ours);
        }
        let index_ok = expected_index == Some(decoded.key_index() as u64)
            && decoded.used_fallback() == (decoded.key_index() > 0);
        if index_ok {
            *counts.entry("key_index").or_default() += 1;
        } else {
            fail(
                "key index / used_fallback()",
                &format!("{expected_index:?}"),
                &format!(
                    "Some({}), used_fallback() = {}",
                    decoded.key_index(),
                    decoded.used_fallback()
                ),
            );
        }
        if decoded.issued_at().as_secs() != timestamp {
            fail(
                "issued_at",
                &timestamp.to_string(),
                &decoded.issued_at().to_string(),
            );
        }

        // 2. Signed again by us, at the same second and with the same key:
        // Django's cookie, byte for byte.
        let signer = KeyRing::new(case["signing_key"].as_str().unwrap()).unwrap();
        let again = DjangoCodec::new(&signer, config.clone())
            .encode_at(decoded.value(), decoded.issued_at())
            .unwrap();
        if again == cookie {
            *counts.entry("re-encoded").or_default() += 1;
        } else {
            fail("re-encoded cookie", cookie, &again);
        }

        // 3. Session cookies through the Session type.
        if salt == SESSION_SALT && text.starts_with('{') {
            // A bare signing.dumps with the session salt may have left
            // compression off; SessionStore never does.
            let sessions = DjangoConfig::SESSIONS
                .with_compress(compress)
                .with_limits(generous_limits());
            let codec = DjangoCodec::new(&ring, sessions.clone().with_max_age(max_age));
            let result = codec.decode_session_at(cookie, now);
            let got = outcome(&result);
            if got != expect {
                fail("decode_session_at outcome", expect, &got);
            }
            let session = match result {
                Ok(decoded) => Some(decoded.into_value()),
                Err(_) => DjangoCodec::new(&ring, sessions.clone().with_max_age(None))
                    .decode_session_at(cookie, now)
                    .ok()
                    .map(Decoded::into_value),
            };
            match session {
                Some(session) => {
                    let ours = session_cookie::json::to_string(&session).unwrap();
                    if ours != text {
                        fail("session JSON text", text, &ours);
                    }
                    let again = DjangoCodec::new(&signer, sessions)
                        .encode_at(&session, decoded.issued_at())
                        .unwrap();
                    if again == cookie {
                        *counts.entry("session re-encoded").or_default() += 1;
                    } else {
                        fail("session re-encoded cookie", cookie, &again);
                    }
                }
                None => fail("decode_session_at without max_age", "ok", "an error"),
            }
        }
        if failures.list.len() > before {
            failed_cases.insert(index);
        }
    }

    let by_outcome = cases
        .iter()
        .fold(BTreeMap::<&str, usize>::new(), |mut m, c| {
            *m.entry(c["expect"].as_str().unwrap()).or_default() += 1;
            m
        });
    let fallback = cases
        .iter()
        .filter(|c| c["expected_key_index"].as_u64().is_some_and(|i| i > 0))
        .count();
    let via_store = cases
        .iter()
        .filter(|c| c["via"] == "SessionStore.save")
        .count();
    let compressed = cases
        .iter()
        .filter(|c| c["cookie"].as_str().unwrap().starts_with('.'))
        .count();
    println!(
        "django->rust: Django {} made {} cookies in {made:.1?} ({via_store} by SessionStore.save, \
         {compressed} compressed, {fallback} verifying with a fallback; outcomes {by_outcome:?}); \
         checked in {:.1?}: {counts:?}",
        doc["django_version"].as_str().unwrap(),
        cases.len(),
        started.elapsed() - made,
    );
    let ok = CASES - failed_cases.len();
    failures.check(CASES, seed);
    println!("django->rust: {ok} ok");
}
