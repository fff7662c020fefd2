//! How long refusing a hostile 4 KB cookie takes, against decoding a valid
//! one (issue 7: under 50 times). Criterion measures each case; a summary
//! at the end prints each hostile case's median as a multiple of the valid
//! cookie's median, and fails if an unauthenticated hostile cookie (one an
//! attacker can make without a key) costs 50 times a valid decode or more.
//!
//! Authentic hostile payloads (a zip bomb, deep JSON) need a signing key;
//! they are measured and reported too, but they are a key holder's doing,
//! bounded by `Limits::max_inflated_len` and the JSON depth limit.
//!
//! Run: `cargo bench --bench hostile`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]
#![allow(missing_docs)]

use std::hint::black_box;
use std::io::Write;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use criterion::{Criterion, criterion_group};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use session_cookie::{
    DjangoCodec, MasterKey, NativeCodec, NativeConfig, NativeKeyRing, SecretKeys, Session, UnixTime,
};
use sha2::{Digest, Sha256};

const NOW: i64 = 1_700_000_000;
const SECRET: &str = "hostile-bench-secret-key";
const SALT: &str = "django.contrib.sessions.backends.signed_cookies";
const SIZE: usize = 4096;

/// One case: a cookie and the codec that reads it.
struct Case {
    name: &'static str,
    cookie: String,
    native: bool,
    /// Made without any key.
    unauthenticated: bool,
}

struct Codecs {
    django: DjangoCodec,
    native: NativeCodec,
}

impl Codecs {
    fn new() -> Self {
        let ring = SecretKeys::new(SECRET)
            .unwrap()
            .with_fallback("old-key-1")
            .with_fallback("old-key-2");
        let key = MasterKey::new("k1", b"hostile-bench-native-master-key-32b!".to_vec()).unwrap();
        Self {
            django: DjangoCodec::sessions(&ring),
            native: NativeCodec::new(
                &NativeKeyRing::new(key),
                NativeConfig::SIGNED.with_max_cookie_bytes(1 << 16),
            )
            .unwrap(),
        }
    }

    fn decode(&self, case: &Case) -> bool {
        let now = UnixTime::from_secs(NOW);
        if case.native {
            self.native.decode_at::<Session>(&case.cookie, now).is_ok()
        } else {
            self.django.decode_session_at(&case.cookie, now).is_ok()
        }
    }
}

fn django_signed(payload_field: &str, timestamp: &str) -> String {
    let key: [u8; 32] = Sha256::new()
        .chain_update(SALT)
        .chain_update(b"signer")
        .chain_update(SECRET)
        .finalize()
        .into();
    let signed = format!("{payload_field}:{timestamp}");
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
    mac.update(signed.as_bytes());
    let tag = mac.finalize().into_bytes();
    format!("{signed}:{}", URL_SAFE_NO_PAD.encode(tag))
}

fn zlib(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// A JSON text of random-looking data that compresses poorly, `len` long.
fn filler(len: usize) -> String {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            char::from(
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                    [(x % 64) as usize],
            )
        })
        .collect()
}

fn cases(codecs: &Codecs) -> Vec<Case> {
    let now = UnixTime::from_secs(NOW);
    let small =
        json!({"_auth_user_id": "1", "_auth_user_hash": "0123456789abcdef0123456789abcdef"});
    // Valid cookies: a typical session, and one of about 4 KB.
    let valid_small = codecs.django.encode_at(&small, now).unwrap();
    let native_small = codecs.native.encode_at(&small, now).unwrap();
    let about_4k = |encode: &dyn Fn(&serde_json::Value) -> String| {
        (1000..4000)
            .step_by(25)
            .map(|len| encode(&json!({"_auth_user_id": "1", "data": filler(len)})))
            .take_while(|cookie| cookie.len() <= SIZE)
            .last()
            .unwrap()
    };
    let valid_big = about_4k(&|v| codecs.django.encode_at(v, now).unwrap());
    let native_big = about_4k(&|v| codecs.native.encode_at(v, now).unwrap());
    assert!(valid_big.len() > 3900, "{}", valid_big.len());
    assert!(native_big.len() > 3900, "{}", native_big.len());

    let (signed, _) = valid_big.rsplit_once(':').unwrap();
    let pad = |s: String| -> String {
        let mut s = s;
        while s.len() < SIZE {
            s.push('A');
        }
        s.truncate(SIZE);
        s
    };
    let mut native_bytes = URL_SAFE_NO_PAD.decode(&native_big).unwrap();
    let last = native_bytes.len() - 1;
    native_bytes[last] ^= 1;
    let native_forged = URL_SAFE_NO_PAD.encode(&native_bytes);
    native_bytes[3] = b'x'; // unknown key id `x1`
    let native_unknown = URL_SAFE_NO_PAD.encode(&native_bytes);

    let bomb = zlib(&vec![b' '; 8 << 20]);
    let bomb = django_signed(&format!(".{}", URL_SAFE_NO_PAD.encode(&bomb)), "1r31eq");
    let mut deep = vec![b'['; 100_000];
    deep.extend(vec![b']'; 100_000]);
    let deep = django_signed(
        &format!(".{}", URL_SAFE_NO_PAD.encode(zlib(&deep))),
        "1r31eq",
    );

    let c = |name, cookie: String, native, unauthenticated| Case {
        name,
        cookie,
        native,
        unauthenticated,
    };
    vec![
        c("valid: Django, typical session", valid_small, false, false),
        c(
            "valid: Django, 4 KB session",
            valid_big.clone(),
            false,
            false,
        ),
        c("valid: native, typical session", native_small, true, false),
        c("valid: native, 4 KB session", native_big, true, false),
        c("hostile: 4 KB of junk", "%".repeat(SIZE), false, true),
        c("hostile: 4 KB of colons", ":".repeat(SIZE), false, true),
        c(
            "hostile: 4 KB, forged tag (3 keys tried)",
            format!("{signed}:{}", "A".repeat(43)),
            false,
            true,
        ),
        c(
            "hostile: 4 KB, bad base62 timestamp",
            pad(format!("e30:{}:", "$".repeat(10))),
            false,
            true,
        ),
        c(
            "hostile: 4 KB, tag too long",
            format!("{}:{}", &valid_big[..SIZE - 100], "A".repeat(99)),
            false,
            true,
        ),
        c(
            "hostile: 4 KB native, forged tag",
            native_forged,
            true,
            true,
        ),
        c(
            "hostile: 4 KB native, unknown key id",
            native_unknown,
            true,
            true,
        ),
        c(
            "hostile: 4 KB native, not base64",
            "*".repeat(SIZE),
            true,
            true,
        ),
        c("authentic: zip bomb, 8 MiB of spaces", bomb, false, false),
        c("authentic: JSON nested 100000 deep", deep, false, false),
    ]
}

fn bench(c: &mut Criterion) {
    let codecs = Codecs::new();
    let mut group = c.benchmark_group("hostile");
    group
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    for case in cases(&codecs) {
        group.bench_function(case.name, |b| b.iter(|| codecs.decode(black_box(&case))));
    }
    group.finish();
}

/// The median time of one decode of `case`, over `rounds` batches.
fn median(codecs: &Codecs, case: &Case, rounds: usize) -> Duration {
    let mut per = Vec::with_capacity(rounds);
    let batch = 32;
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..batch {
            black_box(codecs.decode(black_box(case)));
        }
        per.push(start.elapsed() / batch);
    }
    per.sort();
    per[per.len() / 2]
}

/// Prints every case as a multiple of the valid decodes, and checks the
/// 50x bound for what an attacker without a key can send.
fn summary(rounds: usize) {
    let codecs = Codecs::new();
    let cases = cases(&codecs);
    let medians: Vec<Duration> = cases.iter().map(|c| median(&codecs, c, rounds)).collect();
    let base = |name: &str| {
        cases
            .iter()
            .zip(&medians)
            .find(|(c, _)| c.name == name)
            .map(|(_, m)| m.as_secs_f64())
            .unwrap()
    };
    let typical = base("valid: Django, typical session");
    let full = base("valid: Django, 4 KB session");
    println!(
        "\n{:<44} {:>7} {:>12} {:>10} {:>10}",
        "case", "bytes", "median", "x typical", "x 4 KB"
    );
    let mut worst: f64 = 0.0;
    for (case, m) in cases.iter().zip(&medians) {
        let ratio = m.as_secs_f64() / typical;
        if case.unauthenticated {
            worst = worst.max(ratio);
        }
        println!(
            "{:<44} {:>7} {:>12.2?} {:>9.2}x {:>9.2}x",
            case.name,
            case.cookie.len(),
            m,
            ratio,
            m.as_secs_f64() / full
        );
    }
    println!(
        "worst unauthenticated hostile cookie: {worst:.2}x a typical valid decode (bound: 50x)"
    );
    assert!(
        worst < 50.0,
        "a hostile cookie costs {worst:.1}x a valid decode"
    );
}

criterion_group!(benches, bench);

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    if benching {
        benches();
        Criterion::default().configure_from_args().final_summary();
        summary(400);
    } else {
        // `cargo test --benches`: a quick check of the bound only.
        summary(20);
    }
}
