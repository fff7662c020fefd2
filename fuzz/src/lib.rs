//! The logic of the fuzz targets, one module per target. The targets in
//! `fuzz_targets/` call these `run` functions; the library's test
//! `tests/fuzz_corpus_replay.rs` includes this file with `#[path]` and runs
//! the committed corpora through the same functions on stable.

#![allow(missing_docs, unreachable_pub, dead_code, private_interfaces)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    clippy::missing_panics_doc
)]

#[cfg(all(feature = "fuzzing", feature = "tower"))]
pub mod chunks;
pub mod common;
#[cfg(all(feature = "flask", feature = "tower"))]
pub mod config;
pub mod decode_django;
#[cfg(feature = "flask")]
pub mod decode_flask;
pub mod decode_native;
/// Exact JSON (every digit, keys in order), shared with the library's tests.
#[path = "../../tests/support/exact.rs"]
pub mod exact;
#[cfg(feature = "fuzzing")]
pub mod inflate;
pub mod json_writer;
pub mod key_lines;
pub mod roundtrip;
pub mod signing;
