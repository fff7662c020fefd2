//! Migration of cookies made by a real Django 5.2, running now.
//!
//! `tests/django/interop.py make-django` signs hundreds of seeded random
//! values with `signing.dumps` and the `signed_cookies` `SessionStore`, with
//! Django's clock frozen, and records Django's own verdict on each under the
//! key ring we are given. [`migrate_at`] must re-issue exactly the cookies
//! Django accepts, as native tokens carrying the same JSON and the Django
//! cookie's signing time as their first-issue time, and refuse the others
//! with Django's verdict. (Flask-made cookies are migrated the same way in
//! `tests/flask_live.rs`; the shared vectors of both frameworks go through
//! `session-cookie migrate` in `tests/cli_flask.rs`.)
//!
//! Django comes from `<target dir>/django-venv`, set up as
//! `tests/django_live.rs` sets it up (and under the same lock);
//! `SESSION_COOKIE_PYTHON` may name a Python that already has Django.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

#[path = "support/pyvenv.rs"]
#[allow(dead_code, unreachable_pub)]
mod pyvenv;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde_json::{Value, json};
use session_cookie::{
    DecodeError, DjangoCodec, DjangoConfig, Limits, MasterKey, MigrateError, NativeCodec,
    NativeConfig, NativeKeyRing, SecretKeys, UnixTime, migrate_at,
};

const DJANGO: pyvenv::Framework = pyvenv::Framework {
    venv: "django-venv",
    requirement: "django>=5.2,<5.3",
    module: "django",
    version_code: "import django, sys; sys.stdout.write(django.get_version())",
    accepts: |v| v.starts_with("5.2"),
    python_env: "SESSION_COOKIE_PYTHON",
};

const CASES: usize = 500;
const SECRET_KEY: &str = "django-insecure-migrate-\u{3a9}-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const FALLBACKS: [&str; 2] = [
    "django-insecure-previous-for-migration-0123456789",
    "older-key-\u{fc}-\u{1f511}",
];
const OTHER_KEYS: [&str; 2] = ["never-a-django-key", "another unknown key #3"];

fn outcome(err: &MigrateError) -> &'static str {
    match err {
        MigrateError::Decode(DecodeError::Expired { .. }) => "expired",
        MigrateError::Decode(DecodeError::BadSignature) => "bad_signature",
        _ => "other",
    }
}

#[test]
fn django_cookies_migrate_to_native_keeping_their_issue_time() {
    let python = pyvenv::ensure(&DJANGO)
        .unwrap_or_else(|why| panic!("cannot run the live Django migration test: {why}"));
    let scratch = pyvenv::Scratch::new("django-migrate");
    let config_path = scratch.path.join("config.json");
    let cases_path = scratch.path.join("django-cases.json");
    let config = json!({
        "seed": 0x6d16_7a7e_u64,
        "count": CASES,
        "secret_key": SECRET_KEY,
        "secret_key_fallbacks": FALLBACKS,
        "other_keys": OTHER_KEYS,
    });
    fs::write(&config_path, serde_json::to_string(&config).unwrap()).unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/django/interop.py");
    pyvenv::run_script(
        &python,
        &script,
        &[Path::new("make-django"), &config_path, &cases_path],
    );
    let doc: Value = serde_json::from_slice(&fs::read(&cases_path).unwrap()).unwrap();
    let cases = doc["cases"].as_array().unwrap();
    assert_eq!(cases.len(), CASES);

    let limits = Limits::DEFAULT
        .with_max_cookie_len(4 << 20)
        .with_max_inflated_len(16 << 20);
    let native = NativeCodec::new(
        &NativeKeyRing::new(MasterKey::new("mig", (1..=32).collect()).unwrap()),
        NativeConfig::SIGNED
            .with_compress(true)
            .with_max_age(None)
            .with_max_cookie_bytes(4 << 20)
            .with_limits(limits),
    )
    .unwrap();
    let mut failures = Vec::new();
    let mut tally = BTreeMap::<String, usize>::new();
    for case in cases {
        let index = case["index"].as_u64().unwrap();
        let expect = case["expect"].as_str().unwrap();
        let cookie = case["cookie"].as_str().unwrap();
        let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
        let timestamp = case["timestamp"].as_i64().unwrap();
        let mut ring = SecretKeys::new(case["rust_signing"].as_str().unwrap()).unwrap();
        for fallback in case["rust_fallbacks"].as_array().unwrap() {
            ring = ring.with_fallback(fallback.as_str().unwrap());
        }
        let config = DjangoConfig::SIGNING
            .with_salt(case["salt"].as_str().unwrap().to_owned())
            .with_compress(case["compress"].as_bool().unwrap())
            .with_max_age(case["max_age"].as_u64())
            .with_limits(limits);
        let django = DjangoCodec::new(&ring, config);
        let moved = migrate_at(cookie, &django, &native, now);
        let got = match &moved {
            Ok(moved) => {
                let token = native
                    .decode_at::<Box<serde_json::value::RawValue>>(moved.token(), now)
                    .unwrap();
                let text = session_cookie::json::to_string(token.value()).unwrap();
                // Django accepts timestamps from the future; a native token
                // is never first issued after it is signed.
                let origin = UnixTime::from_secs(timestamp).min(now);
                if text != case["json"].as_str().unwrap() || token.first_issued_at() != origin {
                    failures.push(format!(
                        "case {index}: migrated to origin {} and {text}, want origin {} and {}",
                        token.first_issued_at(),
                        origin.as_secs(),
                        case["json"]
                    ));
                }
                "ok"
            }
            Err(err) => outcome(err),
        };
        *tally.entry(format!("{expect}->{got}")).or_default() += 1;
        if got != expect {
            failures.push(format!(
                "case {index} ({}): Django says {expect}, migration says {moved:?}",
                case["via"]
            ));
        }
    }
    println!(
        "django->native: Django {} made {CASES} cookies; migration outcomes {tally:?}",
        doc["django_version"].as_str().unwrap()
    );
    assert!(
        failures.is_empty(),
        "{} of {CASES} disagree:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
