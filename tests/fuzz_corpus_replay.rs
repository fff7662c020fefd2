//! Replays the committed fuzz corpora (`fuzz/corpus/<target>/`) and the
//! seed inputs through the very functions the cargo-fuzz targets call
//! (`fuzz/src/`, included here with `#[path]`), as an ordinary test on
//! stable. A crash the fuzzer found and that was added to a corpus stays
//! fixed.
//!
//! `cargo test --test fuzz_corpus_replay -- --ignored write_seed_corpora`
//! rewrites the seed files (`seed-*`) of every corpus.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

#[path = "../fuzz/src/lib.rs"]
mod fuzz_logic;

use std::fs;
use std::path::{Path, PathBuf};

use fuzz_logic::{decode_django, decode_native, json_writer, key_lines, roundtrip};
use session_cookie::Mode;

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz")
        .join("corpus")
        .join(target)
}

/// Every file of a target's corpus, sorted by name.
fn corpus(target: &str) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = fs::read_dir(corpus_dir(target)) else {
        return Vec::new();
    };
    let mut files: Vec<(String, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().is_file())
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, fs::read(e.path()).unwrap())
        })
        .collect();
    files.sort();
    files
}

/// Runs every corpus file of `target`, naming the file that fails.
fn replay(target: &str, run: impl Fn(&[u8]) + std::panic::RefUnwindSafe) -> usize {
    let files = corpus(target);
    for (name, data) in &files {
        if std::panic::catch_unwind(|| run(data)).is_err() {
            panic!("fuzz/corpus/{target}/{name} fails");
        }
    }
    files.len()
}

fn seeds(target: &str) -> Vec<Vec<u8>> {
    match target {
        "decode_django" => decode_django::seeds(),
        "decode_native_signed" => decode_native::seeds(Mode::Signed),
        "decode_native_encrypted" => decode_native::seeds(Mode::Encrypted),
        #[cfg(feature = "flask")]
        "decode_flask" => fuzz_logic::decode_flask::seeds(),
        _ => Vec::new(),
    }
}

#[test]
fn decode_django_corpus() {
    for seed in seeds("decode_django") {
        decode_django::run(&seed);
    }
    replay("decode_django", decode_django::run);
}

#[test]
fn decode_native_signed_corpus() {
    for seed in seeds("decode_native_signed") {
        decode_native::run(Mode::Signed, &seed);
    }
    replay("decode_native_signed", |d| {
        decode_native::run(Mode::Signed, d)
    });
}

#[test]
fn decode_native_encrypted_corpus() {
    for seed in seeds("decode_native_encrypted") {
        decode_native::run(Mode::Encrypted, &seed);
    }
    replay("decode_native_encrypted", |d| {
        decode_native::run(Mode::Encrypted, d);
    });
}

#[cfg(all(feature = "flask", feature = "tower"))]
#[test]
fn config_corpus() {
    replay("config", fuzz_logic::config::run);
}

#[test]
fn signing_corpus() {
    replay("signing", fuzz_logic::signing::run);
}

#[cfg(feature = "flask")]
#[test]
fn decode_flask_corpus() {
    for seed in seeds("decode_flask") {
        fuzz_logic::decode_flask::run(&seed);
    }
    replay("decode_flask", fuzz_logic::decode_flask::run);
}

#[cfg(all(feature = "fuzzing", feature = "tower"))]
#[test]
fn chunks_corpus() {
    replay("chunks", fuzz_logic::chunks::run);
}

#[test]
fn roundtrip_corpus() {
    replay("roundtrip", roundtrip::run);
}

#[test]
fn json_writer_corpus() {
    replay("json_writer", json_writer::run);
}

#[cfg(feature = "fuzzing")]
#[test]
fn inflate_corpus() {
    replay("inflate", fuzz_logic::inflate::run);
}

#[test]
fn key_lines_corpus() {
    replay("key_lines", key_lines::run);
}

/// The seeds of the decode targets are valid cookies: they must decode, or
/// the fuzzer starts from nothing.
#[test]
fn seeds_are_valid_cookies() {
    use fuzz_logic::common::SECRETS;
    use session_cookie::{DjangoCodec, SecretKeys, UnixTime};
    let codec = DjangoCodec::sessions(&SecretKeys::new(SECRETS[0]).unwrap());
    let now = UnixTime::from_secs(1_700_000_000);
    let first = &decode_django::seeds()[0];
    let cookie = std::str::from_utf8(&first[21..]).unwrap();
    codec.decode_session_at(cookie, now).unwrap();
}

#[test]
#[ignore = "writes fuzz/corpus/*/seed-*; run by hand"]
fn write_seed_corpora() {
    for target in [
        "decode_django",
        "decode_native_signed",
        "decode_native_encrypted",
        "decode_flask",
    ] {
        let dir = corpus_dir(target);
        fs::create_dir_all(&dir).unwrap();
        for (i, seed) in seeds(target).iter().enumerate() {
            fs::write(dir.join(format!("seed-{i:02}")), seed).unwrap();
        }
    }
}
