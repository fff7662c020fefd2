//! The `session-cookie` CLI contract, driven as scripts drive it: every
//! shared Django vector through `encode` and `decode`, the error line, the
//! exit codes, and the ways to pass secrets.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)] // test code

use std::process::Command;

#[path = "support/cli.rs"]
#[allow(dead_code)] // each CLI test uses its own part
mod cli_support;
#[path = "../../tests/support/exact.rs"]
mod exact;

use cli_support::{BIN, run, stderr, stdout};
use exact::J;

fn cases() -> Vec<J> {
    serde_json::from_str(include_str!("../../tests/vectors/django.json")).unwrap()
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

#[test]
fn every_encode_vector_through_the_cli() {
    for case in cases().iter().filter(|c| c["kind"] == "encode") {
        let mut args = vec![
            "encode".to_owned(),
            "--format".to_owned(),
            "django".to_owned(),
        ];
        args.extend(key_args(case));
        args.extend([
            "--salt".to_owned(),
            case["salt"].as_str().unwrap().to_owned(),
        ]);
        if case["compress"].as_bool().unwrap() {
            args.push("--compress".to_owned());
        }
        args.extend(["--now".to_owned(), case["timestamp"].to_string()]);
        let json = session_cookie::json::to_string(&case["payload"]).unwrap();
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // Half from the argument, half from stdin.
        let output = if case["name"].as_str().unwrap().len() % 2 == 0 {
            run(&[args.as_slice(), &[json.as_str()]].concat(), None)
        } else {
            run(&args, Some(&json))
        };
        assert!(
            output.status.success(),
            "{}: {}",
            case["name"],
            stderr(&output)
        );
        assert_eq!(
            stdout(&output),
            format!("{}\n", case["cookie"].as_str().unwrap()),
            "{}",
            case["name"]
        );
    }
}

#[test]
fn every_decode_vector_through_the_cli() {
    for case in cases().iter().filter(|c| c["kind"] == "decode") {
        let name = case["name"].as_str().unwrap();
        let mut args = vec![
            "decode".to_owned(),
            "--format".to_owned(),
            "django".to_owned(),
        ];
        args.extend(key_args(case));
        args.extend([
            "--salt".to_owned(),
            case["salt"].as_str().unwrap().to_owned(),
        ]);
        let max_age = case["max_age"]
            .as_u64()
            .map_or_else(|| "none".to_owned(), |n| n.to_string());
        args.extend([
            "--max-age".to_owned(),
            max_age,
            "--now".to_owned(),
            case["now"].to_string(),
        ]);
        args.push(case["cookie"].as_str().unwrap().to_owned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&args, None);
        let expect = case["expect"].as_str().unwrap();
        if expect == "ok" {
            assert!(output.status.success(), "{name}: {}", stderr(&output));
            let want = session_cookie::json::to_string(&case["payload"]).unwrap();
            assert_eq!(stdout(&output), format!("{want}\n"), "{name}");
            continue;
        }
        assert_eq!(output.status.code(), Some(1), "{name}");
        assert!(stdout(&output).is_empty(), "{name}");
        let line = stderr(&output);
        assert_eq!(line.lines().count(), 1, "{name}: {line}");
        let kind = line
            .strip_prefix("error: ")
            .and_then(|l| l.split(':').next())
            .unwrap();
        let allowed: &[&str] = match expect {
            "expired" => &["expired"],
            "bad_signature" => &["bad-signature", "malformed"],
            "malformed" => &["malformed", "bad-payload"],
            other => panic!("unknown expectation {other}"),
        };
        assert!(allowed.contains(&kind), "{name}: {line}");
        // No error line repeats what the cookie carried.
        let cookie = case["cookie"].as_str().unwrap();
        if let Some(signature) = cookie.rsplit(':').next().filter(|s| s.len() > 4) {
            assert!(!line.contains(signature), "{name}: {line}");
        }
    }
}

#[test]
fn secrets_from_env_and_file_match_the_argument() {
    let dir = std::env::temp_dir().join(format!("session-cookie-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("secret");
    std::fs::write(&file, "file-secret\n").unwrap();
    let by_arg = run(
        &["encode", "--secret", "file-secret", "--now", "0", "{}"],
        None,
    );
    let by_file = run(
        &[
            "encode",
            "--secret-file",
            file.to_str().unwrap(),
            "--now",
            "0",
            "{}",
        ],
        None,
    );
    let by_env = Command::new(BIN)
        .args([
            "encode",
            "--secret-env",
            "SC_TEST_SECRET",
            "--now",
            "0",
            "{}",
        ])
        .env("SC_TEST_SECRET", "file-secret")
        .output()
        .unwrap();
    assert!(by_arg.status.success());
    assert_eq!(stdout(&by_arg), stdout(&by_file));
    assert_eq!(stdout(&by_arg), stdout(&by_env));

    // A fallback from a file verifies what the old key signed.
    let cookie = stdout(&by_arg).trim().to_owned();
    let rotated = run(
        &[
            "decode",
            "--secret",
            "new",
            "--fallback-file",
            file.to_str().unwrap(),
            "--now",
            "0",
            &cookie,
        ],
        None,
    );
    assert_eq!(stdout(&rotated), "{}\n", "{}", stderr(&rotated));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn errors_are_one_line_with_a_kind() {
    let bad = run(&["decode", "--secret", "k", "not-a-cookie"], None);
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(
        stderr(&bad),
        "error: malformed: the cookie is not well formed: wrong number of separators\n"
    );

    let huge = "a".repeat(40_000);
    let big = run(&["decode", "--secret", "k"], Some(&huge));
    assert_eq!(
        stderr(&big),
        "error: too-large: the cookie value exceeds 32768 bytes\n"
    );

    let invalid = run(&["encode", "--secret", "k", "{not json"], None);
    assert_eq!(invalid.status.code(), Some(1));
    assert!(
        stderr(&invalid).starts_with("error: invalid-json: "),
        "{}",
        stderr(&invalid)
    );

    let no_key = run(&["decode", "x"], None);
    assert_eq!(
        no_key.status.code(),
        Some(2),
        "usage errors are not decode failures"
    );

    let missing_env = run(
        &["decode", "--secret-env", "SC_TEST_UNSET_VARIABLE", "x"],
        None,
    );
    assert_eq!(
        stderr(&missing_env),
        "error: key: environment variable SC_TEST_UNSET_VARIABLE is not set\n"
    );
}

#[test]
fn expiry_and_max_age_none() {
    let cookie = run(
        &[
            "encode",
            "--secret",
            "k",
            "--now",
            "1000",
            r#"{"user_id":1}"#,
        ],
        None,
    );
    let cookie = stdout(&cookie).trim().to_owned();
    let at_limit = run(
        &["decode", "--secret", "k", "--now", "1210600", &cookie],
        None,
    );
    assert_eq!(stdout(&at_limit), "{\"user_id\":1}\n");
    let expired = run(
        &["decode", "--secret", "k", "--now", "1210601", &cookie],
        None,
    );
    assert_eq!(
        stderr(&expired),
        "error: expired: signature age 1209601 > 1209600 seconds\n"
    );
    let unlimited = run(
        &[
            "decode",
            "--secret",
            "k",
            "--max-age",
            "none",
            "--now",
            "99999999999",
            &cookie,
        ],
        None,
    );
    assert!(unlimited.status.success());
}

#[test]
fn big_numbers_and_key_order_survive_the_cli() {
    let json = r#"{"z":18446744073709551617,"a":[1.0,1e16,1E-5,-0.0],"m":"é😀"}"#;
    let cookie = run(
        &["encode", "--secret", "k", "--compress", "--now", "5", json],
        None,
    );
    let cookie = stdout(&cookie).trim().to_owned();
    let decoded = run(&["decode", "--secret", "k", "--now", "5", &cookie], None);
    assert_eq!(
        stdout(&decoded),
        "{\"z\":18446744073709551617,\"a\":[1.0,1e+16,1e-05,-0.0],\"m\":\"\\u00e9\\ud83d\\ude00\"}\n"
    );
}

#[test]
fn inspect_shows_claims_marked_unverified() {
    let cookie = "e30:1r31eq:TMBbhb4teavI4BHqfCbpRbnHe5KBuvfcnIIsqMgitk0";
    let output = run(&["inspect", "--now", "1700000300", cookie], None);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("format:     django"), "{text}");
    assert!(text.contains("NOT VERIFIED"), "{text}");
    assert!(
        text.contains("issued at:  1700000000 (2023-11-14T22:13:20Z), age 300 s"),
        "{text}"
    );
    assert!(text.contains("payload (UNVERIFIED): {}"), "{text}");
    let junk = run(&["inspect", "junk"], None);
    assert_eq!(junk.status.code(), Some(1));
    assert!(stderr(&junk).starts_with("error: malformed: "));
}

fn keygen(id: &str) -> String {
    let output = run(&["keygen", "--id", id], None);
    assert!(output.status.success(), "{}", stderr(&output));
    stdout(&output).trim().to_owned()
}

#[test]
fn keygen_prints_one_key_line() {
    let line = keygen("2026-11");
    let (id, key) = line.split_once(':').unwrap();
    assert_eq!(id, "2026-11");
    assert_eq!(key.len(), 43, "32 bytes of unpadded base64url");
    assert_ne!(line, keygen("2026-11"), "fresh randomness every time");
    let default = run(&["keygen"], None);
    assert!(stdout(&default).starts_with("key-"), "{}", stdout(&default));
    let bad = run(&["keygen", "--id", "has space"], None);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).starts_with("error: key: "), "{}", stderr(&bad));
}

/// Issue 3's rotation: the old active key is demoted to verify-only, a new
/// one is active; old cookies still decode, new ones are signed by the new
/// key, and a retired key is refused.
#[test]
fn native_round_trip_through_a_rotation() {
    let old = keygen("old");
    let new = keygen("new");
    for encrypt in [false, true] {
        let mut args = vec![
            "encode", "--format", "native", "--key", &old, "--now", "1000",
        ];
        if encrypt {
            args.push("--encrypt");
        }
        args.push(r#"{"user_id":42,"big":18446744073709551617}"#);
        let before = run(&args, None);
        assert!(before.status.success(), "{}", stderr(&before));
        let token = stdout(&before).trim().to_owned();

        let rotated = ["--key", new.as_str(), "--key", old.as_str()];
        let decode = |keys: &[&str], token: &str| {
            let mut args = vec!["decode", "--format", "native", "--now", "2000"];
            args.extend_from_slice(keys);
            args.push(token);
            run(&args, None)
        };
        let after = decode(&rotated, &token);
        assert_eq!(
            stdout(&after),
            "{\"user_id\":42,\"big\":18446744073709551617}\n",
            "{}",
            stderr(&after)
        );

        let mut args = vec!["encode", "--format", "native", "--now", "2000"];
        args.extend_from_slice(&rotated);
        if encrypt {
            args.push("--encrypt");
        }
        args.push(r#"{"user_id":42}"#);
        let fresh = run(&args, None);
        let fresh = stdout(&fresh).trim().to_owned();
        let inspected = run(&["inspect", &fresh], None);
        assert!(
            stdout(&inspected).contains("key id:     new"),
            "{}",
            stdout(&inspected)
        );
        let report = stdout(&inspected);
        assert!(report.contains("version:    2"), "{report}");
        let id = report
            .lines()
            .find_map(|line| line.strip_prefix("session id: "))
            .unwrap_or_default();
        assert!(
            id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()),
            "{report}"
        );
        assert_eq!(
            stdout(&decode(&["--key", new.as_str()], &fresh)),
            "{\"user_id\":42}\n"
        );

        let retired = format!("{old}:retired");
        let refused = decode(&["--key", new.as_str(), "--key", retired.as_str()], &token);
        assert_eq!(
            stderr(&refused),
            "error: bad-signature: no key verifies the signature\n"
        );
    }
}

#[test]
fn native_errors_and_key_sources() {
    let key = keygen("k1");
    let token = run(
        &[
            "encode", "--format", "native", "--key", &key, "--now", "5000", "{}",
        ],
        None,
    );
    let token = stdout(&token).trim().to_owned();

    let early = run(
        &[
            "decode", "--format", "native", "--key", &key, "--now", "4000", &token,
        ],
        None,
    );
    assert!(
        stderr(&early).starts_with("error: not-yet-valid: "),
        "{}",
        stderr(&early)
    );
    let late = run(
        &[
            "decode",
            "--format",
            "native",
            "--key",
            &key,
            "--max-lifetime",
            "10",
            "--now",
            "5011",
            &token,
        ],
        None,
    );
    assert!(
        stderr(&late).starts_with("error: expired: "),
        "{}",
        stderr(&late)
    );
    let other_cookie = run(
        &[
            "decode",
            "--format",
            "native",
            "--key",
            &key,
            "--cookie-name",
            "__Host-s",
            "--now",
            "5000",
            &token,
        ],
        None,
    );
    assert!(stderr(&other_cookie).starts_with("error: bad-signature: "));
    let other_purpose = run(
        &[
            "decode",
            "--format",
            "native",
            "--key",
            &key,
            "--purpose",
            "csrf",
            "--now",
            "5000",
            &token,
        ],
        None,
    );
    assert!(stderr(&other_purpose).starts_with("error: bad-signature: "));
    let signed_as_encrypted = run(
        &[
            "decode",
            "--format",
            "native",
            "--key",
            &key,
            "--encrypt",
            "--now",
            "5000",
            &token,
        ],
        None,
    );
    assert!(stderr(&signed_as_encrypted).starts_with("error: malformed: "));

    let weak = "k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let refused = run(
        &["decode", "--format", "native", "--key", weak, &token],
        None,
    );
    assert_eq!(
        stderr(&refused),
        "error: weak-key: the key is weak: every byte is the same\n"
    );
    assert!(!stderr(&refused).contains("AAAA"));

    let dir = std::env::temp_dir().join(format!("session-cookie-native-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("keys");
    std::fs::write(&file, format!("# ring\n{key}\n")).unwrap();
    let by_file = run(
        &[
            "decode",
            "--format",
            "native",
            "--keys-file",
            file.to_str().unwrap(),
            "--now",
            "5000",
            &token,
        ],
        None,
    );
    assert_eq!(stdout(&by_file), "{}\n", "{}", stderr(&by_file));
    let by_env = Command::new(BIN)
        .args([
            "decode",
            "--format",
            "native",
            "--keys-env",
            "SC_TEST_KEYS",
            "--now",
            "5000",
            &token,
        ])
        .env("SC_TEST_KEYS", &key)
        .output()
        .unwrap();
    assert_eq!(stdout(&by_env), "{}\n");
    std::fs::remove_dir_all(&dir).unwrap();

    let wrong_flags = run(
        &[
            "decode", "--format", "native", "--key", &key, "--salt", "x", &token,
        ],
        None,
    );
    assert_eq!(wrong_flags.status.code(), Some(2));
}

#[test]
fn native_size_budget_names_the_largest_keys() {
    let key = keygen("k1");
    let big = format!(
        r#"{{"user_id":1,"cart":"{}","notes":"{}"}}"#,
        "x".repeat(3000),
        "y".repeat(1000)
    );
    let output = run(&["encode", "--format", "native", "--key", &key, &big], None);
    assert_eq!(output.status.code(), Some(1));
    let line = stderr(&output);
    assert!(line.starts_with("error: too-large: "), "{line}");
    assert!(line.contains("4096"), "{line}");
    assert!(
        line.contains("largest session keys: cart, notes, user_id"),
        "{line}"
    );
}

/// A usage error shows the usage of the subcommand that was run, not the
/// top-level one.
#[test]
fn a_usage_error_shows_the_subcommands_usage() {
    let output = run(
        &["encode", "--format", "native", "--secret", "s", "{}"],
        None,
    );
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("Usage: session-cookie encode"),
        "not encode's usage: {err}"
    );
    let output = run(&["decode", "--format", "django", "--wire", "c"], None);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("Usage: session-cookie decode"));
}

/// Secrets may start with `-`, as Flask's own test keys do.
#[test]
fn secrets_that_start_with_a_hyphen_are_values() {
    let encoded = run(
        &[
            "encode",
            "--format",
            "django",
            "--secret",
            "-1 key",
            r#"{"a":1}"#,
        ],
        None,
    );
    assert!(encoded.status.success(), "{}", stderr(&encoded));
    let cookie = stdout(&encoded).trim().to_owned();
    let decoded = run(
        &[
            "decode",
            "--format",
            "django",
            "--secret",
            "-2 key",
            "--fallback",
            "-1 key",
            &cookie,
        ],
        None,
    );
    assert!(decoded.status.success(), "{}", stderr(&decoded));
    assert_eq!(stdout(&decoded).trim(), r#"{"a":1}"#);
}

/// With no secret, the missing secret is reported, not the (empty) input.
#[test]
fn a_missing_secret_is_reported_before_the_input_is_read() {
    for command in ["encode", "decode"] {
        let output = run(&[command, "--format", "django"], Some(""));
        assert_eq!(output.status.code(), Some(2), "{command}");
        let err = stderr(&output);
        assert!(err.contains("need --secret"), "{command}: {err}");
        assert!(!err.contains("invalid-json"), "{command}: {err}");
    }
}
