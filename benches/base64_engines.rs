//! `base64` (the engine the crate uses) against `base64-simd`, URL-safe
//! without padding, on the bytes of the benchmark payloads, with the whole
//! Django encode and decode of the same payload in the same run so that the
//! difference can be read as a share of the operation.
//!
//! `cargo bench --bench base64_engines`; the result and the decision are in
//! `benches/DECISIONS.md` ("base64 engine").
//!
//! Decision: adopted. `base64-simd` 0.8 encodes a 2 KB body in a fifth of
//! `base64`'s time and decodes it in under a third; the 0.6 to 0.7 µs a
//! decode saves is about 10% of the whole 2 KB Django decode, the 0.8 µs
//! an encode saves about 8% of the encode. `src/sign/b64.rs` is the one
//! place that uses it. The `base64_*` rows stay as the reference: they are
//! the engine the crate used before, in its strict and lenient
//! configurations; the `django_*` rows now run on `base64-simd`.

#![allow(clippy::expect_used)] // setup failures are broken benchmarks

use std::hint::black_box;

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Map, Value};
use session_cookie::{DjangoCodec, DjangoConfig, SecretKeys, Session, UnixTime};

#[allow(dead_code)] // `payloads::small` serves the other benches
#[path = "payloads/mod.rs"]
mod payloads;

const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);
const SECRET: &str = "django-insecure-benchmark-secret-key-0123456789abcdef";

/// The crate's payload decoder (`src/sign/signer.rs`, `LENIENT_B64`):
/// padding optional, unused low bits ignored. The Django and Flask decode
/// paths run this configuration, not the strict one.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn engines(c: &mut Criterion) {
    let ring = SecretKeys::new(SECRET).expect("ring");
    let django = DjangoCodec::new(&ring, DjangoConfig::SESSIONS.with_compress(false));
    for (name, value) in payloads::all() {
        let json = session_cookie::json::to_string(&value).expect("json");
        let text = URL_SAFE_NO_PAD.encode(&json);
        assert_eq!(
            base64_simd::URL_SAFE_NO_PAD.encode_to_string(&json),
            text,
            "the engines disagree"
        );
        let mut group = c.benchmark_group(format!("base64/{name}"));
        group.bench_function("base64_encode", |b| {
            b.iter(|| URL_SAFE_NO_PAD.encode(black_box(json.as_bytes())))
        });
        group.bench_function("base64_simd_encode", |b| {
            b.iter(|| base64_simd::URL_SAFE_NO_PAD.encode_to_string(black_box(json.as_bytes())))
        });
        group.bench_function("base64_decode", |b| {
            b.iter(|| URL_SAFE_NO_PAD.decode(black_box(&text)))
        });
        group.bench_function("base64_lenient_decode", |b| {
            b.iter(|| LENIENT.decode(black_box(&text)))
        });
        group.bench_function("base64_simd_decode", |b| {
            b.iter(|| base64_simd::URL_SAFE_NO_PAD.decode_to_vec(black_box(text.as_bytes())))
        });
        // The whole operation the difference would be a share of.
        let map: Map<String, Value> = serde_json::from_value(value).expect("object");
        let session = Session::from(map);
        let cookie = django.encode_at(&session, NOW).expect("encode");
        group.bench_function("django_encode", |b| {
            b.iter(|| django.encode_at(black_box(&session), NOW))
        });
        group.bench_function("django_decode", |b| {
            b.iter(|| django.decode_session_at(black_box(&cookie), NOW))
        });
        group.finish();
    }
    // A signature: 43 characters into a 32-byte tag on the stack, the
    // decode every Django and native verification makes.
    let signature = URL_SAFE_NO_PAD.encode([0xa5u8; 32]);
    let mut group = c.benchmark_group("base64/signature");
    let mut tag = [0u8; 32];
    group.bench_function("base64_decode_slice", |b| {
        b.iter(|| {
            URL_SAFE_NO_PAD
                .decode_slice(black_box(&signature), &mut tag)
                .ok()
        })
    });
    group.bench_function("base64_simd_decode_slice", |b| {
        b.iter(|| {
            base64_simd::URL_SAFE_NO_PAD
                .decode(
                    black_box(signature.as_bytes()),
                    base64_simd::Out::from_slice(&mut tag),
                )
                .map(|out| out.len())
                .ok()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = engines
}
criterion_main!(benches);
