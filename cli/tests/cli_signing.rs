//! The CLI contract of `sign`, `unsign` and `encode`/`decode --format
//! itsdangerous`: every case of the vectors made by real Django 5.2 and
//! itsdangerous 2.2 (`tests/vectors/signing.json`), driven through the
//! binary as a script would, a third of them through stdin.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)] // test code

use serde_json::Value;

#[path = "support/cli.rs"]
#[allow(dead_code)] // each CLI test uses its own part
mod cli_support;
#[path = "../../tests/support/exact.rs"]
mod exact;

use cli_support::{run, stderr, stdout};
use exact::J;

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/vectors/signing.json"
    ))
    .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["cases"].as_array().unwrap().clone()
}

/// The command line of one case, flags named as the vectors name them.
fn args(case: &Value) -> Vec<String> {
    let op = case["op"].as_str().unwrap();
    let format = case["format"].as_str().unwrap();
    let mut args = vec![op.to_owned(), "--format".to_owned(), format.to_owned()];
    let options = case["options"].as_object().unwrap();
    for (flag, value) in options {
        match value {
            Value::Bool(true) => args.push(format!("--{flag}")),
            Value::Array(items) => {
                for item in items {
                    args.push(format!("--{flag}"));
                    args.push(item.as_str().unwrap().to_owned());
                }
            }
            Value::String(text) => {
                args.push(format!("--{flag}"));
                args.push(text.clone());
            }
            Value::Number(n) => {
                args.push(format!("--{flag}"));
                args.push(n.to_string());
            }
            other => panic!("option {flag}: {other}"),
        }
    }
    let timed = options.contains_key("timestamp") || format == "django-cookie";
    if timed {
        args.push("--now".to_owned());
        args.push(case["now"].to_string());
    }
    args
}

#[test]
fn every_vector_through_the_command_line() {
    let cases = cases();
    let mut failures = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let name = case["name"].as_str().unwrap();
        let input = case["input"].as_str().unwrap();
        let mut args = args(case);
        let stdin = if i % 3 == 0 {
            Some(format!("{input}\n"))
        } else {
            // `--` so that a value starting with `-` is not read as a flag.
            args.push("--".to_owned());
            args.push(input.to_owned());
            None
        };
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = run(&argv, stdin.as_deref());
        // The one case where the crate answers differently on purpose
        // (`tests/signing.rs`, `DIVERGENCES`).
        let error =
            if name == "itsdangerous/unsign/timestamp/odd-timestamp/forged-out-of-datetime-range" {
                Some("bad-signature")
            } else {
                case["error"].as_str()
            };
        let ok = match error {
            None => {
                let want = case["output"].as_str().unwrap();
                let got = stdout(&output);
                output.status.code() == Some(0)
                    && if case["op"] == "decode" {
                        got.strip_suffix('\n')
                            .is_some_and(|got| J::parse(got).ok() == J::parse(want).ok())
                    } else {
                        got == format!("{want}\n")
                    }
            }
            Some(kind) => {
                output.status.code() == Some(1)
                    && stdout(&output).is_empty()
                    && stderr(&output).starts_with(&format!("error: {kind}: "))
                    && stderr(&output).lines().count() == 1
            }
        };
        if !ok {
            failures.push(format!(
                "{name}: {argv:?} exit {:?}, stdout {:?}, stderr {:?}",
                output.status.code(),
                stdout(&output),
                stderr(&output)
            ));
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

#[test]
fn the_input_rules() {
    // An empty argument is an empty value; stdin loses one trailing newline only.
    let signed = run(
        &["sign", "--format", "django-signer", "--secret", "s", ""],
        None,
    );
    // Django 5.2: `Signer(key="s").sign("")`.
    assert_eq!(
        stdout(&signed),
        ":9a6bKui-eeMtqGt3ukwCB9X50osveXZm8Lqa3TLuEBc\n"
    );
    let piped = run(
        &["sign", "--format", "itsdangerous", "--secret", "s"],
        Some("a\n\n"),
    );
    let unsigned = run(
        &["unsign", "--format", "itsdangerous", "--secret", "s"],
        Some(stdout(&piped)),
    );
    assert_eq!(stdout(&unsigned), "a\n\n");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &[
            "sign",
            "--format",
            "itsdangerous",
            "--secret",
            "s",
            "--algorithm",
            "sha1",
            "v",
        ][..],
        &[
            "sign",
            "--format",
            "django-signer",
            "--secret",
            "s",
            "--digest",
            "sha1",
            "v",
        ],
        &["sign", "--format", "django-cookie", "--secret", "s", "v"],
        &[
            "sign",
            "--format",
            "django-signer",
            "--secret",
            "s",
            "--name",
            "n",
            "v",
        ],
        &[
            "unsign",
            "--format",
            "django-signer",
            "--secret",
            "s",
            "--max-age",
            "5",
            "v:x",
        ],
        &[
            "sign",
            "--format",
            "django-signer",
            "--secret",
            "s",
            "--algorithm",
            "md5",
            "v",
        ],
        &[
            "encode",
            "--format",
            "django",
            "--secret",
            "s",
            "--timestamp",
            "{}",
        ],
    ] {
        let output = run(args, None);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    // An unsafe separator is a configuration error, in the usual one line.
    let output = run(
        &[
            "sign",
            "--format",
            "django-signer",
            "--secret",
            "s",
            "--sep",
            "a",
            "v",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).starts_with("error: key: "),
        "{}",
        stderr(&output)
    );
}
