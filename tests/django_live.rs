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
//!   `SessionStore` loads (and saves) session cookies the same way. Sixty
//!   more session cookies carry streams deflated by `miniz_oxide`, as the
//!   crate writes them without its `zlib` feature: Django must read them
//!   (they are not CPython's bytes, so they are not compared).
//! - **Django → Rust**: the script makes its own seeded random values and
//!   signs them with `signing.dumps` and `SessionStore.save`; we decode each
//!   with [`DjangoCodec::decode_at`] under a key ring where the signing key
//!   may be a fallback, check Django's verdict, the exact JSON text and
//!   `used_fallback()`, and sign the value again to get Django's cookie back.
//! - **Signers and signed cookies, Rust → Django**: seeded random strings
//!   (non-ASCII, empty, several KB, holding the separator) signed by
//!   [`dj::Signer`], [`dj::TimestampSigner`] (random salts, non-ASCII and
//!   empty among them, separators `:` `/` `|` `~~`, SHA-1/256/512) and
//!   [`dj::CookieSigner::sign_at`] (random names and salts; a third of them
//!   under the legacy salt `name + salt`), with Django's `SECRET_KEY`, one
//!   of its fallbacks, or a key it does not hold. Django signs each value
//!   again with the same key at the same frozen (fractional) second —
//!   `Signer.sign`, `TimestampSigner.sign`, `HttpResponse.set_signed_cookie`,
//!   `get_cookie_signer(salt=name + salt).sign` — and must give our bytes.
//!   Some tokens are then altered (signature, value, separators, timestamp,
//!   a non-canonical last signature character) or re-signed around an odd
//!   timestamp (only a key holder can make those), and Django's verdict —
//!   `unsign(max_age=)`, `HttpRequest.get_signed_cookie(name, salt=,
//!   max_age=)` with `SIGNED_COOKIE_LEGACY_SALT_FALLBACK` on or off, maybe
//!   for another name and salt with the same legacy salt — must be ours:
//!   ok (with the same value), bad signature, expired or malformed, at
//!   random ages around `max_age` (integers, fractions, `timedelta`s) with
//!   `now` in 1/512 s steps, exact in Django's float comparison. Odd
//!   authentic timestamps (`"-"`, which Django reads as 0, numbers beyond
//!   64 bits, unreadable ones after which Django does not try the legacy
//!   salt) get Django's verdict too.
//! - **Signers and signed cookies, Django → Rust**: the script signs its
//!   own random strings the same ways (cookies through `set_signed_cookie`
//!   or the legacy signer), alters some, and gives Django's verdict under
//!   a random ring (the signing key first, a fallback, or absent); we check
//!   the verdict, the value, the key index and the issue time, and sign
//!   each value again to get Django's token back byte for byte.
//!
//! Verdicts: Django raises `BadSignature` for a missing separator too, so
//! our `Malformed(Separators)` is "bad signature"; anything that escapes
//! Django other than a `BadSignature` (a `ValueError` from an authentic
//! but unreadable timestamp) is "malformed", as our `Malformed` is.
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
use std::time::{Duration, Instant};
use std::{env, fs};

#[path = "support/exact.rs"]
mod exact;
#[path = "support/pyvenv.rs"]
#[allow(dead_code, unreachable_pub)] // shared with the other live tests
mod pyvenv;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use exact::J;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::value::RawValue;
use serde_json::{Value, json};
use session_cookie::signing::{Algorithm, django as dj};
use session_cookie::{
    DJANGO_SESSION_COOKIE_AGE, DecodeError, Decoded, DjangoCodec, DjangoConfig, Limits, Malformed,
    PayloadError, SecretKeys, Session, UnixTime,
};

/// The pinned seed; `DJANGO_LIVE_SEED` overrides it to explore.
const DEFAULT_SEED: u64 = 0x5e55_10c0_0c1e_2025;
/// Cases in each direction.
const CASES: usize = 600;
/// Extra Rust → Django cookies deflated by `miniz_oxide`.
const MINIZ_CASES: usize = 60;

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
    let ring_of = |secret: &str| SecretKeys::new(secret).unwrap();

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

    // Compressed as the crate compresses without its `zlib` feature (the
    // pure-Rust `miniz_oxide` at the same level): Django must read them.
    for index in CASES..CASES + MINIZ_CASES {
        let mut session = Session::new();
        for (key, value) in g.session().as_object().unwrap() {
            session.insert(key.clone(), value).unwrap();
        }
        // Something to compress, whatever else the session holds.
        session.insert("pad", "ab".repeat(40)).unwrap();
        let text = session_cookie::json::to_string(&session).unwrap();
        let compressed = miniz_oxide::deflate::compress_to_vec_zlib(text.as_bytes(), 6);
        let body = format!(".{}", URL_SAFE_NO_PAD.encode(&compressed));
        let timestamp = BASE_TIME + g.rng.random_range(0..1_000_000);
        let signer = dj::TimestampSigner::new(
            &ring_of(DJANGO_SECRET_KEY),
            &dj::Options::new().with_salt(SESSION_SALT),
        );
        cases.push(json!({
            "index": index,
            "config": "miniz_oxide deflate",
            "deflate": "miniz",
            "cookie": signer.sign_at(&body, UnixTime::from_secs(timestamp)),
            "salt": SESSION_SALT,
            "compress": true,
            "signing_secret": DJANGO_SECRET_KEY,
            "signed_with": "secret_key",
            "django_secret_key": DJANGO_SECRET_KEY,
            "django_fallbacks": DJANGO_FALLBACKS,
            "timestamp": timestamp,
            "now": timestamp,
            "max_age": DJANGO_SESSION_COOKIE_AGE,
            "expect": "ok",
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
         {} SessionStore loads, {} SessionStore saves byte-identical, {} miniz_oxide \
         streams read; {} mismatches",
        result["django_version"].as_str().unwrap(),
        result["checked"],
        started.elapsed() - generated,
        counts["loads"],
        counts["payload_text"],
        counts["redumped_identical"],
        counts["sessionstore_load"],
        counts["sessionstore_save_identical"],
        counts["miniz_read"],
        failures.list.len(),
    );
    let total = CASES + MINIZ_CASES;
    assert_eq!(result["checked"].as_u64(), Some(total as u64));
    assert_eq!(counts["miniz_read"].as_u64(), Some(MINIZ_CASES as u64));
    let ok = total - failures.list.len();
    failures.check(total, seed);
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
            failures.push(index, &label, what, &short(expected), &short(actual));
        };

        let mut ring = SecretKeys::new(case["rust_signing"].as_str().unwrap()).unwrap();
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
        let signer = SecretKeys::new(case["signing_key"].as_str().unwrap()).unwrap();
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

// ---------------------------------------------------------------------------
// Signers and signed cookies

/// Cases in each direction for `Signer`, `TimestampSigner` and the signed
/// cookies.
const SIGNER_CASES: usize = 450;
const SIGNER_SEPS: [&str; 4] = [":", "/", "|", "~~"];
const ALGORITHMS: [&str; 3] = ["sha1", "sha256", "sha512"];
/// Salts for `Signer` and `TimestampSigner` (and cookies); the empty one is
/// the class path on both sides. The same list as interop.py's.
const SIGNER_SALTS: [&str; 9] = [
    "",
    "",
    "django.core.signing",
    "my.app.unsubscribe",
    "pr\u{e9}f\u{e9}rences \u{2713} \u{4e2d}",
    "colon:in:salt",
    "slash/pipe|tilde~~",
    "\u{1f511}",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
];
/// What `SimpleCookie` accepts in a cookie name.
const COOKIE_NAME_CHARS: &str =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~:";
const COOKIE_NAMES: [&str; 6] = ["sessionid", "csrftoken", "theme", "a", "ab", "remember_me"];
/// The characters of a signature (base64url without padding).
const B64_ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
/// Alterations of a signed token (the same list as interop.py's).
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
/// key holder can): how each side reads an authentic but odd timestamp.
const ODD_TIMESTAMPS: [&str; 14] = [
    "",
    "-",
    "-0",
    "00001",
    "+1",
    "1.5",
    " 1",
    "\u{661}",
    "AzL8n0Y58m7",   // i64::MAX
    "AzL8n0Y58m8",   // 2^63
    "-AzL8n0Y58m8",  // i64::MIN
    "-AzL8n0Y58m9",  // below i64::MIN
    "zzzzzzzzzzzz",  // far beyond 64 bits
    "1r31eq:1r31eq", // two timestamps (the last is read)
];
/// What Django's `TimestampSigner` uses when the salt is empty.
const TIMESTAMP_SIGNER_SALT: &str = "django.core.signing.TimestampSigner";

/// Which Django signer a case is about, with its options.
#[derive(Debug, Clone)]
struct SignerSpec {
    /// `signer` (`Signer`), `timestamp` (`TimestampSigner`) or `cookie`.
    kind: String,
    salt: String,
    sep: String,
    algorithm: String,
    /// Cookies: the name signed under, and whether with the legacy salt.
    name: String,
    legacy_signed: bool,
    /// Cookies: `SIGNED_COOKIE_LEGACY_SALT_FALLBACK`, and the name and salt
    /// `get_signed_cookie` is asked for.
    legacy_fallback: bool,
    verify_name: String,
    verify_salt: String,
}

/// One side's verdict on a token.
#[derive(Debug)]
struct Verdict {
    verdict: String,
    value: Option<String>,
    key_index: Option<usize>,
    issued_at: Option<i64>,
}

/// The verdict names of interop.py: Django raises `BadSignature` for a
/// missing separator too, and anything that is not a `BadSignature`
/// (an authentic value whose timestamp field it cannot read, or has none)
/// is "malformed": our `BadPayload(Timestamp)` and `Malformed(Timestamp)`.
fn signer_verdict(err: &DecodeError) -> String {
    match err {
        DecodeError::Expired { .. } => "expired".to_owned(),
        DecodeError::BadSignature | DecodeError::Malformed(Malformed::Separators) => {
            "bad_signature".to_owned()
        }
        DecodeError::Malformed(_) | DecodeError::BadPayload(PayloadError::Timestamp) => {
            "malformed".to_owned()
        }
        other => format!("{} ({other})", other.kind()),
    }
}

impl SignerSpec {
    fn from_case(case: &Value) -> Self {
        let text = |key: &str| case[key].as_str().unwrap_or_default().to_owned();
        Self {
            kind: text("kind"),
            salt: text("salt"),
            sep: text("sep"),
            algorithm: text("algorithm"),
            name: text("name"),
            legacy_signed: case["legacy_signed"].as_bool().unwrap_or(false),
            legacy_fallback: case["legacy_fallback"].as_bool().unwrap_or(false),
            verify_name: text("verify_name"),
            verify_salt: text("verify_salt"),
        }
    }

    fn options(&self) -> dj::Options {
        dj::Options::new()
            .with_salt(self.salt.clone())
            .with_sep(self.sep.clone())
            .unwrap()
            .with_algorithm(self.algorithm.parse::<Algorithm>().unwrap())
    }

    /// The salt a timestamped token of this case is signed under, as a
    /// plain `Signer` would need it, and the secret to give it (a cookie's
    /// key is `"django.http.cookies" + secret`).
    fn plain_salt_and_secret(&self, secret: &str) -> (String, String) {
        match self.kind.as_str() {
            "cookie" => {
                let salt = if self.legacy_signed {
                    format!("{}{}", self.name, self.salt)
                } else {
                    format!(
                        "django.http.cookies.v2:{}:{}{}",
                        self.salt.chars().count(),
                        self.salt,
                        self.name
                    )
                };
                (salt, format!("django.http.cookies{secret}"))
            }
            _ if self.salt.is_empty() => (TIMESTAMP_SIGNER_SALT.to_owned(), secret.to_owned()),
            _ => (self.salt.clone(), secret.to_owned()),
        }
    }

    /// A plain `Signer` under this case's timestamped salt: it makes the
    /// authentic tokens with odd timestamps.
    fn plain_signer(&self, secret: &str) -> dj::Signer {
        let (salt, secret) = self.plain_salt_and_secret(secret);
        let options = dj::Options::new()
            .with_salt(salt)
            .with_sep(self.sep.clone())
            .unwrap()
            .with_algorithm(self.algorithm.parse::<Algorithm>().unwrap());
        dj::Signer::new(&SecretKeys::new(secret).unwrap(), &options)
    }

    /// What this case's signer makes of `value` with `secret` at `at`.
    fn sign(&self, value: &str, secret: &str, at: UnixTime) -> String {
        let ring = SecretKeys::new(secret).unwrap();
        match self.kind.as_str() {
            "signer" => dj::Signer::new(&ring, &self.options()).sign(value),
            "timestamp" => dj::TimestampSigner::new(&ring, &self.options()).sign_at(value, at),
            _ if self.legacy_signed => {
                // Django before 5.2.15: a TimestampSigner keyed with
                // "django.http.cookies" + secret under the salt name + salt.
                let (salt, secret) = self.plain_salt_and_secret(secret);
                dj::TimestampSigner::new(
                    &SecretKeys::new(secret).unwrap(),
                    &dj::Options::new().with_salt(salt),
                )
                .sign_at(value, at)
            }
            _ => dj::CookieSigner::new(&ring, &self.name, &self.salt).sign_at(value, at),
        }
    }

    /// Our verdict on `token` under `ring`.
    fn unsign(
        &self,
        ring: &SecretKeys,
        token: &str,
        now: UnixTime,
        max_age: Option<Duration>,
    ) -> Verdict {
        let stamped = |result: Result<Decoded<&str>, DecodeError>| match result {
            Ok(decoded) => Verdict {
                verdict: "ok".to_owned(),
                key_index: Some(decoded.key_index()),
                issued_at: Some(decoded.issued_at().as_secs()),
                value: Some(decoded.into_value().to_owned()),
            },
            Err(err) => Verdict {
                verdict: signer_verdict(&err),
                value: None,
                key_index: None,
                issued_at: None,
            },
        };
        match self.kind.as_str() {
            "signer" => match dj::Signer::new(ring, &self.options()).unsign(token) {
                Ok(value) => Verdict {
                    verdict: "ok".to_owned(),
                    value: Some(value.to_owned()),
                    key_index: None,
                    issued_at: None,
                },
                Err(err) => Verdict {
                    verdict: signer_verdict(&err),
                    value: None,
                    key_index: None,
                    issued_at: None,
                },
            },
            "timestamp" => stamped(
                dj::TimestampSigner::new(ring, &self.options()).unsign_at(token, max_age, now),
            ),
            _ => {
                let cookies = dj::CookieSigner::new(ring, &self.verify_name, &self.verify_salt);
                let cookies = if self.legacy_fallback {
                    cookies
                } else {
                    cookies.without_legacy_salt()
                };
                stamped(cookies.unsign_at(token, max_age, now))
            }
        }
    }

    fn label(&self) -> String {
        let mut label = format!("{} salt {:?}", self.kind, short(&self.salt));
        if self.kind == "cookie" {
            write!(
                label,
                " name {:?}{}{}",
                self.name,
                if self.legacy_signed {
                    ", legacy-signed"
                } else {
                    ""
                },
                if self.legacy_fallback {
                    ", legacy fallback on"
                } else {
                    ", legacy fallback off"
                }
            )
            .unwrap();
            if self.verify_name != self.name {
                write!(
                    label,
                    ", read as {:?} {:?}",
                    self.verify_name,
                    short(&self.verify_salt)
                )
                .unwrap();
            }
        } else {
            write!(label, " sep {:?} {}", self.sep, self.algorithm).unwrap();
        }
        label
    }
}

/// A random cookie name that `SimpleCookie` accepts.
fn cookie_name(r: &mut ChaCha8Rng) -> String {
    if r.random_bool(0.3) {
        return (*COOKIE_NAMES.choose(r).unwrap()).to_owned();
    }
    let chars = COOKIE_NAME_CHARS.as_bytes();
    (0..r.random_range(1..=12))
        .map(|_| char::from(*chars.choose(r).unwrap()))
        .collect()
}

/// One alteration of `token` (made with `sep`): its name and the token.
fn mutate(g: &mut Gen, token: &str, sep: &str, timestamped: bool) -> (&'static str, String) {
    let choices: Vec<&str> = MUTATIONS
        .iter()
        .copied()
        .filter(|m| timestamped || *m != "ts-swap")
        .collect();
    let mutation = *choices.choose(&mut g.rng).unwrap();
    let (value, sig) = token.rsplit_once(sep).unwrap();
    let sig = sig.as_bytes();
    let with_sig = |sig: &[u8]| format!("{value}{sep}{}", std::str::from_utf8(sig).unwrap());
    let index_of = |c: u8| B64_ALPHABET.iter().position(|&b| b == c).unwrap();
    let altered = match mutation {
        "sig-char" => {
            let mut sig = sig.to_vec();
            let at = g.rng.random_range(0..sig.len() - 1);
            let old = sig[at];
            sig[at] = loop {
                let c = *B64_ALPHABET.choose(&mut g.rng).unwrap();
                if c != old {
                    break c;
                }
            };
            with_sig(&sig)
        }
        "sig-noncanonical" => {
            // The last character's unused low bits: the same tag to a
            // lenient base64 decoder, another text to a string comparison.
            let mut sig = sig.to_vec();
            let unused = 6 * sig.len() - 8 * (6 * sig.len() / 8);
            let mask = (1usize << unused) - 1;
            let last = sig.len() - 1;
            let index = index_of(sig[last]);
            let flip = g.rng.random_range(1..=mask);
            sig[last] = B64_ALPHABET[(index & !mask) | ((index & mask) ^ flip)];
            with_sig(&sig)
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
                format!("{value}{sep}{}", std::str::from_utf8(sig).unwrap())
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
            // ts-swap: another well-formed timestamp under the old signature.
            let (rest, ts) = value.rsplit_once(sep).unwrap();
            let moved = b62(parse_b62(ts) + g.rng.random_range(1..=1000));
            format!(
                "{rest}{sep}{moved}{sep}{}",
                std::str::from_utf8(sig).unwrap()
            )
        }
    };
    (mutation, altered)
}

const B62_ALPHABET: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Django's base 62 (only for timestamps Django wrote).
fn parse_b62(text: &str) -> i64 {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    sign * digits.chars().fold(0i64, |n, c| {
        n * 62 + i64::try_from(B62_ALPHABET.find(c).unwrap()).unwrap()
    })
}

/// `signing.b62_encode`.
fn b62(n: i64) -> String {
    let mut digits = Vec::new();
    let mut rest = n.unsigned_abs();
    loop {
        digits.push(B62_ALPHABET.as_bytes()[(rest % 62) as usize]);
        rest /= 62;
        if rest == 0 {
            break;
        }
    }
    digits.reverse();
    format!(
        "{}{}",
        if n < 0 { "-" } else { "" },
        String::from_utf8(digits).unwrap()
    )
}

/// A clock fraction in whole 1/512 s: exact as a Python float and in
/// nanoseconds.
const NANOS_PER_512TH: u32 = 1_953_125;

fn max_age_of(case: &Value) -> Option<Duration> {
    case["max_age"].as_f64().map(Duration::from_secs_f64)
}

/// A long text cut for a failure message.
fn short(text: &str) -> String {
    let mut out: String = text.chars().take(100).collect();
    if out.len() < text.len() {
        write!(out, "... ({} bytes)", text.len()).unwrap();
    }
    out
}

#[test]
fn rust_signed_values_read_and_resigned_by_django() {
    let seed = seed() ^ 0x5167_0000_0000_0001;
    println!("rust->django signers: seed {seed}");
    python();
    let started = Instant::now();
    let mut g = Gen::new(seed);
    let django_ring = DJANGO_FALLBACKS
        .iter()
        .fold(SecretKeys::new(DJANGO_SECRET_KEY).unwrap(), |ring, key| {
            ring.with_fallback(*key)
        });

    let mut cases = Vec::with_capacity(SIGNER_CASES);
    let mut specs = Vec::with_capacity(SIGNER_CASES);
    for index in 0..SIGNER_CASES {
        let r = &mut g.rng;
        let kind = match r.random_range(0..100) {
            0..30 => "signer",
            30..65 => "timestamp",
            _ => "cookie",
        };
        let (signing_secret, signed_with) = match r.random_range(0..100) {
            0..55 => (DJANGO_SECRET_KEY, "secret_key"),
            55..70 => (DJANGO_FALLBACKS[0], "fallback 0"),
            70..85 => (DJANGO_FALLBACKS[1], "fallback 1"),
            _ => (*OTHER_KEYS.choose(r).unwrap(), "unknown key"),
        };
        let mut spec = if kind == "cookie" {
            let salt = match r.random_range(0..10) {
                0..3 => String::new(),
                3..9 => (*SIGNER_SALTS.choose(r).unwrap()).to_owned(),
                _ => g.string(8),
            };
            let r = &mut g.rng;
            SignerSpec {
                kind: kind.to_owned(),
                salt: salt.clone(),
                sep: ":".to_owned(),
                algorithm: "sha256".to_owned(),
                name: cookie_name(r),
                legacy_signed: r.random_bool(0.35),
                legacy_fallback: r.random_bool(0.6),
                verify_name: String::new(),
                verify_salt: salt,
            }
        } else {
            let sep = (*SIGNER_SEPS.choose(r).unwrap()).to_owned();
            let algorithm = (*ALGORITHMS.choose(r).unwrap()).to_owned();
            let salt = if r.random_bool(0.9) {
                (*SIGNER_SALTS.choose(r).unwrap()).to_owned()
            } else {
                g.string(8)
            };
            SignerSpec {
                kind: kind.to_owned(),
                salt,
                sep,
                algorithm,
                name: String::new(),
                legacy_signed: false,
                legacy_fallback: false,
                verify_name: String::new(),
                verify_salt: String::new(),
            }
        };
        spec.verify_name.clone_from(&spec.name);
        if spec.kind == "cookie" && !spec.salt.is_empty() && g.rng.random_bool(0.1) {
            // The same legacy salt (name + salt) under another pair.
            let first = spec.salt.chars().next().unwrap();
            spec.verify_name = format!("{}{first}", spec.name);
            spec.verify_salt = spec.salt.chars().skip(1).collect();
        }
        let sep = spec.sep.clone();
        let mut value = match g.rng.random_range(0..20) {
            0 => String::new(),
            1 | 2 => g.big_string(),
            _ => g.string(20),
        };
        if g.rng.random_bool(0.25) {
            // The separator inside the value: the last one is the signature's.
            let at = g.rng.random_range(0..=value.chars().count());
            let at = value.char_indices().nth(at).map_or(value.len(), |(i, _)| i);
            value.insert_str(at, &sep);
        }

        let r = &mut g.rng;
        let mut timestamp = BASE_TIME + r.random_range(0..1_000_000);
        if r.random_bool(0.05) {
            timestamp = *[
                0,
                1,
                -1_000_000_000 - r.random_range(0..1_000_000),
                32_503_680_000,
            ]
            .choose(r)
            .unwrap();
        }
        let clock_nanos = [0, 0, 1, 256, 511, r.random_range(0..512)]
            .choose(r)
            .unwrap()
            * NANOS_PER_512TH;
        let at = UnixTime::from_secs_nanos(timestamp, clock_nanos).unwrap();
        // int(time.time()) truncates towards zero.
        let issued = if timestamp < 0 && clock_nanos > 0 {
            timestamp + 1
        } else {
            timestamp
        };
        let signed = spec.sign(&value, signing_secret, at);

        let timestamped = spec.kind != "signer";
        let (mutation, token) = match g.rng.random_range(0..100) {
            0..25 => {
                let (name, token) = mutate(&mut g, &signed, &sep, timestamped);
                (name.to_owned(), token)
            }
            25..40 if timestamped => {
                // Authentic, but not a timestamp Django would write.
                let signer = spec.plain_signer(signing_secret);
                if g.rng.random_bool(0.15) {
                    let bare = value.replace(&sep, "");
                    ("no-timestamp".to_owned(), signer.sign(&bare))
                } else {
                    let odd = *ODD_TIMESTAMPS.choose(&mut g.rng).unwrap();
                    let odd = odd.replace(':', &sep);
                    (
                        format!("odd-timestamp {odd:?}"),
                        signer.sign(&format!("{value}{sep}{odd}")),
                    )
                }
            }
            _ => ("none".to_owned(), signed.clone()),
        };

        let r = &mut g.rng;
        let (max_age, max_age_timedelta, now) = if timestamped {
            let max_age: Option<f64> = *[
                None,
                None,
                Some(0.0),
                Some(1.0),
                Some(60.0),
                Some(3600.0),
                Some(1_209_600.0),
                Some(0.5),
                Some(59.25),
                Some(3_600.015_625),
            ]
            .choose(r)
            .unwrap();
            // The age in 1/512 s around the limit: Django compares the
            // float time.time() - timestamp with max_age.
            let span = (max_age.unwrap_or(10_000_000.0) * 512.0) as i64;
            let delta = match r.random_range(0..8) {
                0 => 0,
                1 => span,
                2 => span - 1,
                3 => span + 1,
                4 => span + 512,
                5 => r.random_range(0..=span),
                6 => span + r.random_range(1..10_000_000 * 512),
                _ => -r.random_range(1..1_000_000 * 512),
            };
            let total = issued * 512 + delta;
            let now = UnixTime::from_secs_nanos(
                total.div_euclid(512),
                u32::try_from(total.rem_euclid(512)).unwrap() * NANOS_PER_512TH,
            )
            .unwrap();
            (max_age, max_age.is_some() && r.random_bool(0.3), now)
        } else {
            (None, false, UnixTime::from_secs(0))
        };
        let ours = spec.unsign(
            &django_ring,
            &token,
            now,
            max_age.map(Duration::from_secs_f64),
        );
        cases.push(json!({
            "index": index,
            "kind": spec.kind,
            "salt": spec.salt,
            "sep": spec.sep,
            "algorithm": spec.algorithm,
            "name": spec.name,
            "legacy_signed": spec.legacy_signed,
            "legacy_fallback": spec.legacy_fallback,
            "verify_name": spec.verify_name,
            "verify_salt": spec.verify_salt,
            "value": value,
            "signing_secret": signing_secret,
            "signed_with": signed_with,
            "timestamp": timestamp,
            "clock_nanos": clock_nanos,
            "signed": signed,
            "mutation": mutation,
            "token": token,
            "django_key": DJANGO_SECRET_KEY,
            "django_fallbacks": DJANGO_FALLBACKS,
            "now_secs": now.as_secs(),
            "now_nanos": u64::from(now.subsec_nanos()),
            "max_age": max_age,
            "max_age_timedelta": max_age_timedelta,
            "expect": ours.verdict,
            "value_out": ours.value,
        }));
        specs.push(spec);
    }

    let scratch = pyvenv::Scratch::new("rust-to-django-signers");
    let cases_path = scratch.path.join("rust-signed.json");
    let result_path = scratch.path.join("django-verdicts.json");
    let doc = json!({
        "seed": seed,
        "django_secret_key": DJANGO_SECRET_KEY,
        "django_fallbacks": DJANGO_FALLBACKS,
        "cases": cases,
    });
    fs::write(&cases_path, serde_json::to_string(&doc).unwrap()).unwrap();
    let generated = started.elapsed();
    interop(&[Path::new("check-rust-signers"), &cases_path, &result_path]);
    let result: Value = serde_json::from_slice(&fs::read(&result_path).unwrap()).unwrap();

    let mut failures = Failures::new("rust->django signers");
    for failure in result["failures"].as_array().unwrap() {
        let index = failure["index"].as_u64().unwrap();
        let case = &cases[usize::try_from(index).unwrap()];
        let label = format!(
            "{}, signed with {}, mutation {}, max_age {}, now {}.{:09}, issued {}",
            specs[usize::try_from(index).unwrap()].label(),
            case["signed_with"].as_str().unwrap(),
            case["mutation"].as_str().unwrap(),
            case["max_age"],
            case["now_secs"],
            case["now_nanos"],
            case["timestamp"],
        );
        failures.push(
            index,
            &label,
            failure["what"].as_str().unwrap(),
            &short(failure["expected"].as_str().unwrap_or_default()),
            &short(failure["actual"].as_str().unwrap_or_default()),
        );
    }
    let counts = &result["counts"];
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
    println!(
        "rust->django signers: made {} tokens in {generated:.1?} (kinds {:?}; signed with {:?}; \
         mutations {:?}; our verdicts {:?})",
        cases.len(),
        tally("kind"),
        tally("signed_with"),
        tally("mutation"),
        tally("expect"),
    );
    println!(
        "rust->django signers: Django {} checked {} in {:.1?}: {} re-signed byte-identical, \
         {} verdicts as Django's, {} identical values; {} mismatches",
        result["django_version"].as_str().unwrap(),
        result["checked"],
        started.elapsed() - generated,
        counts["resigned_identical"],
        counts["verdicts"],
        counts["values"],
        failures.list.len(),
    );
    assert_eq!(result["checked"].as_u64(), Some(SIGNER_CASES as u64));
    failures.check(SIGNER_CASES, seed);
}

#[test]
fn django_signed_values_read_and_resigned_by_rust() {
    let seed = seed();
    let python_seed = seed ^ 0xd1a6_5167_0000_0002;
    println!("django->rust signers: seed {seed} (python random.Random({python_seed}))");
    python();
    let started = Instant::now();
    let scratch = pyvenv::Scratch::new("django-to-rust-signers");
    let config_path = scratch.path.join("config.json");
    let cases_path = scratch.path.join("django-signed.json");
    let config = json!({
        "seed": python_seed,
        "count": SIGNER_CASES,
        "secret_key": DJANGO_SECRET_KEY,
        "secret_key_fallbacks": DJANGO_FALLBACKS,
        "other_keys": OTHER_KEYS,
    });
    fs::write(&config_path, serde_json::to_string(&config).unwrap()).unwrap();
    interop(&[Path::new("make-django-signers"), &config_path, &cases_path]);
    let made = started.elapsed();
    let doc: Value = serde_json::from_slice(&fs::read(&cases_path).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), SIGNER_CASES);

    let mut failures = Failures::new("django->rust signers");
    let mut failed_cases = BTreeSet::new();
    let mut counts = BTreeMap::<&str, usize>::new();
    for case in cases {
        let index = case["index"].as_u64().unwrap();
        let spec = SignerSpec::from_case(case);
        let mutation = case["mutation"].as_str();
        let expect = case["expect"].as_str().unwrap();
        let token = case["token"].as_str().unwrap();
        let now = UnixTime::from_secs_nanos(
            case["now_secs"].as_i64().unwrap(),
            u32::try_from(case["now_nanos"].as_u64().unwrap()).unwrap(),
        )
        .unwrap();
        let max_age = max_age_of(case);
        let expected_index = case["expected_key_index"].as_u64();
        let label = format!(
            "{}, key index {expected_index:?}, mutation {}, max_age {}, now {}.{:09}, issued {}",
            spec.label(),
            mutation.unwrap_or("none"),
            case["max_age"],
            case["now_secs"],
            case["now_nanos"],
            case["issued"],
        );
        let before = failures.list.len();
        let mut fail = |what: &str, expected: &str, actual: &str| {
            failures.push(index, &label, what, expected, actual);
        };

        let mut ring = SecretKeys::new(case["rust_signing"].as_str().unwrap()).unwrap();
        for fallback in case["rust_fallbacks"].as_array().unwrap() {
            ring = ring.with_fallback(fallback.as_str().unwrap());
        }

        // 1. Django's verdict, Django's value, the key that verified and
        // the time it signed at.
        let ours = spec.unsign(&ring, token, now, max_age);
        if ours.verdict == expect {
            *counts.entry("verdict").or_default() += 1;
        } else {
            fail(
                "verdict",
                &format!("{expect} ({})", case["detail"]),
                &ours.verdict,
            );
        }
        if expect == "ok" {
            let want = case["value_out"].as_str().unwrap();
            if ours.value.as_deref() == Some(want) {
                *counts.entry("value").or_default() += 1;
            } else {
                fail("unsigned value", want, &format!("{:?}", ours.value));
            }
            if spec.kind != "signer" && mutation.is_none() {
                if ours.key_index.map(|i| i as u64) == expected_index {
                    *counts.entry("key index").or_default() += 1;
                } else {
                    fail(
                        "key index",
                        &format!("{expected_index:?}"),
                        &format!("{:?}", ours.key_index),
                    );
                }
                if ours.issued_at == case["issued"].as_i64() {
                    *counts.entry("issued_at").or_default() += 1;
                } else {
                    fail(
                        "issued_at",
                        &case["issued"].to_string(),
                        &format!("{:?}", ours.issued_at),
                    );
                }
            }
        }

        // 2. The same value signed by us with Django's key at Django's
        // (fractional) second: Django's token, byte for byte.
        let at = UnixTime::from_secs_nanos(
            case["timestamp"].as_i64().unwrap(),
            u32::try_from(case["clock_nanos"].as_u64().unwrap()).unwrap(),
        )
        .unwrap();
        let signed = case["signed"].as_str().unwrap();
        let again = spec.sign(
            case["value"].as_str().unwrap(),
            case["signing_key"].as_str().unwrap(),
            at,
        );
        if again == signed {
            *counts.entry("re-signed").or_default() += 1;
        } else {
            fail("re-signed token", signed, &again);
        }
        if failures.list.len() > before {
            failed_cases.insert(index);
        }
    }

    let tally = |field: &str| {
        cases
            .iter()
            .fold(BTreeMap::<String, usize>::new(), |mut m, c| {
                let key = match &c[field] {
                    Value::String(text) => text.clone(),
                    Value::Bool(b) => b.to_string(),
                    _ => "-".to_owned(),
                };
                *m.entry(key).or_default() += 1;
                m
            })
    };
    let legacy = cases.iter().filter(|c| c["legacy_signed"] == true).count();
    println!(
        "django->rust signers: Django {} made {} tokens in {made:.1?} (kinds {:?}, {legacy} \
         cookies with the legacy salt; mutations {:?}; verdicts {:?}); checked in {:.1?}: {counts:?}",
        doc["django_version"].as_str().unwrap(),
        cases.len(),
        tally("kind"),
        tally("mutation"),
        tally("expect"),
        started.elapsed() - made,
    );
    let ok = SIGNER_CASES - failed_cases.len();
    failures.check(SIGNER_CASES, seed);
    println!("django->rust signers: {ok} ok");
}
