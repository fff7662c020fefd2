//! Constant-time evidence, dudect style (Reparaz, Balasch, Verbauwhede,
//! "Dude, is my code constant time?", DATE 2017): time many decodes of two
//! classes of forged cookies, interleaved in random order, and compare the
//! two timing distributions with Welch's t-test. The classes differ only in
//! where the first wrong signature byte is: byte 0 or byte 31. An early-exit
//! comparison would make the byte-31 class slower; `|t| < 4.5` means the
//! measurements give no evidence that timing depends on the class.
//!
//! As dudect does, the test is also run on the measurements below several
//! percentiles (cropping the long tail that interrupts and other processes
//! add), and the largest `|t|` is what counts.
//!
//! A positive control times a naive early-exit comparison of the same tags
//! (`==` on byte slices), to show what the harness sees when there is a
//! difference to see.
//!
//! Run: `cargo bench --bench constant_time` (set `CT_SAMPLES` for the number
//! of measurements per class; default 500000).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use session_cookie::{
    DecodeError, DjangoCodec, MasterKey, NativeCodec, NativeConfig, NativeKeyRing, SecretKeys,
    UnixTime,
};

const NOW: i64 = 1_700_000_000;

/// Running mean and variance (Welford), as dudect keeps them.
#[derive(Default, Clone, Copy)]
struct Stats {
    n: f64,
    mean: f64,
    m2: f64,
}

impl Stats {
    fn push(&mut self, x: f64) {
        self.n += 1.0;
        let delta = x - self.mean;
        self.mean += delta / self.n;
        self.m2 += delta * (x - self.mean);
    }

    fn var(&self) -> f64 {
        if self.n < 2.0 {
            0.0
        } else {
            self.m2 / (self.n - 1.0)
        }
    }
}

/// Welch's t statistic of two samples.
fn welch_t(a: &Stats, b: &Stats) -> f64 {
    let se = (a.var() / a.n + b.var() / b.n).sqrt();
    if se == 0.0 {
        0.0
    } else {
        (a.mean - b.mean) / se
    }
}

struct Outcome {
    name: &'static str,
    n: usize,
    mean_ns: [f64; 2],
    t_raw: f64,
    t_max: f64,
    crop: &'static str,
}

/// Measures `op` on the two inputs, `samples` times each, in random order.
/// Each input is first copied into the same buffer, outside the timed
/// region, so that the two classes share one address and alignment: only
/// their contents differ.
fn measure(name: &'static str, inputs: [String; 2], samples: usize, op: impl Fn(&str)) -> Outcome {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let mut buffer = String::with_capacity(inputs[0].len().max(inputs[1].len()));
    // Warm up caches and branch predictors on both classes.
    for i in 0..10_000 {
        buffer.clear();
        buffer.push_str(&inputs[i % 2]);
        op(&buffer);
    }
    let mut times: [Vec<f64>; 2] = [Vec::with_capacity(samples), Vec::with_capacity(samples)];
    while times[0].len() < samples || times[1].len() < samples {
        let class = usize::from(rng.random::<bool>());
        if times[class].len() >= samples {
            continue;
        }
        buffer.clear();
        buffer.push_str(&inputs[class]);
        let start = Instant::now();
        op(black_box(&buffer));
        let took = start.elapsed();
        times[class].push(took.as_nanos() as f64);
    }
    // Percentile thresholds from both classes together, as dudect crops.
    let mut all: Vec<f64> = times[0].iter().chain(&times[1]).copied().collect();
    all.sort_by(f64::total_cmp);
    let crops: [(&str, f64); 6] = [
        ("none", f64::INFINITY),
        ("p99", all[all.len() * 99 / 100]),
        ("p90", all[all.len() * 90 / 100]),
        ("p75", all[all.len() * 75 / 100]),
        ("p50", all[all.len() / 2]),
        ("p25", all[all.len() / 4]),
    ];
    let mut t_raw = 0.0;
    let mut t_max: f64 = 0.0;
    let mut crop = "none";
    let mut mean_ns = [0.0; 2];
    for (label, limit) in crops {
        let mut stats = [Stats::default(); 2];
        for class in 0..2 {
            for &x in &times[class] {
                if x <= limit {
                    stats[class].push(x);
                }
            }
        }
        let t = welch_t(&stats[0], &stats[1]);
        if label == "none" {
            t_raw = t;
            mean_ns = [stats[0].mean, stats[1].mean];
        }
        if t.abs() > t_max.abs() {
            t_max = t;
            crop = label;
        }
    }
    Outcome {
        name,
        n: samples,
        mean_ns,
        t_raw,
        t_max,
        crop,
    }
}

/// `tag` with one byte changed.
fn with_wrong_byte(tag: &[u8], index: usize) -> Vec<u8> {
    let mut out = tag.to_vec();
    out[index] ^= if index == 31 { 0x01 } else { 0x80 };
    out
}

fn django_classes() -> (DjangoCodec, [String; 2]) {
    let codec = DjangoCodec::sessions(&SecretKeys::new("constant-time-bench-secret").unwrap());
    let cookie = codec
        .encode_at(
            &serde_json::json!({"user_id": 42, "csrf": "0123456789abcdef"}),
            UnixTime::from_secs(NOW),
        )
        .unwrap();
    let (signed, sig) = cookie.rsplit_once(':').unwrap();
    let tag = URL_SAFE_NO_PAD.decode(sig).unwrap();
    let class = |i| {
        format!(
            "{signed}:{}",
            URL_SAFE_NO_PAD.encode(with_wrong_byte(&tag, i))
        )
    };
    (codec, [class(0), class(31)])
}

fn native_classes(config: NativeConfig) -> (NativeCodec, [String; 2]) {
    let key = MasterKey::new("k1", b"constant-time-bench-master-key-32bytes!!".to_vec()).unwrap();
    let codec = NativeCodec::new(&NativeKeyRing::new(key), config).unwrap();
    let token = codec
        .encode_at(
            &serde_json::json!({"user_id": 42, "csrf": "0123456789abcdef"}),
            UnixTime::from_secs(NOW),
        )
        .unwrap();
    let mut bytes = URL_SAFE_NO_PAD.decode(&token).unwrap();
    let start = bytes.len() - 32;
    let tag = bytes[start..].to_vec();
    let mut class = |i| {
        bytes.truncate(start);
        bytes.extend(with_wrong_byte(&tag, i));
        URL_SAFE_NO_PAD.encode(&bytes)
    };
    let a = class(0);
    let b = class(31);
    (codec, [a, b])
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing
    // and gets a quick smoke run.
    let benching = std::env::args().any(|a| a == "--bench");
    let samples: usize = std::env::var("CT_SAMPLES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(if benching { 500_000 } else { 2_000 });
    let now = UnixTime::from_secs(NOW);
    let mut outcomes = Vec::new();

    let (django, classes) = django_classes();
    // Null control (A/A): the same class twice, to show the noise floor of
    // this machine; a |t| here above 4.5 is noise, not a leak.
    let same = [classes[0].clone(), classes[0].clone()];
    outcomes.push(measure(
        "null control: Django, byte 0 vs byte 0",
        same,
        samples,
        |c: &str| {
            let r = django.decode_at::<serde_json::Value>(black_box(c), now);
            assert!(matches!(r, Err(DecodeError::BadSignature)));
        },
    ));
    outcomes.push(measure("Django decode", classes, samples, |c: &str| {
        let r = django.decode_at::<serde_json::Value>(black_box(c), now);
        assert!(matches!(r, Err(DecodeError::BadSignature)));
    }));

    let (signed, classes) = native_classes(NativeConfig::SIGNED);
    outcomes.push(measure(
        "native signed decode",
        classes,
        samples,
        |c: &str| {
            let r = signed.decode_at::<serde_json::Value>(black_box(c), now);
            assert!(matches!(r, Err(DecodeError::BadSignature)));
        },
    ));

    let (encrypted, classes) = native_classes(NativeConfig::ENCRYPTED);
    outcomes.push(measure(
        "native encrypted decode",
        classes,
        samples,
        |c: &str| {
            let r = encrypted.decode_at::<serde_json::Value>(black_box(c), now);
            assert!(matches!(r, Err(DecodeError::BadSignature)));
        },
    ));

    // Positive control: an early-exit comparison (`==` on bytes), the
    // mistake the crate avoids. Long inputs make its difference visible.
    let expected = "Z".repeat(4096);
    let wrong_at = |i: usize| {
        let mut s = expected.clone();
        s.replace_range(i..=i, "[");
        s
    };
    outcomes.push(measure(
        "control: early-exit == (4096 bytes)",
        [wrong_at(0), wrong_at(4095)],
        samples,
        |c: &str| {
            black_box(black_box(c.as_bytes()) == black_box(expected.as_bytes()));
        },
    ));

    println!(
        "{:<40} {:>9} {:>12} {:>12} {:>9} {:>9} {:>5}",
        "operation", "n/class", "mean ns @0", "mean ns @31", "t (raw)", "t at max", "crop"
    );
    for o in &outcomes {
        println!(
            "{:<40} {:>9} {:>12.1} {:>12.1} {:>9.2} {:>9.2} {:>5}",
            o.name, o.n, o.mean_ns[0], o.mean_ns[1], o.t_raw, o.t_max, o.crop
        );
    }
    for o in outcomes.iter().filter(|o| !o.name.contains("control")) {
        let verdict = if o.t_max.abs() < 4.5 {
            "no evidence of a timing leak"
        } else {
            "POSSIBLE TIMING LEAK"
        };
        println!("{}: max |t| = {:.2}: {verdict}", o.name, o.t_max.abs());
    }
}
