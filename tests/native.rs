//! The native format's test suite (`docs/FORMAT.md`): version 2, which
//! the codec writes, and version 1, which it still reads.
//!
//! 1. Round trip, as properties over every mode (signed, encrypted, padded
//!    to buckets of 1, 16 and 256, with and without compression), random
//!    purposes and cookie names, random keys, random JSON and random times:
//!    the value, both times, the session id and `needs_reissue` come back,
//!    and `encoded_len` predicts `name=value` to the byte.
//! 2. Tampering, exhaustively on sample tokens of every mode: every bit
//!    flip of the token bytes (with the outcome each header field must
//!    give), every truncation, every single-character change, extensions;
//!    every change to the session id field.
//! 3. Binding: a token of another mode, purpose, cookie name or key ring is
//!    refused; retired and unknown keys are bad signatures; a `verify` key's
//!    token asks to be re-issued, and the re-issue keeps the origin and
//!    the session id. Version 2's header to the byte; a version 1 token is
//!    still read, with the session id of the first 16 bytes of its tag.
//! 4. Both clocks and the skew, at their boundaries.
//! 5. Key hygiene: no key material in any `Debug` or error message.
//! 6. The 4096-byte budget, `key_usage` counters, and what encryption hides.
//!
//! Frozen wire vectors are in `tests/native_vectors.rs`.

// Test code: a failed unwrap, index or panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::json;
use serde_json::value::RawValue;

mod support {
    pub(crate) mod exact;
}
/// Exact JSON (every digit, every key in its order), which
/// `serde_json::Value` without the features this crate must not turn on
/// does not keep.
use support::exact::J;

use session_cookie::{
    DecodeError, Decoded, EncodeError, KeyError, KeyState, Limits, Lineage, Malformed, MasterKey,
    Mode, NativeCodec, NativeConfig, NativeKeyRing, SessionId, UnixTime, WeakKey, inspect, json,
};

/// The tests' "now" (2026-09-21).
const T0: i64 = 1_790_000_000;

fn at(secs: i64) -> UnixTime {
    UnixTime::from_secs(secs)
}

// ---------------------------------------------------------------------------
// Keys, modes and layout.

/// 32 to 64 deterministic, random-looking key bytes.
fn key_bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut bytes = vec![0u8; len];
    rng.fill(&mut bytes[..]);
    bytes
}

fn master(id: &str, seed: u64) -> MasterKey {
    MasterKey::new(id, key_bytes(seed, 32)).unwrap()
}

/// One configuration of the format: mode, compression, padding bucket.
#[derive(Debug, Clone, Copy)]
struct Setup {
    mode: Mode,
    compress: bool,
    padding: usize,
}

const SETUPS: [Setup; 7] = [
    Setup {
        mode: Mode::Signed,
        compress: false,
        padding: 1,
    },
    Setup {
        mode: Mode::Signed,
        compress: true,
        padding: 1,
    },
    Setup {
        mode: Mode::Encrypted,
        compress: false,
        padding: 1,
    },
    Setup {
        mode: Mode::Encrypted,
        compress: false,
        padding: 16,
    },
    Setup {
        mode: Mode::Encrypted,
        compress: false,
        padding: 256,
    },
    Setup {
        mode: Mode::Encrypted,
        compress: true,
        padding: 1,
    },
    Setup {
        mode: Mode::Encrypted,
        compress: true,
        padding: 16,
    },
];

impl Setup {
    fn config(self) -> NativeConfig {
        match self.mode {
            Mode::Signed => NativeConfig::SIGNED,
            Mode::Encrypted => NativeConfig::ENCRYPTED,
        }
        .with_compress(self.compress)
        .with_padding(self.padding)
    }

    fn encrypted(self) -> bool {
        self.mode == Mode::Encrypted
    }
}

/// Salt, nonce and GCM tag: what an encrypted body adds to the plaintext.
const OVERHEAD: usize = 16 + 12 + 16;

/// Where the fields of a token's bytes are (FORMAT.md §2).
#[derive(Debug, Clone, Copy)]
struct Layout {
    id_end: usize,
    times_end: usize,
    /// The end of the header: after the session id in version 2, the times
    /// in version 1.
    header_end: usize,
    tag_start: usize,
}

fn layout(bytes: &[u8]) -> Layout {
    let id_end = 3 + usize::from(bytes[2]);
    let times_end = id_end + 16;
    Layout {
        id_end,
        times_end,
        header_end: match bytes[0] {
            1 => times_end,
            2 => times_end + SessionId::LEN,
            other => panic!("version {other}"),
        },
        tag_start: bytes.len() - 32,
    }
}

fn bytes_of(token: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(token).unwrap()
}

/// FORMAT.md §7 step 3, written from the spec: whether `bytes` have a
/// valid version 1 or 2 structure of the given mode (the flags are not
/// looked at).
fn structure_is_valid(bytes: &[u8], encrypted: bool) -> bool {
    let fixed = match bytes.first() {
        Some(1) => 16,
        Some(2) => 16 + SessionId::LEN,
        _ => return false,
    };
    let Some(&len) = bytes.get(2) else {
        return false;
    };
    let len = usize::from(len);
    if !(1..=32).contains(&len) {
        return false;
    }
    let Some(id) = bytes.get(3..3 + len) else {
        return false;
    };
    let id_ok = id
        .iter()
        .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-');
    let min_body = if encrypted { OVERHEAD + 1 } else { 1 };
    id_ok && bytes.len() >= 3 + len + fixed + min_body + 32
}

fn decode(
    codec: &NativeCodec,
    token: &str,
    now: i64,
) -> Result<Decoded<Box<RawValue>>, DecodeError> {
    codec.decode_at::<Box<RawValue>>(token, at(now))
}

/// Python's JSON text of `value`, exactly.
fn text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    json::to_string(value).unwrap()
}

// ---------------------------------------------------------------------------
// 1. Round trip, as properties.

/// Text with every kind of character: ASCII, controls, non-BMP.
fn any_text(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::string::string_regex(&format!("[a-zA-Z0-9_ ]{{0,{max}}}")).unwrap(),
        2 => vec(any::<char>(), 0..max).prop_map(|chars| chars.into_iter().collect()),
        1 => proptest::string::string_regex(&format!("[\\x00-\\x1f\"\\\\é😀\u{2028}]{{0,{max}}}"))
            .unwrap(),
    ]
}

/// Integers beyond 64 bits, kept as their digits.
fn big_int() -> impl Strategy<Value = J> {
    (any::<bool>(), 1u8..=9, vec(0u8..=9, 19..40)).prop_map(|(negative, first, rest)| {
        let sign = if negative { "-" } else { "" };
        let digits: String = core::iter::once(first)
            .chain(rest)
            .map(|d| char::from(b'0' + d))
            .collect();
        J::num(format!("{sign}{digits}"))
    })
}

/// Finite doubles from arbitrary bits, plus awkward ones.
fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        3 => any::<u64>().prop_map(|bits| {
            let f = f64::from_bits(bits);
            if f.is_finite() { f } else { f64::from_bits(bits & !(1 << 62)) }
        }),
        1 => select(vec![0.0, -0.0, 0.1, 1.0, 1e16, 1e-5, 5e-324, f64::MAX, f64::MIN_POSITIVE]),
    ]
}

fn leaf() -> impl Strategy<Value = J> {
    prop_oneof![
        1 => Just(J::Null),
        1 => any::<bool>().prop_map(J::Bool),
        3 => any_text(24).prop_map(J::Str),
        1 => any::<i64>().prop_map(J::from),
        1 => any::<u64>().prop_map(J::from),
        1 => big_int(),
        2 => finite_f64().prop_map(J::from),
    ]
}

/// JSON values nesting up to 5 levels; objects have unicode keys.
fn any_value() -> impl Strategy<Value = J> {
    leaf().prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(J::Arr),
            vec((any_text(12), inner), 0..6).prop_map(J::obj),
        ]
    })
}

/// Keeps at most 255 bytes (on a character boundary), at least one.
fn clamp_255(mut text: String) -> String {
    while text.len() > 255 {
        text.pop();
    }
    if text.is_empty() {
        text.push('p');
    }
    text
}

/// Purposes: names, arbitrary unicode, and the 255-byte maximum.
fn any_purpose() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z][a-z0-9_.-]{0,30}",
        2 => vec(any::<char>(), 1..80).prop_map(|chars| clamp_255(chars.into_iter().collect())),
        1 => Just("p".repeat(255)),
        1 => Just("é".repeat(127)),
    ]
}

/// Cookie names: RFC 6265 tokens with or without a `__Host-`/`__Secure-`
/// prefix, arbitrary unicode, and the 255-byte maximum.
fn any_cookie_name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "(__Host-|__Secure-)?[A-Za-z0-9!#$%&'*+.^_`|~-]{1,240}",
        1 => vec(any::<char>(), 1..80).prop_map(|chars| clamp_255(chars.into_iter().collect())),
        1 => Just(format!("__Host-{}", "s".repeat(248))),
    ]
}

fn any_key() -> impl Strategy<Value = MasterKey> {
    (
        "[A-Za-z0-9_-]{1,32}",
        vec(any::<u8>(), 32..=64).prop_filter("not all one byte", |bytes| {
            bytes.windows(2).any(|pair| pair[0] != pair[1])
        }),
    )
        .prop_map(|(id, bytes)| MasterKey::new(&id, bytes).unwrap())
}

/// The context-changing name: `name` with one more byte, or one byte
/// changed when it is already 255 bytes long.
fn other_name(name: &str) -> String {
    if name.len() < 255 {
        format!("{name}x")
    } else {
        let mut other = name.to_owned();
        let last = other.pop().unwrap();
        let extra = 255 - other.len();
        other.push_str(&(if last == 'y' { "z" } else { "y" }).repeat(extra));
        other
    }
}

#[derive(Debug, Clone)]
struct Times {
    /// When the token is issued.
    now: i64,
    /// How long before `now` the session was first issued.
    age: i64,
    /// How long after issue it is decoded.
    elapsed: i64,
    max_age: Option<u64>,
    /// Extra room in the absolute lifetime, if there is one.
    lifetime_slack: Option<u64>,
    skew: u64,
}

fn any_times() -> impl Strategy<Value = Times> {
    (
        0i64..=(1 << 40),
        0i64..=1_000_000_000,
        proptest::option::of(0u64..=100_000_000),
        0i64..=100_000_000,
        proptest::option::of(0u64..=1_000_000),
        0u64..=3_600,
    )
        .prop_map(|(now, age, max_age, elapsed, lifetime_slack, skew)| {
            let age = age.min(now);
            let elapsed = max_age.map_or(elapsed, |m| elapsed.min(i64::try_from(m).unwrap()));
            Times {
                now,
                age,
                elapsed,
                max_age,
                lifetime_slack,
                skew,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any value, in any mode, for any purpose and cookie, under any key,
    /// at any time: decoding gives back the value and both times, and
    /// `encoded_len` is the exact length of `name=value`.
    #[test]
    fn round_trip_in_every_mode(
        setup in select(SETUPS.to_vec()),
        value in any_value(),
        purpose in any_purpose(),
        cookie_name in any_cookie_name(),
        key in any_key(),
        times in any_times(),
        session_id in proptest::option::of(any::<[u8; 16]>().prop_map(SessionId::from_bytes)),
    ) {
        let lifetime = times
            .lifetime_slack
            .map(|slack| u64::try_from(times.age + times.elapsed).unwrap() + slack);
        let config = setup
            .config()
            .with_purpose(purpose.clone())
            .with_cookie_name(cookie_name.clone())
            .with_max_age(times.max_age)
            .with_max_lifetime(lifetime)
            .with_skew(times.skew)
            .with_max_cookie_bytes(usize::MAX)
            .with_limits(Limits::DEFAULT.with_max_cookie_len(1 << 20));
        let ring = NativeKeyRing::new(key.clone());
        let codec = NativeCodec::new(&ring, config.clone()).unwrap();
        let origin = times.now - times.age;
        let lineage = Lineage::new(at(origin), session_id);
        let token = codec.encode_with_lineage_at(&value, lineage, at(times.now)).unwrap();

        prop_assert_eq!(
            codec.encoded_len(&value).unwrap(),
            cookie_name.len() + 1 + token.len()
        );
        prop_assert!(token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));

        let decoded = decode(&codec, &token, times.now + times.elapsed).unwrap();
        prop_assert_eq!(text(decoded.value()), text(&value));
        prop_assert_eq!(decoded.issued_at(), at(times.now));
        prop_assert_eq!(decoded.first_issued_at(), at(origin));
        // The id given, or a fresh one for a new session.
        let id = decoded.session_id().unwrap();
        if let Some(given) = session_id {
            prop_assert_eq!(id, given);
        }
        prop_assert_eq!(decoded.key_index(), 0);
        let half_passed = times
            .max_age
            .is_some_and(|m| u64::try_from(times.elapsed).unwrap() > m / 2);
        prop_assert_eq!(decoded.needs_reissue(), half_passed);

        // The header says what it should; compression only when asked.
        let seen = inspect(&token, Limits::DEFAULT).unwrap();
        let header = seen.native().unwrap();
        prop_assert_eq!(header.version, 2);
        prop_assert_eq!(header.mode, setup.mode);
        prop_assert_eq!(header.key_id.as_str(), key.id().as_str());
        prop_assert_eq!(header.session_id, id);
        prop_assert!(setup.compress || !seen.compressed());
        let bytes = bytes_of(&token);
        let l = layout(&bytes);
        prop_assert_eq!(&bytes[l.times_end..l.header_end], id.as_bytes());
        if setup.encrypted() {
            let padded = l.tag_start - l.header_end - OVERHEAD;
            prop_assert_eq!(padded % setup.padding, 0);
        }

        // Bound to its purpose and cookie.
        let elsewhere = NativeCodec::new(
            &ring,
            config.clone().with_cookie_name(other_name(&cookie_name)),
        )
        .unwrap();
        prop_assert_eq!(
            decode(&elsewhere, &token, times.now).unwrap_err(),
            DecodeError::BadSignature
        );
        let other_purpose =
            NativeCodec::new(&ring, config.with_purpose(other_name(&purpose))).unwrap();
        prop_assert_eq!(
            decode(&other_purpose, &token, times.now).unwrap_err(),
            DecodeError::BadSignature
        );
    }

    /// Decoding is total: any string gives `Ok` or an error, never a panic,
    /// and nothing forged is accepted.
    #[test]
    fn arbitrary_text_is_refused_without_panic(
        text in prop_oneof![
            any::<String>(),
            vec(any::<u8>(), 0..200).prop_map(|bytes| URL_SAFE_NO_PAD.encode(bytes)),
            // Version 1 and 2 headers with random rest.
            (1u8..=2, 0u8..4, 1u8..8, vec(any::<u8>(), 0..160)).prop_map(|(version, flags, len, rest)| {
                let mut bytes = vec![version, flags, len];
                bytes.extend(std::iter::repeat_n(b'k', usize::from(len)));
                bytes.extend(rest);
                URL_SAFE_NO_PAD.encode(bytes)
            }),
        ],
    ) {
        for setup in [SETUPS[1], SETUPS[5]] {
            let codec = NativeCodec::new(&NativeKeyRing::new(master("k", 1)), setup.config())
                .unwrap();
            prop_assert!(decode(&codec, &text, T0).is_err());
        }
    }
}

// ---------------------------------------------------------------------------
// 2. Tampering.

/// The ring of the tamper tests: ids of one, two and seven bytes.
fn tamper_ring() -> NativeKeyRing {
    NativeKeyRing::new(master("k1", 11))
        .with_key(master("k0", 12), KeyState::Verify)
        .unwrap()
        .with_key(master("2026-09", 13), KeyState::Retired)
        .unwrap()
}

/// Small sample sessions; the second compresses.
fn samples() -> [serde_json::Value; 2] {
    [
        json!({"user_id": 42, "name": "Zoë"}),
        json!({"history": vec!["/a/b/c"; 12], "flag": true}),
    ]
}

/// Sample tokens of every setup, with the setup that reads them.
fn sample_tokens() -> Vec<(Setup, NativeCodec, String)> {
    let mut out = Vec::new();
    for setup in SETUPS {
        for value in samples() {
            let codec = NativeCodec::new(&tamper_ring(), setup.config()).unwrap();
            let token = codec.encode_at(&value, at(T0)).unwrap();
            assert!(decode(&codec, &token, T0).is_ok());
            out.push((setup, codec, token));
        }
    }
    // The compressible sample really is compressed where compression is on.
    for (setup, _, token) in out.iter().skip(1).step_by(2) {
        assert_eq!(
            inspect(token, Limits::DEFAULT).unwrap().compressed(),
            setup.compress
        );
    }
    out
}

/// What flipping `mask` in byte `index` of a valid token must give
/// (FORMAT.md §2, §7): the version is checked first (one bit never turns
/// 0x02 into 0x01), then the flags, then the id, and everything else (the
/// session id too) is covered by the MAC.
fn expected_after_flip(
    original: &[u8],
    flipped: &[u8],
    index: usize,
    mask: u8,
    encrypted: bool,
) -> DecodeError {
    let l = layout(original);
    match index {
        0 => DecodeError::Malformed(Malformed::Version),
        // Bit 1 is `compressed`: still a token of this mode, but not the
        // one that was signed.
        1 if mask == 0b10 => DecodeError::BadSignature,
        1 => DecodeError::Malformed(Malformed::Mode),
        i if i < l.id_end => {
            if structure_is_valid(flipped, encrypted) {
                DecodeError::BadSignature
            } else {
                DecodeError::Malformed(Malformed::Length)
            }
        }
        // The times and the session id: no structure of their own.
        _ => DecodeError::BadSignature,
    }
}

#[test]
fn every_bit_flip_is_refused_with_the_right_error() {
    let mut tried = 0;
    for (setup, codec, token) in sample_tokens() {
        let bytes = bytes_of(&token);
        for index in 0..bytes.len() {
            for bit in 0..8 {
                let mask = 1u8 << bit;
                let mut flipped = bytes.clone();
                flipped[index] ^= mask;
                let result = decode(&codec, &URL_SAFE_NO_PAD.encode(&flipped), T0);
                let expected =
                    expected_after_flip(&bytes, &flipped, index, mask, setup.encrypted());
                assert_eq!(
                    result.as_ref().err(),
                    Some(&expected),
                    "{setup:?}: byte {index} mask {mask:#04x} of {} ({:?})",
                    bytes.len(),
                    layout(&bytes)
                );
                tried += 1;
            }
        }
    }
    assert!(tried > 10_000, "{tried}");
}

/// Refusals that happen before the MAC, or by it; never a later step.
fn refused_unauthenticated(result: &Result<Decoded<Box<RawValue>>, DecodeError>) -> bool {
    matches!(
        result,
        Err(DecodeError::Malformed(_) | DecodeError::BadSignature)
    )
}

#[test]
fn every_truncation_is_refused() {
    for (setup, codec, token) in sample_tokens() {
        for cut in 0..token.len() {
            let result = decode(&codec, &token[..cut], T0);
            assert!(
                refused_unauthenticated(&result),
                "{setup:?} cut {cut}: {result:?}"
            );
            let expected = match cut {
                0 => Some(Malformed::Empty),
                c if c % 4 == 1 => Some(Malformed::Encoding),
                _ => None,
            };
            if let Some(expected) = expected {
                assert_eq!(result.unwrap_err(), DecodeError::Malformed(expected));
            }
        }
        // Whole bytes off the end: the structure holds as long as the body
        // is long enough, and then the MAC fails.
        let bytes = bytes_of(&token);
        for cut in 1..bytes.len() {
            let shorter = &bytes[..bytes.len() - cut];
            let expected = if structure_is_valid(shorter, setup.encrypted()) {
                DecodeError::BadSignature
            } else {
                DecodeError::Malformed(Malformed::Length)
            };
            let result = decode(&codec, &URL_SAFE_NO_PAD.encode(shorter), T0);
            assert_eq!(result.unwrap_err(), expected, "{setup:?} minus {cut} bytes");
        }
    }
}

/// The base64url alphabet and some characters outside it.
fn replacement_chars() -> Vec<char> {
    let mut chars: Vec<char> = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        .chars()
        .collect();
    chars.extend(['=', '+', '/', '.', ' ', '%', '\0', 'é']);
    chars
}

#[test]
fn every_single_character_change_is_refused() {
    let chars = replacement_chars();
    let mut tried = 0;
    for (setup, codec, token) in sample_tokens() {
        for position in 0..token.len() {
            for &c in &chars {
                if token[position..].starts_with(c) {
                    continue;
                }
                let mut changed = String::with_capacity(token.len() + 2);
                changed.push_str(&token[..position]);
                changed.push(c);
                changed.push_str(&token[position + 1..]);
                let result = decode(&codec, &changed, T0);
                assert!(
                    refused_unauthenticated(&result),
                    "{setup:?} position {position} char {c:?}: {result:?}"
                );
                tried += 1;
            }
        }
    }
    assert!(tried > 100_000, "{tried}");
}

#[test]
fn extensions_are_refused() {
    let chars = replacement_chars();
    for (setup, codec, token) in sample_tokens() {
        for &c in &chars {
            for extra in [1, 2, 3, 4] {
                let longer = format!("{token}{}", c.to_string().repeat(extra));
                let result = decode(&codec, &longer, T0);
                assert!(
                    refused_unauthenticated(&result),
                    "{setup:?} + {c:?}x{extra}"
                );
            }
        }
        // Whole bytes appended keep the structure; the MAC then fails.
        let bytes = bytes_of(&token);
        for extra in [1, 2, 3, 32, 100] {
            let longer = [bytes.clone(), vec![0u8; extra]].concat();
            let result = decode(&codec, &URL_SAFE_NO_PAD.encode(longer), T0);
            assert_eq!(result.unwrap_err(), DecodeError::BadSignature, "{setup:?}");
        }
        // A token twice over.
        let result = decode(&codec, &format!("{token}{token}"), T0);
        assert!(refused_unauthenticated(&result), "{setup:?} doubled");
    }
}

/// Version 2's session id field (FORMAT.md §2): every bit of it is under
/// the MAC, a token cut inside it is malformed, and there is no length
/// field, so a shorter or missing id only shifts the body (and the MAC
/// refuses it) or leaves too little for a tag (malformed).
#[test]
fn every_change_to_the_session_id_is_refused() {
    let other_id = SessionId::from_bytes([0xee; 16]);
    let mut tried = 0;
    for (setup, codec, token) in sample_tokens() {
        let bytes = bytes_of(&token);
        let l = layout(&bytes);
        assert_eq!(bytes[0], 2);
        assert_eq!(l.header_end - l.times_end, SessionId::LEN);
        let refused = |bytes: &[u8]| decode(&codec, &URL_SAFE_NO_PAD.encode(bytes), T0);
        for index in l.times_end..l.header_end {
            for bit in 0..8 {
                let mut flipped = bytes.clone();
                flipped[index] ^= 1 << bit;
                assert_eq!(
                    refused(&flipped).unwrap_err(),
                    DecodeError::BadSignature,
                    "{setup:?}: id byte {index} bit {bit}"
                );
                tried += 1;
            }
        }
        for cut in l.times_end..=l.header_end {
            assert_eq!(
                refused(&bytes[..cut]).unwrap_err(),
                DecodeError::Malformed(Malformed::Length),
                "{setup:?}: cut at {cut}"
            );
            // The tag kept after a cut id: too short for a tag unless the
            // id took only body bytes.
            let with_tag = [&bytes[..cut], &bytes[l.tag_start..]].concat();
            assert!(refused_unauthenticated(&refused(&with_tag)), "{setup:?}");
            tried += 1;
        }
        for removed in 1..=SessionId::LEN {
            let shorter = [&bytes[..l.header_end - removed], &bytes[l.header_end..]].concat();
            let expected = if structure_is_valid(&shorter, setup.encrypted()) {
                DecodeError::BadSignature
            } else {
                DecodeError::Malformed(Malformed::Length)
            };
            assert_eq!(
                refused(&shorter).unwrap_err(),
                expected,
                "{setup:?} -{removed}"
            );
            tried += 1;
        }
        // Another session's id in this token.
        let mut spliced = bytes.clone();
        spliced[l.times_end..l.header_end].copy_from_slice(other_id.as_bytes());
        assert_eq!(refused(&spliced).unwrap_err(), DecodeError::BadSignature);
        // Relabelled as version 1, the id is read as body: the MAC over
        // the version byte refuses it.
        let mut relabelled = bytes.clone();
        relabelled[0] = 1;
        assert_eq!(refused(&relabelled).unwrap_err(), DecodeError::BadSignature);
    }
    assert!(tried > 2_000, "{tried}");
}

// ---------------------------------------------------------------------------
// 3. Binding to mode, purpose, cookie and key.

#[test]
fn tokens_do_not_cross_modes_purposes_cookies_or_rings() {
    let ring = tamper_ring();
    let value = json!({"user_id": 7});
    for setup in SETUPS {
        let codec = NativeCodec::new(&ring, setup.config()).unwrap();
        let token = codec.encode_at(&value, at(T0)).unwrap();
        let reader = |config: NativeConfig, ring: &NativeKeyRing| {
            decode(&NativeCodec::new(ring, config).unwrap(), &token, T0)
        };

        let other_mode = match setup.mode {
            Mode::Signed => NativeConfig::ENCRYPTED,
            Mode::Encrypted => NativeConfig::SIGNED,
        };
        assert_eq!(
            reader(other_mode.clone(), &ring).unwrap_err(),
            DecodeError::Malformed(Malformed::Mode),
            "{setup:?}"
        );
        // Compression and padding are the writer's choices, not the reader's.
        for reader_setup in SETUPS.iter().filter(|s| s.mode == setup.mode) {
            assert!(reader(reader_setup.config(), &ring).is_ok(), "{setup:?}");
        }
        for config in [
            setup.config().with_purpose("password-reset"),
            setup.config().with_purpose("Session"),
            setup.config().with_cookie_name("__Host-sessionid"),
            setup.config().with_cookie_name("__Secure-sessionid"),
            setup.config().with_cookie_name("sessionid2"),
            // Moving a byte between the two fields changes the context.
            setup
                .config()
                .with_purpose("sessions")
                .with_cookie_name("essionid"),
        ] {
            assert_eq!(
                reader(config.clone(), &ring).unwrap_err(),
                DecodeError::BadSignature,
                "{setup:?} {config:?}"
            );
        }
        // The same key id with other key bytes: another deployment.
        let impostor = NativeKeyRing::new(master("k1", 99));
        assert_eq!(
            reader(setup.config(), &impostor).unwrap_err(),
            DecodeError::BadSignature
        );
        // The signing key retired, or not in the ring at all.
        let retired = NativeKeyRing::new(master("k2", 21))
            .with_key(master("k1", 11), KeyState::Retired)
            .unwrap();
        assert_eq!(
            reader(setup.config(), &retired).unwrap_err(),
            DecodeError::BadSignature
        );
        let unknown = NativeKeyRing::new(master("k2", 21))
            .with_key(master("k0", 12), KeyState::Verify)
            .unwrap();
        assert_eq!(
            reader(setup.config(), &unknown).unwrap_err(),
            DecodeError::BadSignature
        );
        // The right bytes under another id are another key.
        let renamed = NativeKeyRing::new(master("k9", 11));
        assert_eq!(
            reader(setup.config(), &renamed).unwrap_err(),
            DecodeError::BadSignature
        );
    }
}

#[test]
fn a_verify_keys_token_is_reissued_under_the_active_key_keeping_its_lineage() {
    for setup in SETUPS {
        let old = master("2026-10", 31);
        let new = master("2026-11", 32);
        let before = NativeCodec::new(&NativeKeyRing::new(old.clone()), setup.config()).unwrap();
        let origin = T0 - 50_000;
        let value = json!({"user_id": 1, "cart": [1, 2, 3]});
        let id = SessionId::from_bytes([0x5a; 16]);
        let token = before
            .encode_with_lineage_at(&value, Lineage::new(at(origin), Some(id)), at(T0))
            .unwrap();

        let ring = NativeKeyRing::new(new)
            .with_key(old, KeyState::Verify)
            .unwrap();
        let after = NativeCodec::new(&ring, setup.config()).unwrap();
        let decoded = decode(&after, &token, T0 + 10).unwrap();
        assert!(decoded.needs_reissue(), "{setup:?}");
        assert!(decoded.used_fallback());
        assert_eq!(decoded.key_index(), 1);
        assert_eq!(decoded.lineage(), Lineage::new(at(origin), Some(id)));

        let fresh = after.reissue_at(&decoded, at(T0 + 10)).unwrap();
        let seen = inspect(&fresh, Limits::DEFAULT).unwrap();
        let header = seen.native().unwrap();
        assert_eq!(header.key_id, "2026-11", "{setup:?}");
        assert_eq!(header.first_issued_at, Some(at(origin)));
        assert_eq!(header.session_id, id);
        assert_eq!(seen.issued_at(), Some(at(T0 + 10)));
        let again = decode(&after, &fresh, T0 + 10).unwrap();
        assert!(!again.needs_reissue());
        assert_eq!(again.key_index(), 0);
        assert_eq!(again.first_issued_at(), at(origin));
        assert_eq!(again.session_id(), Some(id));
        assert_eq!(text(again.value()), text(&value));
    }
}

/// Version 2's header to the byte, and the shortest tokens of each mode.
#[test]
fn the_layout_is_version_2s() {
    let ring = NativeKeyRing::new(master("k", 5));
    let id = SessionId::from_bytes(core::array::from_fn(|i| 0xa0 + u8::try_from(i).unwrap()));
    let lineage = Lineage::new(at(T0 - 7), Some(id));
    for (config, flags, body_len) in [
        (NativeConfig::SIGNED, 0, 1),
        // Salt, nonce, the payload and the padding mark, GCM tag.
        (NativeConfig::ENCRYPTED, 1, 16 + 12 + 2 + 16),
    ] {
        let codec = NativeCodec::new(&ring, config).unwrap();
        let token = codec.encode_with_lineage_at(&1, lineage, at(T0)).unwrap();
        let bytes = bytes_of(&token);
        let mut header = vec![0x02, flags, 1, b'k'];
        header.extend_from_slice(&u64::try_from(T0).unwrap().to_be_bytes());
        header.extend_from_slice(&u64::try_from(T0 - 7).unwrap().to_be_bytes());
        header.extend_from_slice(id.as_bytes());
        assert_eq!(header.len(), 35 + 1);
        assert_eq!(&bytes[..header.len()], &header[..]);
        assert_eq!(bytes.len(), header.len() + body_len + 32);
        if flags == 0 {
            assert_eq!(bytes[header.len()], b'1');
        }
        let decoded = decode(&codec, &token, T0).unwrap();
        assert_eq!(decoded.lineage(), lineage);
    }
}

/// A token from version 1's frozen vectors (`tests/vectors/native.json`).
fn version_1_token(name: &str) -> (NativeCodec, String, i64) {
    let file = J::parse(include_str!("vectors/native.json")).unwrap();
    let case = file["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|case| case["name"] == name)
        .unwrap()
        .clone();
    let keys: Vec<&str> = case["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line.as_str().unwrap())
        .collect();
    let config = match case["mode"].as_str().unwrap() {
        "signed" => NativeConfig::SIGNED,
        _ => NativeConfig::ENCRYPTED,
    };
    let codec = NativeCodec::new(&NativeKeyRing::parse(&keys.join("\n")).unwrap(), config).unwrap();
    let token = case["token"].as_str().unwrap().to_owned();
    (codec, token, case["now"].as_i64().unwrap())
}

/// Version 1 is still read; its session id is the first 16 bytes of its
/// tag, and a re-issue (as version 2) keeps that id, so that revoking the
/// re-issued session refuses the old token too.
#[test]
fn a_version_1_token_is_read_with_the_id_of_its_tag() {
    for name in ["signed", "encrypted"] {
        let (codec, token, now) = version_1_token(name);
        let bytes = bytes_of(&token);
        assert_eq!(bytes[0], 1, "{name}");
        let tag = &bytes[bytes.len() - 32..];
        let id = SessionId::from_bytes(tag[..16].try_into().unwrap());

        let decoded = decode(&codec, &token, now).unwrap();
        assert_eq!(decoded.session_id(), Some(id), "{name}");
        let header = inspect(&token, Limits::DEFAULT)
            .unwrap()
            .native()
            .unwrap()
            .clone();
        assert_eq!((header.version, header.session_id), (1, id), "{name}");

        let fresh = codec.reissue_at(&decoded, at(now + 5)).unwrap();
        assert_eq!(bytes_of(&fresh)[0], 2, "{name}");
        let again = decode(&codec, &fresh, now + 5).unwrap();
        assert_eq!(again.lineage(), decoded.lineage(), "{name}");
        assert_eq!(text(again.value()), text(decoded.value()), "{name}");
    }
}

// ---------------------------------------------------------------------------
// 4. Clocks.

fn clock_codec(setup: Setup, max_age: Option<u64>, lifetime: Option<u64>) -> NativeCodec {
    let config = setup
        .config()
        .with_max_age(max_age)
        .with_max_lifetime(lifetime);
    NativeCodec::new(&NativeKeyRing::new(master("k1", 41)), config).unwrap()
}

#[test]
fn idle_max_age_boundary_and_reissue_hint() {
    for setup in SETUPS {
        for max_age in [1_000u64, 1_001] {
            let codec = clock_codec(setup, Some(max_age), None);
            let token = codec.encode_at(&json!({"a": 1}), at(T0)).unwrap();
            let max = i64::try_from(max_age).unwrap();
            let reissue = |now| decode(&codec, &token, now).unwrap().needs_reissue();
            // "More than half of its idle lifetime": 500 of 1000 or of 1001
            // is not more than half; 501 is.
            assert!(!reissue(T0), "{setup:?}");
            assert!(!reissue(T0 + 500), "{setup:?} {max_age}");
            assert!(reissue(T0 + 501), "{setup:?} {max_age}");
            assert!(reissue(T0 + max));
            assert_eq!(
                decode(&codec, &token, T0 + max + 1).unwrap_err(),
                DecodeError::Expired {
                    age: max + 1,
                    max_age
                }
            );
            // Earlier than issue (within the skew) is not old.
            assert!(!reissue(T0 - 60));
        }
        let forever = clock_codec(setup, None, None);
        let token = forever.encode_at(&json!({}), at(T0)).unwrap();
        let decoded = decode(&forever, &token, T0 + 100 * 365 * 86_400).unwrap();
        assert!(!decoded.needs_reissue());
    }
}

#[test]
fn absolute_lifetime_runs_from_the_origin_through_reissues() {
    let (max_age, lifetime) = (1_000u64, 10_000u64);
    for setup in SETUPS {
        let codec = clock_codec(setup, Some(max_age), Some(lifetime));
        let value = json!({"user_id": 3});
        let mut token = codec.encode_at(&value, at(T0)).unwrap();
        let mut now = T0;
        // Re-issue every 900 s: never idle long enough to expire.
        while now + 900 <= T0 + 10_000 {
            now += 900;
            let decoded = decode(&codec, &token, now).unwrap();
            assert_eq!(decoded.first_issued_at(), at(T0), "{setup:?} at {now}");
            assert!(decoded.needs_reissue());
            token = codec.reissue_at(&decoded, at(now)).unwrap();
        }
        let last = now;
        assert!(T0 + 10_000 - last < 900);
        let decoded = decode(&codec, &token, T0 + 10_000).unwrap();
        assert_eq!(decoded.issued_at(), at(last));
        assert_eq!(
            decode(&codec, &token, T0 + 10_001).unwrap_err(),
            DecodeError::Expired {
                age: 10_001,
                max_age: lifetime
            },
            "{setup:?}"
        );
        // A brand-new session written now starts its own lifetime.
        let fresh = codec.encode_at(&value, at(T0 + 10_001)).unwrap();
        assert!(decode(&codec, &fresh, T0 + 10_001).is_ok());
    }
}

#[test]
fn skew_boundary() {
    for setup in SETUPS {
        for skew in [0u64, 5, 60] {
            let codec = clock_codec(setup, Some(1_000), None);
            let codec = NativeCodec::new(
                &NativeKeyRing::new(master("k1", 41)),
                codec.config().clone().with_skew(skew),
            )
            .unwrap();
            let s = i64::try_from(skew).unwrap();
            let ahead = codec.encode_at(&json!(1), at(T0 + s)).unwrap();
            let decoded = decode(&codec, &ahead, T0).unwrap();
            assert_eq!(decoded.issued_at(), at(T0 + s));
            assert!(!decoded.needs_reissue());
            let too_far = codec.encode_at(&json!(1), at(T0 + s + 1)).unwrap();
            assert_eq!(
                decode(&codec, &too_far, T0).unwrap_err(),
                DecodeError::NotYetValid { ahead: s + 1 },
                "{setup:?} skew {skew}"
            );
        }
    }
}

#[test]
fn the_default_config_is_the_documented_one() {
    let codec =
        NativeCodec::new(&NativeKeyRing::new(master("k1", 41)), NativeConfig::SIGNED).unwrap();
    let token = codec.encode_at(&json!({}), at(T0)).unwrap();
    // Idle lifetime 1209600 s, skew 60 s.
    assert!(decode(&codec, &token, T0 + 1_209_600).is_ok());
    assert!(matches!(
        decode(&codec, &token, T0 + 1_209_601),
        Err(DecodeError::Expired { .. })
    ));
    assert!(decode(&codec, &token, T0 - 60).is_ok());
    assert!(matches!(
        decode(&codec, &token, T0 - 61),
        Err(DecodeError::NotYetValid { ahead: 61 })
    ));
    assert_eq!(codec.config().purpose(), "session");
    assert_eq!(codec.config().cookie_name(), "sessionid");
}

#[test]
fn an_origin_after_now_is_written_as_now() {
    let codec = clock_codec(SETUPS[0], Some(1_000), Some(5_000));
    let token = codec
        .encode_with_lineage_at(&json!({}), Lineage::new(at(T0 + 100), None), at(T0))
        .unwrap();
    let decoded = decode(&codec, &token, T0).unwrap();
    assert_eq!(decoded.first_issued_at(), at(T0));
    assert_eq!(decoded.issued_at(), at(T0));
}

// ---------------------------------------------------------------------------
// 5. Key hygiene.

/// Every way the key bytes could be printed: base64url, standard base64,
/// hex, and `Debug` of the bytes, whole and as 12-character windows.
fn leaks(bytes: &[u8]) -> Vec<String> {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mut forms = vec![
        URL_SAFE_NO_PAD.encode(bytes),
        STANDARD.encode(bytes),
        hex,
        format!("{bytes:?}"),
        format!("{:?}", &bytes[..4])
            .trim_end_matches(']')
            .to_owned(),
    ];
    let windows: Vec<String> = forms
        .iter()
        .take(3)
        .flat_map(|form| {
            form.as_bytes()
                .windows(12)
                .map(|w| String::from_utf8(w.to_vec()).unwrap())
                .collect::<Vec<_>>()
        })
        .collect();
    forms.extend(windows);
    forms
}

fn assert_no_leak(shown: &str, bytes: &[u8], what: &str) {
    for form in leaks(bytes) {
        assert!(!shown.contains(&form), "{what} shows key material: {shown}");
    }
}

#[test]
fn no_key_material_in_debug_or_errors() {
    let bytes = key_bytes(51, 48);
    let verify_bytes = key_bytes(52, 32);
    let key = MasterKey::new("visible-id", bytes.clone()).unwrap();
    let verify = MasterKey::new("old-id", verify_bytes.clone()).unwrap();
    let ring = NativeKeyRing::new(key.clone())
        .with_key(verify.clone(), KeyState::Verify)
        .unwrap();
    let line = URL_SAFE_NO_PAD.encode(&bytes);

    let mut shown = vec![
        ("MasterKey", format!("{key:?} {key:#?}")),
        ("NativeKeyRing", format!("{ring:?} {ring:#?}")),
    ];
    for setup in SETUPS {
        let codec = NativeCodec::new(&ring, setup.config()).unwrap();
        shown.push(("NativeCodec", format!("{codec:?} {codec:#?}")));
        shown.push(("KeyUsage", format!("{:?}", codec.key_usage())));
        let token = codec.encode_at(&json!({"k": line}), at(T0)).unwrap();
        let mut errors = vec![
            decode(&codec, &line, T0).unwrap_err(),
            decode(&codec, &format!("{token}x"), T0).unwrap_err(),
            decode(&codec, &token[..token.len() - 4], T0).unwrap_err(),
            decode(&codec, &token, T0 + 10_000_000).unwrap_err(),
            decode(&codec, &token, T0 - 1_000).unwrap_err(),
        ];
        let bytes = bytes_of(&token);
        let mut flipped = bytes;
        let last = flipped.len() - 1;
        flipped[last] ^= 1;
        errors.push(decode(&codec, &URL_SAFE_NO_PAD.encode(flipped), T0).unwrap_err());
        for err in errors {
            shown.push(("DecodeError", format!("{err} {err:?}")));
        }
        let tight = NativeCodec::new(&ring, setup.config().with_max_cookie_bytes(10)).unwrap();
        let err = tight.encode_at(&json!({"k": line}), at(T0)).unwrap_err();
        shown.push(("EncodeError", format!("{err} {err:?}")));
    }
    let key_errors: Vec<KeyError> = vec![
        MasterKey::new("k", bytes[..31].to_vec()).unwrap_err(),
        MasterKey::new("bad id", bytes.clone()).unwrap_err(),
        MasterKey::new(&"i".repeat(33), bytes.clone()).unwrap_err(),
        NativeKeyRing::parse(&format!("k1:{line}:bogus")).unwrap_err(),
        NativeKeyRing::parse(&format!("k1:{line}:verify:extra")).unwrap_err(),
        NativeKeyRing::parse(&format!("k1:{line}*")).unwrap_err(),
        NativeKeyRing::parse(&format!("k1:{line}=")).unwrap_err(),
        NativeKeyRing::parse(&format!("k1:{}", STANDARD.encode(&bytes[..47]))).unwrap_err(),
        NativeKeyRing::parse(&line).unwrap_err(),
        NativeKeyRing::parse(&format!("bad id:{line}")).unwrap_err(),
        NativeKeyRing::parse(&format!("k1:{}", &line[..40])).unwrap_err(),
        NativeKeyRing::parse(&format!("k1:{line}\nk1:{line}:verify")).unwrap_err(),
        NativeKeyRing::parse(&format!("k1:{line}:verify")).unwrap_err(),
        NativeKeyRing::parse(&format!("k1:{line}:active\nk2:{line}:active")).unwrap_err(),
        NativeCodec::new(&ring, NativeConfig::SIGNED.with_purpose("")).unwrap_err(),
    ];
    assert!(key_errors.contains(&KeyError::Weak(WeakKey::TooShort)));
    assert!(key_errors.contains(&KeyError::InvalidLine { line: 1 }));
    assert!(key_errors.contains(&KeyError::InvalidState));
    assert!(key_errors.contains(&KeyError::DuplicateId));
    assert!(key_errors.contains(&KeyError::ActiveCount));
    for err in &key_errors {
        shown.push(("KeyError", format!("{err} {err:?}")));
    }
    for (what, text) in &shown {
        assert_no_leak(text, &bytes, what);
        assert_no_leak(text, &verify_bytes, what);
    }
    // The formatting did run: ids are shown.
    assert!(shown[0].1.contains("visible-id"));
    assert!(shown[1].1.contains("old-id"));
    assert!(shown[2].1.contains("visible-id"));
}

#[test]
fn weak_keys_are_refused() {
    let bytes = key_bytes(61, 32);
    assert_eq!(
        MasterKey::new("k", bytes[..31].to_vec()).unwrap_err(),
        KeyError::Weak(WeakKey::TooShort)
    );
    assert_eq!(
        MasterKey::new("k", vec![0xab; 64]).unwrap_err(),
        KeyError::Weak(WeakKey::Repetitive)
    );
    assert!(MasterKey::new("k", bytes).is_ok());
}

// ---------------------------------------------------------------------------
// 6. Size budget, key usage, confidentiality.

fn sized_session(n: usize) -> serde_json::Value {
    json!({
        "small": "s".repeat(20),
        "big": "b".repeat(n),
        "tiny": 1,
        "medium": "m".repeat(200),
    })
}

#[test]
fn the_4096_byte_budget_is_exact() {
    for setup in SETUPS.iter().filter(|s| !s.compress) {
        for cookie_name in ["sessionid", "__Host-session"] {
            let config = setup.config().with_cookie_name(cookie_name);
            let codec =
                NativeCodec::new(&NativeKeyRing::new(master("2026-11", 71)), config).unwrap();
            let len = |n| codec.encoded_len(&sized_session(n)).unwrap();
            // The largest session that fits, by bisection (the length
            // grows with n).
            let (mut fits, mut over) = (0, 4096);
            assert!(len(fits) <= 4096 && len(over) > 4096);
            while over - fits > 1 {
                let mid = (fits + over) / 2;
                if len(mid) <= 4096 {
                    fits = mid;
                } else {
                    over = mid;
                }
            }
            let step = if setup.encrypted() {
                (4 * setup.padding).div_ceil(3) + 1
            } else {
                2
            };
            assert!(
                len(fits) > 4096 - step,
                "{setup:?}: {} just under",
                len(fits)
            );

            let token = codec.encode_at(&sized_session(fits), at(T0)).unwrap();
            assert_eq!(cookie_name.len() + 1 + token.len(), len(fits));
            assert!(decode(&codec, &token, T0).is_ok());

            let err = codec.encode_at(&sized_session(over), at(T0)).unwrap_err();
            match err {
                EncodeError::TooLarge {
                    len: got,
                    limit,
                    largest_keys,
                } => {
                    assert_eq!(got, len(over));
                    assert!(got > 4096);
                    assert_eq!(limit, 4096);
                    assert_eq!(largest_keys, ["big", "medium", "small"]);
                }
                other => panic!("{setup:?}: {other:?}"),
            }
        }
    }
    // The limit is configurable, and a value that is not an object names no
    // keys.
    let codec = NativeCodec::new(
        &NativeKeyRing::new(master("k", 72)),
        NativeConfig::SIGNED.with_max_cookie_bytes(100),
    )
    .unwrap();
    match codec.encode(&vec!["x".repeat(100)]).unwrap_err() {
        EncodeError::TooLarge {
            limit,
            largest_keys,
            ..
        } => {
            assert_eq!(limit, 100);
            assert!(largest_keys.is_empty());
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn key_usage_counts_verified_tokens_only() {
    let (a, b, c) = (master("a", 81), master("b", 82), master("c", 83));
    let ring = NativeKeyRing::new(a.clone())
        .with_key(b.clone(), KeyState::Verify)
        .unwrap()
        .with_key(c.clone(), KeyState::Retired)
        .unwrap();
    for setup in SETUPS {
        let config = setup.config().with_max_age(Some(1_000));
        let codec = NativeCodec::new(&ring, config.clone()).unwrap();
        let signer = |key: &MasterKey| {
            NativeCodec::new(&NativeKeyRing::new(key.clone()), config.clone()).unwrap()
        };
        let token =
            |key: &MasterKey, now| signer(key).encode_at(&json!({"u": 1}), at(now)).unwrap();
        let forge = |token: String| {
            let mut bytes = bytes_of(&token);
            let last = bytes.len() - 1;
            bytes[last] ^= 0x40;
            URL_SAFE_NO_PAD.encode(bytes)
        };
        let impostor = master("a", 84);

        for _ in 0..3 {
            assert!(decode(&codec, &token(&a, T0), T0).is_ok());
        }
        for _ in 0..2 {
            assert!(decode(&codec, &token(&b, T0), T0).is_ok());
        }
        let refused = [
            token(&c, T0),
            forge(token(&a, T0)),
            forge(token(&b, T0)),
            token(&impostor, T0),
            token(&a, T0)[1..].to_owned(),
        ];
        for bad in &refused {
            assert!(decode(&codec, bad, T0).is_err());
        }
        // Authentic but expired: the MAC verified, so it counts (the
        // documented meaning: "tokens whose MAC this key verified").
        assert!(matches!(
            decode(&codec, &token(&b, T0), T0 + 1_001),
            Err(DecodeError::Expired { .. })
        ));

        let usage: Vec<(String, KeyState, u64)> = codec
            .key_usage()
            .into_iter()
            .map(|u| (u.id.to_string(), u.state, u.verified))
            .collect();
        assert_eq!(
            usage,
            [
                ("a".to_owned(), KeyState::Active, 3),
                ("b".to_owned(), KeyState::Verify, 3),
                ("c".to_owned(), KeyState::Retired, 0),
            ],
            "{setup:?}"
        );
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn encryption_hides_the_payload() {
    let marker = "TOP-SECRET-marker-0123456789";
    let value = json!({"user_id": 4242, "secret": marker, "history": vec!["/a"; 10]});
    let plaintext = json::to_string(&value).unwrap();
    let ring = NativeKeyRing::new(master("k1", 91));
    // One session written twice: the same id, so that only the salt and
    // nonce can differ.
    let lineage = Lineage::new(at(T0), Some(SessionId::from_bytes([3; 16])));
    for setup in SETUPS {
        let codec = NativeCodec::new(&ring, setup.config()).unwrap();
        let first = codec
            .encode_with_lineage_at(&value, lineage, at(T0))
            .unwrap();
        let second = codec
            .encode_with_lineage_at(&value, lineage, at(T0))
            .unwrap();
        let bytes = bytes_of(&first);
        if setup.encrypted() {
            assert_ne!(first, second, "{setup:?}: fresh salt and nonce");
            assert!(!contains(&bytes, plaintext.as_bytes()), "{setup:?}");
            assert!(!contains(&bytes, marker.as_bytes()), "{setup:?}");
            assert!(!contains(&bytes, b"user_id"), "{setup:?}");
            assert!(!first.contains(marker));
            let seen = inspect(&first, Limits::DEFAULT).unwrap();
            assert!(seen.payload_unverified().is_err());
        } else {
            // Signed is deterministic and readable (the contrast that shows
            // the check above can fail).
            assert_eq!(first, second);
            assert!(contains(&bytes, b"user_id") || setup.compress);
            if !setup.compress {
                assert!(contains(&bytes, plaintext.as_bytes()));
            }
        }
        assert_eq!(text(decode(&codec, &first, T0).unwrap().value()), plaintext);
        assert_eq!(
            text(decode(&codec, &second, T0).unwrap().value()),
            plaintext
        );
    }
}

#[test]
fn padding_hides_the_length_within_a_bucket() {
    let ring = NativeKeyRing::new(master("k1", 92));
    let codec = NativeCodec::new(&ring, SETUPS[4].config()).unwrap();
    let lengths: Vec<usize> = [0usize, 1, 50, 200, 240]
        .iter()
        .map(|&n| codec.encode(&json!({"v": "x".repeat(n)})).unwrap().len())
        .collect();
    assert!(lengths.windows(2).all(|w| w[0] == w[1]), "{lengths:?}");
    let longer = codec.encode(&json!({"v": "x".repeat(260)})).unwrap().len();
    assert!(longer > lengths[0]);
}

/// `Map` is the session type users build; it encodes like any object.
#[test]
fn sessions_and_maps_round_trip() {
    let ring = NativeKeyRing::new(master("k1", 93));
    for setup in SETUPS {
        let codec = NativeCodec::new(&ring, setup.config()).unwrap();
        let map = J::obj([
            ("ключ", J::from("значение")),
            ("n", J::num("-123456789012345678901234567890")),
        ]);
        let token = codec.encode(&map).unwrap();
        let session = codec.decode_session(&token).unwrap().into_value();
        assert_eq!(session.get::<String>("ключ").unwrap().unwrap(), "значение");
        assert_eq!(
            session.get_json("n").as_deref(),
            Some("-123456789012345678901234567890")
        );
        assert_eq!(text(&session), text(&map));
    }
}
