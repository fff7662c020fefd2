//! `session-cookie --format flask` and `session-cookie migrate`, driven as
//! scripts drive them: every shared Flask vector through `encode` and
//! `decode`, the lenient decision, `inspect` telling the formats apart, the
//! per-format `--max-age` default, and migration of cookies made by real
//! Flask and real Django.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

use std::process::Output;

use serde_json::value::RawValue;
use session_cookie::json::tagged::Wire;
use session_cookie::{MasterKey, NativeCodec, NativeConfig, NativeKeyRing, UnixTime};

#[path = "support/cli.rs"]
#[allow(dead_code)] // each CLI test uses its own part
mod cli_support;

#[path = "../../tests/support/exact.rs"]
#[allow(unreachable_pub)]
mod exact;

use cli_support::{run, stderr, stdout};
use exact::J;

/// The vector file's cases, read exactly (every number's text, every
/// object's key order).
fn cases(text: &str) -> Vec<J> {
    let doc = J::parse(text).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

fn flask_cases() -> Vec<J> {
    cases(include_str!("../../tests/vectors/flask.json"))
}

fn key_args(case: &J) -> Vec<String> {
    let mut args = vec![
        "--secret".to_owned(),
        case["secret_key"].as_str().unwrap().to_owned(),
    ];
    for fallback in case["fallback_keys"].as_array().unwrap() {
        args.push("--fallback".to_owned());
        args.push(fallback.as_str().unwrap().to_owned());
    }
    args
}

/// The kind in `error: <kind>: <message>`, checking the line's shape.
fn error_kind(output: &Output, name: &str) -> String {
    assert_eq!(output.status.code(), Some(1), "{name}: {}", stderr(output));
    assert!(stdout(output).is_empty(), "{name}");
    let line = stderr(output);
    assert_eq!(line.lines().count(), 1, "{name}: {line}");
    line.strip_prefix("error: ")
        .and_then(|l| l.split(':').next())
        .unwrap()
        .to_owned()
}

#[test]
fn every_encode_vector_through_the_cli() {
    let mut count = 0;
    for case in flask_cases().iter().filter(|c| c["kind"] == "encode") {
        let name = case["name"].as_str().unwrap();
        let mut args = vec![
            "encode".to_owned(),
            "--format".to_owned(),
            "flask".to_owned(),
        ];
        args.extend(key_args(case));
        args.extend([
            "--salt".to_owned(),
            case["salt"].as_str().unwrap().to_owned(),
            "--now".to_owned(),
            case["timestamp"].to_string(),
        ]);
        // Tagged cases hold the wire form, which `decode` prints for them.
        if case["tagged"].as_bool().unwrap() {
            args.push("--tagged".to_owned());
        }
        let json = session_cookie::json::to_string(&case["payload"]).unwrap();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // Half from the argument, half from stdin.
        let output = if name.len() % 2 == 0 {
            run(&[args.as_slice(), &[json.as_str()]].concat(), None)
        } else {
            run(&args, Some(&json))
        };
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        assert_eq!(
            stdout(&output),
            format!("{}\n", case["cookie"].as_str().unwrap()),
            "{name}"
        );
        count += 1;
    }
    assert!(count > 0);
}

fn decode_args(case: &J) -> Vec<String> {
    let mut args = vec![
        "decode".to_owned(),
        "--format".to_owned(),
        "flask".to_owned(),
    ];
    args.extend(key_args(case));
    let max_age = case["max_age"]
        .as_u64()
        .map_or_else(|| "none".to_owned(), |n| n.to_string());
    args.extend([
        "--salt".to_owned(),
        case["salt"].as_str().unwrap().to_owned(),
        "--max-age".to_owned(),
        max_age,
        "--now".to_owned(),
        case["now"].to_string(),
    ]);
    args.push(case["cookie"].as_str().unwrap().to_owned());
    args
}

#[test]
fn every_decode_vector_through_the_cli() {
    let mut count = 0;
    for case in flask_cases().iter().filter(|c| c["kind"] == "decode") {
        let name = case["name"].as_str().unwrap();
        let mut args = decode_args(case);
        // Tagged cases hold the wire form of the value: ask for it.
        let tagged = case["tagged"].as_bool().unwrap_or(false);
        if tagged {
            args.insert(1, "--wire".to_owned());
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&args, None);
        count += 1;
        let expect = case["expect"].as_str().unwrap();
        if expect == "ok" {
            assert!(output.status.success(), "{name}: {}", stderr(&output));
            let want = session_cookie::json::to_string(&case["payload"]).unwrap();
            assert_eq!(stdout(&output), format!("{want}\n"), "{name}");
            // Without --wire: plain JSON for plain sessions, the wire form
            // as soon as the session holds a tagged value.
            if !tagged || Wire::parse(&case["payload"].to_text()).unwrap().has_tags() {
                let plain: Vec<&str> = args.iter().copied().filter(|a| *a != "--wire").collect();
                assert_eq!(stdout(&run(&plain, None)), format!("{want}\n"), "{name}");
            }
            continue;
        }
        let kind = error_kind(&output, name);
        let allowed: &[&str] = match expect {
            "expired" => &["expired"],
            "bad_signature" => &["bad-signature", "malformed"],
            "bad_payload" => &["bad-payload"],
            other => panic!("unknown expectation {other}"),
        };
        assert!(allowed.contains(&kind.as_str()), "{name}: {kind}");
        // No error line repeats what the cookie carried.
        let cookie = case["cookie"].as_str().unwrap();
        if let Some(signature) = cookie.rsplit('.').next().filter(|s| s.len() > 4) {
            assert!(!stderr(&output).contains(signature), "{name}");
        }
    }
    assert!(count > 0);
}

/// `decode --wire` then `encode --tagged` gives every Flask-written cookie
/// back, byte for byte, whatever the session holds.
#[test]
fn wire_round_trip_through_the_cli() {
    let written: Vec<J> = flask_cases()
        .into_iter()
        .filter(|c| c["kind"] == "encode")
        .map(|c| c["cookie"].clone())
        .collect();
    let mut checked = 0;
    // Cookies Flask also wrote from a value (an encode case): canonical.
    for case in flask_cases()
        .iter()
        .filter(|c| c["kind"] == "decode" && c["expect"] == "ok" && written.contains(&c["cookie"]))
    {
        checked += 1;
        let name = case["name"].as_str().unwrap();
        let mut args = decode_args(case);
        args.insert(1, "--wire".to_owned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let decoded = run(&args, None);
        assert!(decoded.status.success(), "{name}: {}", stderr(&decoded));
        let cookie = case["cookie"].as_str().unwrap();
        let issued = session_cookie::inspect(cookie, session_cookie::Limits::DEFAULT)
            .unwrap()
            .issued_at()
            .unwrap();
        let mut args = vec!["encode", "--format", "flask", "--tagged"];
        let keys = key_args(case);
        args.extend(keys.iter().take(2).map(String::as_str));
        let now = issued.as_secs().to_string();
        args.extend(["--now", now.as_str()]);
        let encoded = run(&args, Some(stdout(&decoded)));
        assert_eq!(stdout(&encoded).trim(), cookie, "{name}");
    }
    assert!(checked > 0);
}

/// The lenient set through the CLI: the reference cookie decodes; the
/// signature forms only Python's lenient base64 accepts are `malformed`.
#[test]
fn lenient_forms_are_malformed_through_the_cli() {
    for case in cases(include_str!("../../tests/vectors/flask_lenient.json")) {
        let name = case["name"].as_str().unwrap();
        let args = decode_args(&case);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&args, None);
        if output.status.success() {
            assert_eq!(case["expect"], "ok", "{name}");
            let want = session_cookie::json::to_string(&case["payload"]).unwrap();
            assert_eq!(stdout(&output), format!("{want}\n"), "{name}");
        } else {
            assert_eq!(error_kind(&output, name), "malformed", "{name}");
        }
    }
}

/// Without `--max-age`, flask allows 2678400 s and django 1209600 s.
#[test]
fn max_age_default_depends_on_the_format() {
    let cookie = "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.LIr3YcHFjdrdtQSuFvBzSarrgwM";
    let at = |now: &str| {
        run(
            &[
                "decode",
                "--format",
                "flask",
                "--secret",
                "dev-secret",
                "--now",
                now,
                cookie,
            ],
            None,
        )
    };
    assert_eq!(stdout(&at("1702678400")), "{\"user_id\":42}\n");
    assert_eq!(error_kind(&at("1702678401"), "flask default"), "expired");
    assert_eq!(error_kind(&at("1699999999"), "future"), "expired");

    let django = run(
        &[
            "encode",
            "--secret",
            "dev-secret",
            "--now",
            "1700000000",
            "{}",
        ],
        None,
    );
    let django = stdout(&django).trim().to_owned();
    let decode = |now: &str| {
        run(
            &["decode", "--secret", "dev-secret", "--now", now, &django],
            None,
        )
    };
    assert!(decode("1701209600").status.success());
    assert_eq!(
        error_kind(&decode("1701209601"), "django default"),
        "expired"
    );
}

#[test]
fn flags_of_other_formats_are_usage_errors() {
    for args in [
        &[
            "encode", "--format", "django", "--secret", "s", "--tagged", "{}",
        ][..],
        &[
            "decode", "--format", "django", "--secret", "s", "--wire", "x",
        ][..],
        &[
            "encode",
            "--format",
            "flask",
            "--secret",
            "s",
            "--encrypt",
            "{}",
        ][..],
        &["decode", "--format", "flask", "--key", "k:AAAA", "x"][..],
        &["encode", "--format", "flask", "{}"][..],
    ] {
        let output = run(args, None);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

/// `inspect` recognises Flask cookies, and still Django values and native
/// tokens.
#[test]
fn inspect_tells_the_formats_apart() {
    let format_of = |cookie: &str| {
        let output = run(&["inspect", "--now", "1700000000", cookie], None);
        assert!(output.status.success(), "{cookie}: {}", stderr(&output));
        stdout(&output)
            .lines()
            .next()
            .unwrap()
            .trim_start_matches("format:")
            .trim()
            .to_owned()
    };
    for case in flask_cases().iter().filter(|c| c["kind"] == "encode") {
        let cookie = case["cookie"].as_str().unwrap();
        assert_eq!(format_of(cookie), "flask", "{}", case["name"]);
        let output = run(&["inspect", "--now", "1700000000", cookie], None);
        let report = stdout(&output);
        assert!(report.contains("HMAC-SHA1, NOT VERIFIED"), "{report}");
        assert!(
            report.contains(&format!("issued at:  {} ", case["timestamp"])),
            "{report}"
        );
        assert!(
            report.contains(&format!(
                "payload (UNVERIFIED): {}",
                case["json"].as_str().unwrap()
            )),
            "{report}"
        );
    }
    let django: Vec<J> =
        serde_json::from_str(include_str!("../../tests/vectors/django.json")).unwrap();
    for case in django.iter().filter(|c| c["kind"] == "encode") {
        assert_eq!(format_of(case["cookie"].as_str().unwrap()), "django");
    }
    let key = MasterKey::generate("k1").unwrap();
    let native = NativeCodec::new(&NativeKeyRing::new(key), NativeConfig::SIGNED).unwrap();
    let token = native
        .encode_at(&serde_json::json!({"a": 1}), UnixTime::from_secs(1))
        .unwrap();
    assert_eq!(format_of(&token), "native");
}

// ---------------------------------------------------------------------------
// migrate

fn native_key() -> String {
    // A fixed test key line: 32 bytes that are neither short nor repetitive.
    let bytes: Vec<u8> = (1..=32).collect();
    MasterKey::new("mig", bytes)
        .unwrap()
        .to_line()
        .as_str()
        .to_owned()
}

fn native_codec() -> NativeCodec {
    let ring = NativeKeyRing::parse(&native_key()).unwrap();
    NativeCodec::new(&ring, NativeConfig::SIGNED.with_max_age(None)).unwrap()
}

/// Every Flask-made cookie that Flask accepts migrates to a native token
/// with the same session and the Flask cookie's issue time as its origin;
/// every other one fails with the same kind as `decode`.
#[test]
fn flask_vectors_migrate() {
    let key = native_key();
    let native = native_codec();
    let mut moved = 0;
    for case in flask_cases().iter().filter(|c| c["kind"] == "decode") {
        let name = case["name"].as_str().unwrap();
        let mut args = vec![
            "migrate".to_owned(),
            "--from".to_owned(),
            "flask".to_owned(),
            "--to".to_owned(),
            "native".to_owned(),
            "--key".to_owned(),
            key.clone(),
        ];
        args.extend(key_args(case));
        let max_age = case["max_age"]
            .as_u64()
            .map_or_else(|| "none".to_owned(), |n| n.to_string());
        args.extend([
            "--max-age".to_owned(),
            max_age,
            "--now".to_owned(),
            case["now"].to_string(),
            case["cookie"].as_str().unwrap().to_owned(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&args, None);
        if case["expect"] != "ok" {
            let kind = error_kind(&output, name);
            assert!(
                matches!(
                    (case["expect"].as_str().unwrap(), kind.as_str()),
                    ("expired", "expired")
                        | ("bad_signature", "bad-signature" | "malformed")
                        | ("bad_payload", "bad-payload")
                ),
                "{name}: {kind}"
            );
            continue;
        }
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
        let decoded = native
            .decode_at::<Box<RawValue>>(stdout(&output).trim(), now)
            .unwrap();
        let issued = session_cookie::inspect(
            case["cookie"].as_str().unwrap(),
            session_cookie::Limits::DEFAULT,
        )
        .unwrap()
        .issued_at()
        .unwrap();
        assert_eq!(decoded.first_issued_at(), issued, "{name}");
        assert_eq!(decoded.issued_at(), now, "{name}");
        // The application's view: " di" escapes removed, tagged values in
        // their wire form.
        if !case["tagged"].as_bool().unwrap() {
            assert_eq!(
                session_cookie::json::to_string(decoded.value()).unwrap(),
                session_cookie::json::to_string(&case["payload"]).unwrap(),
                "{name}"
            );
        }
        moved += 1;
    }
    assert!(moved > 0);
}

/// Django-made session cookies (the shared Django vectors with the session
/// salt) migrate the same way.
#[test]
fn django_vectors_migrate() {
    let key = native_key();
    let native = native_codec();
    let django: Vec<J> =
        serde_json::from_str(include_str!("../../tests/vectors/django.json")).unwrap();
    let mut moved = 0;
    for case in django
        .iter()
        .filter(|c| c["kind"] == "decode" && c["expect"] == "ok")
    {
        let name = case["name"].as_str().unwrap();
        let mut args = vec![
            "migrate".to_owned(),
            "--from".to_owned(),
            "django".to_owned(),
            "--key".to_owned(),
            key.clone(),
            "--salt".to_owned(),
            case["salt"].as_str().unwrap().to_owned(),
        ];
        args.extend(key_args(case));
        let max_age = case["max_age"]
            .as_u64()
            .map_or_else(|| "none".to_owned(), |n| n.to_string());
        args.extend([
            "--max-age".to_owned(),
            max_age,
            "--now".to_owned(),
            case["now"].to_string(),
            case["cookie"].as_str().unwrap().to_owned(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&args, None);
        assert!(output.status.success(), "{name}: {}", stderr(&output));
        let now = UnixTime::from_secs(case["now"].as_i64().unwrap());
        let decoded = native
            .decode_at::<Box<RawValue>>(stdout(&output).trim(), now)
            .unwrap();
        assert_eq!(
            session_cookie::json::to_string(decoded.value()).unwrap(),
            session_cookie::json::to_string(&case["payload"]).unwrap(),
            "{name}"
        );
        let issued = session_cookie::inspect(
            case["cookie"].as_str().unwrap(),
            session_cookie::Limits::DEFAULT,
        )
        .unwrap()
        .issued_at()
        .unwrap();
        assert_eq!(decoded.first_issued_at(), issued.min(now), "{name}");
        moved += 1;
    }
    assert!(moved >= 10, "{moved}");
}

/// A session already past the native absolute lifetime is not issued.
#[test]
fn migrate_refuses_a_session_past_the_absolute_lifetime() {
    let cookie = "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.LIr3YcHFjdrdtQSuFvBzSarrgwM";
    let key = native_key();
    let args = |lifetime: &'static str| {
        run(
            &[
                "migrate",
                "--from",
                "flask",
                "--secret",
                "dev-secret",
                "--key",
                &key,
                "--max-lifetime",
                lifetime,
                "--now",
                "1700000100",
                cookie,
            ],
            None,
        )
    };
    assert!(args("100").status.success());
    assert_eq!(error_kind(&args("99"), "lifetime"), "expired");
}
