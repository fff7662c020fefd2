//! Property tests of the Django codec and of [`Session`].
//!
//! 1. Round trip: any JSON value (any session) encodes and decodes back to
//!    the same Python JSON text, under every configuration, any time, and
//!    any key of a rotated ring; the cookie and the JSON stay in their
//!    alphabets, and the cookie is the one an independent implementation of
//!    the spec builds.
//! 2. Tampering: every single-character substitution, insertion, deletion,
//!    truncation and extension of a valid cookie is refused, and only as
//!    `malformed` or `bad-signature` (never as a later, post-authentication
//!    error), including the changes Django's lenient base64 decoder would
//!    read as the same bytes.
//! 3. Decoding is total: arbitrary strings, cookie-shaped strings and
//!    authentic cookies with garbage payloads (random bytes, zlib-looking
//!    bytes, deep nesting, huge numbers, a zip bomb) never panic.
//! 4. Session: random operation sequences against a model of Django's
//!    `SessionBase` (key order, `modified`, `accessed`).
//!
//! Authentic cookies with chosen contents are built by hand from the spec
//! (`shared/specs/django-signing.md` sections 1, 3, 5, 6): that is the only
//! way to get attacker-impossible but key-holder-possible payloads past the
//! signature check.

// Test code: a failed unwrap, index or panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write;
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use flate2::Compression;
use flate2::write::ZlibEncoder;
use hmac::{Hmac, KeyInit, Mac};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use session_cookie::{
    Codec, DecodeError, DjangoCodec, DjangoConfig, Lineage, Malformed, MasterKey, NativeCodec,
    NativeConfig, NativeKeyRing, PayloadError, SecretKeys, Session, SessionId, SizeLimit, UnixTime,
    json,
};

mod support {
    pub(crate) mod exact;
}
/// Exact JSON (every digit, every key in its order): `serde_json::Value`
/// without the features this crate must not turn on has neither.
use support::exact::J;

/// A decoded payload, exactly as the cookie carried it.
type Raw = Box<RawValue>;

/// A native signed codec with a fixed key and room for any drawn session.
fn native_signed() -> NativeCodec {
    let bytes = (0..32u8)
        .map(|i| i.wrapping_mul(31).wrapping_add(3))
        .collect();
    let key = MasterKey::new("k1", bytes).unwrap();
    NativeCodec::new(
        &NativeKeyRing::new(key),
        NativeConfig::SIGNED.with_max_cookie_bytes(1 << 20),
    )
    .unwrap()
}

/// A session holding the entries of `object`, as a handler would set them.
fn session_of(object: &J) -> Session {
    let mut session = Session::new();
    for (key, value) in object.as_object().unwrap() {
        session.insert(key.clone(), value).unwrap();
    }
    session
}

// ---------------------------------------------------------------------------
// An independent implementation of the wire format, from the spec.

/// `django.core.signing.Signer`'s key: SHA-256(salt + "signer" + secret),
/// with an empty salt standing for the class path (spec §12.1, §12.12).
fn django_key(secret: &[u8], salt: &str) -> Vec<u8> {
    let salt = if salt.is_empty() {
        "django.core.signing.TimestampSigner"
    } else {
        salt
    };
    Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update(b"signer")
        .chain_update(secret)
        .finalize()
        .to_vec()
}

/// Appends `:SIGNATURE` to `signed` (spec §1).
fn django_sign(secret: &[u8], salt: &str, signed: &str) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&django_key(secret, salt)).unwrap();
    mac.update(signed.as_bytes());
    let tag = mac.finalize().into_bytes();
    format!("{signed}:{}", URL_SAFE_NO_PAD.encode(tag.as_slice()))
}

/// Django's base 62 (spec §5): digits, upper case, lower case; `-` prefix.
fn b62(value: i64) -> String {
    const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rest = value.unsigned_abs();
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(rest % 62) as usize]);
        rest /= 62;
        if rest == 0 {
            break;
        }
    }
    if value < 0 {
        out.push(b'-');
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}

/// A cookie for raw `payload` bytes (already compressed when `compressed`).
fn hand_cookie(secret: &[u8], salt: &str, payload: &[u8], compressed: bool, ts: i64) -> String {
    let dot = if compressed { "." } else { "" };
    let signed = format!("{dot}{}:{}", URL_SAFE_NO_PAD.encode(payload), b62(ts));
    django_sign(secret, salt, &signed)
}

/// CPython's `zlib.compress(data)` (level 6, zlib wrapper).
fn zlib(data: &[u8], level: u32) -> Vec<u8> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::new(level));
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// Python's `urlsafe_b64decode` after re-padding: padding optional, trailing
/// bits ignored (spec §3).
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn is_cookie_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':')
}

fn is_b64url_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_')
}

// ---------------------------------------------------------------------------
// Strategies.

/// Any `char`, with extra weight on what JSON escaping treats specially:
/// ASCII controls and DEL, Latin-1, the BMP edges, and non-BMP characters
/// (surrogate pairs).
fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        4 => any::<char>(),
        3 => (0u8..0x80).prop_map(char::from),
        1 => (0x80u8..=0xff).prop_map(char::from),
        1 => (0x1_0000u32..=0x10_ffff).prop_map(|c| char::from_u32(c).unwrap()),
        1 => select(vec![
            '"', '\\', '/', '<', '\u{0}', '\u{1f}', '\u{7f}', '\u{2028}', '\u{2029}',
            '\u{feff}', '\u{d7ff}', '\u{e000}', '\u{ffff}', '\u{10ffff}',
        ]),
    ]
}

fn any_text(max_len: usize) -> impl Strategy<Value = String> {
    vec(any_char(), 0..=max_len).prop_map(String::from_iter)
}

/// Integers beyond 64 bits, as their digits (kept exactly), plus `0` and
/// `-0`.
fn big_int() -> impl Strategy<Value = J> {
    prop_oneof![
        8 => (any::<bool>(), 1u8..=9, vec(0u8..=9, 0..=150)).prop_map(|(negative, first, rest)| {
            let sign = if negative { "-" } else { "" };
            let digits: String = core::iter::once(first)
                .chain(rest)
                .map(|d| char::from(b'0' + d))
                .collect();
            format!("{sign}{digits}")
        }),
        1 => select(vec![
            "0".to_owned(), "-0".to_owned(),
            "18446744073709551616".to_owned(), "-9223372036854775809".to_owned(),
            "9007199254740993".to_owned(),
        ]),
    ]
    .prop_map(J::num)
}

/// Finite doubles from arbitrary bits (NaN and infinities folded back into
/// range by clearing the top exponent bit), plus the spec's examples.
fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        4 => any::<u64>().prop_map(|bits| {
            let f = f64::from_bits(bits);
            if f.is_finite() { f } else { f64::from_bits(bits & !(1 << 62)) }
        }),
        1 => select(vec![
            0.0, -0.0, 0.1, 1.0, 1e16, 1e15, 1e-5, 1e-4, 1.5e-7, 5e-324, f64::MAX,
            f64::MIN, f64::MIN_POSITIVE, 1e100, 0.300_000_000_000_000_04,
            123_456_789.123_456_79, 1.234_567_890_123_456_8e16, 9_007_199_254_740_993.0,
        ]),
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

/// JSON trees nesting up to `depth` levels, aiming at `size` nodes.
fn json_tree(depth: u32, size: u32, width: usize) -> impl Strategy<Value = J> {
    leaf().prop_recursive(depth, size, 2, move |inner| {
        prop_oneof![
            vec(inner.clone(), 0..width).prop_map(J::Arr),
            vec((any_text(12), inner), 0..width).prop_map(J::obj),
        ]
    })
}

/// Arbitrary JSON trees, nesting up to 6 levels (most reach 5 or 6).
fn any_value() -> impl Strategy<Value = J> {
    json_tree(6, 256, 6)
}

/// Sessions: an object whose values nest up to 5 more levels, keys in the
/// order drawn.
fn any_session() -> impl Strategy<Value = J> {
    vec((any_text(12), json_tree(5, 48, 5)), 0..8).prop_map(J::obj)
}

/// Small trees, for the tests that try many variants of one cookie.
fn small_value() -> impl Strategy<Value = J> {
    json_tree(3, 12, 4)
}

/// Either preset, with or without compression, with its salt or a random
/// one (empty and non-ASCII salts included).
fn any_config() -> impl Strategy<Value = DjangoConfig> {
    (any::<bool>(), any::<bool>(), prop::option::of(any_text(16))).prop_map(
        |(sessions, compress, salt)| {
            let base = if sessions {
                DjangoConfig::SESSIONS
            } else {
                DjangoConfig::SIGNING
            };
            let config = base.with_compress(compress);
            match salt {
                Some(salt) => config.with_salt(salt),
                None => config,
            }
        },
    )
}

/// Any time a cookie can carry, with weight on realistic ones. `i64::MIN`
/// is left to its own test (see `encode_at_i64_min_round_trips`).
fn any_time() -> impl Strategy<Value = i64> {
    prop_oneof![
        3 => 0i64..=4_102_444_800,
        1 => (i64::MIN + 1)..=i64::MAX,
        1 => select(vec![0, -1, 1, i64::MAX, i64::MIN + 1, 1_700_000_000]),
    ]
}

/// A ring of 1 to 4 distinct secrets (the signing key and 0-3 fallbacks)
/// and which of them signed the cookie.
#[derive(Debug, Clone)]
struct Keys {
    secrets: Vec<Vec<u8>>,
    signer: usize,
}

impl Keys {
    /// What the server verifies with: every key, in ring order.
    fn verifying_ring(&self) -> SecretKeys {
        let mut ring = SecretKeys::new(self.secrets[0].clone()).unwrap();
        for fallback in &self.secrets[1..] {
            ring = ring.with_fallback(fallback.clone());
        }
        ring
    }

    /// What signed the cookie: the server at a time when `signer` was the
    /// signing key.
    fn signing_ring(&self) -> SecretKeys {
        SecretKeys::new(self.secrets[self.signer].clone()).unwrap()
    }

    fn signer_secret(&self) -> &[u8] {
        &self.secrets[self.signer]
    }
}

fn any_keys() -> impl Strategy<Value = Keys> {
    (vec(vec(any::<u8>(), 0..40), 1..=4), any::<Index>()).prop_map(|(mut secrets, signer)| {
        // A distinct last byte per key: distinct, never empty.
        for (i, secret) in secrets.iter_mut().enumerate() {
            secret.push(u8::try_from(i).unwrap());
        }
        let signer = signer.index(secrets.len());
        Keys { secrets, signer }
    })
}

// ---------------------------------------------------------------------------
// 1. Round trip.

/// Compares two JSON trees: same shape, same strings and keys in the same
/// order, integers digit for digit (`-0` is Python's `0`), floats bit for
/// bit.
fn assert_same_json(original: &J, reparsed: &J, path: &str) {
    match (original, reparsed) {
        (J::Num(a), J::Num(b)) => {
            let is_float = |s: &str| s.contains(['.', 'e', 'E']);
            assert_eq!(
                is_float(a),
                is_float(b),
                "{path}: int/float kind of {a} vs {b}"
            );
            if is_float(a) {
                let (fa, fb) = (a.parse::<f64>().unwrap(), b.parse::<f64>().unwrap());
                assert_eq!(fa.to_bits(), fb.to_bits(), "{path}: float {a} vs {b}");
            } else {
                let normal = |s: &str| {
                    if s == "-0" {
                        "0".to_owned()
                    } else {
                        s.to_owned()
                    }
                };
                assert_eq!(normal(a), normal(b), "{path}: integer");
            }
        }
        (J::Arr(a), J::Arr(b)) => {
            assert_eq!(a.len(), b.len(), "{path}: array length");
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                assert_same_json(x, y, &format!("{path}[{i}]"));
            }
        }
        (J::Obj(a), J::Obj(b)) => {
            assert_eq!(
                a.iter().map(|(k, _)| k).collect::<Vec<_>>(),
                b.iter().map(|(k, _)| k).collect::<Vec<_>>(),
                "{path}: keys"
            );
            for ((k, x), (_, y)) in a.iter().zip(b) {
                assert_same_json(x, y, &format!("{path}.{k:?}"));
            }
        }
        (a, b) => assert_eq!(a, b, "{path}"),
    }
}

/// The JSON writer's half of the round trip: printable ASCII only, and
/// `serde_json` reads it back to the same tree, which writes the same text.
fn check_json_text(value: &J) -> String {
    let text = json::to_string(value).unwrap();
    assert!(
        text.bytes().all(|b| (0x20..=0x7e).contains(&b)),
        "not printable ASCII: {text}"
    );
    let reparsed = J::parse(&text).unwrap();
    assert_eq!(json::to_string(&reparsed).unwrap(), text);
    assert_same_json(value, &reparsed, "$");
    text
}

/// The cookie's half: alphabet, shape, the compression decision of spec §4,
/// and byte equality with the independent implementation.
fn check_cookie_text(cookie: &str, text: &str, config: &DjangoConfig, keys: &Keys, now: i64) {
    assert!(cookie.chars().all(is_cookie_char), "alphabet: {cookie}");
    let fields: Vec<&str> = cookie.split(':').collect();
    assert_eq!(fields.len(), 3, "{cookie}");
    assert_eq!(fields[2].len(), 43, "{cookie}");
    assert_eq!(fields[1], b62(now));

    let compressed = zlib(text.as_bytes(), 6);
    let should_compress = config.compress() && compressed.len() + 1 < text.len();
    assert_eq!(cookie.starts_with('.'), should_compress, "{cookie}");
    let payload = if should_compress {
        compressed
    } else {
        text.as_bytes().to_vec()
    };
    let expected = hand_cookie(
        keys.signer_secret(),
        config.salt(),
        &payload,
        should_compress,
        now,
    );
    assert_eq!(cookie, expected, "differs from the spec's construction");
}

/// The codec's decoded metadata, and the maximum age boundary.
fn check_decoded_meta<T: serde::de::DeserializeOwned + core::fmt::Debug>(
    codec: &DjangoCodec,
    cookie: &str,
    keys: &Keys,
    now: i64,
) {
    let decoded = codec
        .decode_at::<T>(cookie, UnixTime::from_secs(now))
        .unwrap();
    assert_eq!(decoded.issued_at(), UnixTime::from_secs(now));
    assert_eq!(decoded.key_index(), keys.signer);
    assert_eq!(decoded.used_fallback(), keys.signer > 0);
    if let Some(max_age) = codec.config().max_age() {
        let max_age = i64::try_from(max_age).unwrap();
        if let Some(last) = now.checked_add(max_age) {
            assert!(
                codec
                    .decode_at::<T>(cookie, UnixTime::from_secs(last))
                    .is_ok()
            );
            if let Some(late) = last.checked_add(1) {
                assert!(matches!(
                    codec.decode_at::<T>(cookie, UnixTime::from_secs(late)),
                    Err(DecodeError::Expired { age, .. }) if age == max_age + 1
                ));
            }
        }
    }
}

/// The server's codec. A big tree can make a cookie longer than the
/// default 32 KiB limit: that must be refused before anything else, and
/// then decode under a raised limit.
fn verifier(keys: &Keys, config: DjangoConfig, cookie: &str, now: i64) -> DjangoCodec {
    let codec = DjangoCodec::new(&keys.verifying_ring(), config.clone());
    let limit = config.limits().max_cookie_len();
    if cookie.len() <= limit {
        return codec;
    }
    assert_eq!(
        codec
            .decode_at::<Raw>(cookie, UnixTime::from_secs(now))
            .unwrap_err(),
        DecodeError::TooLarge {
            what: SizeLimit::Cookie,
            limit
        }
    );
    let limits = config.limits().with_max_cookie_len(cookie.len());
    DjangoCodec::new(&keys.verifying_ring(), config.with_limits(limits))
}

proptest! {
    /// Any JSON value at the top level (`signing.dumps` accepts any).
    #[test]
    fn values_round_trip(
        value in prop_oneof![1 => leaf(), 4 => any_value()],
        config in any_config(),
        keys in any_keys(),
        now in any_time(),
    ) {
        let text = check_json_text(&value);
        let signer = DjangoCodec::new(&keys.signing_ring(), config.clone());
        let cookie = signer.encode_at(&value, UnixTime::from_secs(now)).unwrap();
        check_cookie_text(&cookie, &text, &config, &keys, now);

        let verifier = verifier(&keys, config, &cookie, now);
        let decoded = verifier
            .decode_at::<Raw>(&cookie, UnixTime::from_secs(now))
            .unwrap();
        prop_assert_eq!(json::to_string(decoded.value()).unwrap(), text);
        check_decoded_meta::<Raw>(&verifier, &cookie, &keys, now);
    }

    /// Sessions: objects with arbitrary keys, through `Session`.
    #[test]
    fn sessions_round_trip(
        map in any_session(),
        config in any_config(),
        keys in any_keys(),
        now in any_time(),
    ) {
        let text = check_json_text(&map);
        let session = session_of(&map);
        let signer = DjangoCodec::new(&keys.signing_ring(), config.clone());
        let cookie = signer.encode_at(&session, UnixTime::from_secs(now)).unwrap();
        check_cookie_text(&cookie, &text, &config, &keys, now);

        let verifier = verifier(&keys, config, &cookie, now);
        let decoded = verifier
            .decode_session_at(&cookie, UnixTime::from_secs(now))
            .unwrap()
            .into_value();
        prop_assert!(!decoded.is_modified() && !decoded.is_accessed());
        prop_assert_eq!(json::to_string(&decoded).unwrap(), text);
        // The session's own writer, which `Codec::encode_at` (and so every
        // framework adapter) runs, writes serde's bytes: for values set in
        // Rust and for values read back from a cookie.
        let at = UnixTime::from_secs(now);
        prop_assert_eq!(&Codec::encode_at(&signer, &session, None, at).unwrap(), &cookie);
        prop_assert_eq!(
            Codec::encode_at(&signer, &decoded, None, at).unwrap(),
            signer.encode_at(&decoded, at).unwrap()
        );
        let native = native_signed();
        let lineage = Lineage::new(at, Some(SessionId::from_bytes([7; 16])));
        prop_assert_eq!(
            Codec::encode_at(&native, &session, Some(lineage), at).unwrap(),
            native.encode_with_lineage_at(&session, lineage, at).unwrap()
        );
        prop_assert_eq!(
            Codec::encoded_len(&native, &decoded).unwrap() + "sessionid=".len(),
            native.encoded_len(&decoded).unwrap()
        );
        // The same Python values (`1e-5` comes back as Python's `1e-05`,
        // the same number), and the same exact text again.
        prop_assert_eq!(&decoded, &session);
        assert_same_json(&map, &J::parse(&json::to_string(&decoded).unwrap()).unwrap(), "$");
        check_decoded_meta::<Session>(&verifier, &cookie, &keys, now);
    }
}

/// `UnixTime::from_secs(i64::MIN)` is a valid time that `encode_at` accepts
/// and writes (`-AzL8n0Y58m8`, Django's `b62_encode(-2**63)`), so the codec
/// must read its own cookie back; Django's `b62_decode` reads it too.
#[test]
fn encode_at_i64_min_round_trips() {
    let codec = DjangoCodec::signing(&SecretKeys::new("k").unwrap());
    let now = UnixTime::from_secs(i64::MIN);
    let cookie = codec.encode_at(&(), now).unwrap();
    assert_eq!(
        cookie,
        hand_cookie(b"k", "django.core.signing", b"null", false, i64::MIN)
    );
    let decoded = codec.decode_at::<Raw>(&cookie, now);
    assert!(
        matches!(&decoded, Ok(d) if d.issued_at() == now),
        "encode_at(i64::MIN) wrote {cookie}, decode_at gives {decoded:?}"
    );
}

// ---------------------------------------------------------------------------
// 2. Tampering.

/// A replacement character: mostly the cookie's own alphabet (so that the
/// structure survives and the HMAC has to do the refusing), sometimes `=`,
/// anything else, or non-ASCII.
fn replacement_char() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => select(B64URL.to_vec()).prop_map(char::from),
        1 => select(vec!['.', ':', '=', '+', '/', ' ', '"', ';', '\0']),
        1 => any_char(),
    ]
}

/// Decodes a tampered cookie at `times` and requires a pre-authentication
/// refusal; returns the error at the first time.
fn refused(codec: &DjangoCodec, cookie: &str, times: &[i64]) -> DecodeError {
    let mut first = None;
    for &t in times {
        match codec.decode_at::<Raw>(cookie, UnixTime::from_secs(t)) {
            Err(err @ (DecodeError::Malformed(_) | DecodeError::BadSignature)) => {
                first.get_or_insert(err);
            }
            other => panic!("tampered {cookie:?} at {t} gave {other:?}"),
        }
    }
    first.unwrap()
}

/// A valid cookie and everything needed to decode it.
#[derive(Debug)]
struct Valid {
    codec: DjangoCodec,
    cookie: String,
    /// When it was made (valid), and later than its maximum age (expired):
    /// a change must be refused by the signature, not by the clock.
    times: [i64; 2],
}

fn valid_cookie() -> impl Strategy<Value = Valid> {
    (
        small_value(),
        any_config(),
        any_keys(),
        0i64..=4_102_444_800,
    )
        .prop_map(|(value, config, keys, now)| {
            let config = config.with_max_age(Some(60));
            let signer = DjangoCodec::new(&keys.signing_ring(), config.clone());
            let cookie = signer.encode_at(&value, UnixTime::from_secs(now)).unwrap();
            let codec = DjangoCodec::new(&keys.verifying_ring(), config);
            assert!(
                codec
                    .decode_at::<Raw>(&cookie, UnixTime::from_secs(now))
                    .is_ok()
            );
            assert!(matches!(
                codec.decode_at::<Raw>(&cookie, UnixTime::from_secs(now + 61)),
                Err(DecodeError::Expired { .. })
            ));
            Valid {
                codec,
                cookie,
                times: [now, now + 61],
            }
        })
}

proptest! {
    /// Any single-character substitution, at any position, by any character.
    #[test]
    fn substitutions_are_refused(
        valid in valid_cookie(),
        changes in vec((any::<Index>(), replacement_char()), 1..24),
    ) {
        let chars: Vec<char> = valid.cookie.chars().collect();
        let sig_start = valid.cookie.rfind(':').unwrap() + 1;
        for (index, replacement) in changes {
            let pos = index.index(chars.len());
            if chars[pos] == replacement {
                continue;
            }
            let mut tampered = chars.clone();
            tampered[pos] = replacement;
            let tampered: String = tampered.into_iter().collect();
            let err = refused(&valid.codec, &tampered, &valid.times);

            if pos >= sig_start && is_b64url_char(replacement) {
                // Still 43 characters of base64url: canonical ones are a
                // wrong tag, the others not a tag at all.
                let canonical = URL_SAFE_NO_PAD
                    .decode(&tampered[sig_start..])
                    .is_ok_and(|tag| tag.len() == 32);
                let expected = if canonical {
                    DecodeError::BadSignature
                } else {
                    DecodeError::Malformed(Malformed::Signature)
                };
                prop_assert_eq!(err, expected, "{}", tampered);
            } else if pos < sig_start && chars[pos] != ':' && replacement.is_ascii_alphanumeric() {
                // Payload (or its dot) and timestamp keep their alphabets:
                // only the HMAC can tell.
                prop_assert_eq!(err, DecodeError::BadSignature, "{}", tampered);
            }
        }
    }

    /// Every truncation, any 1-5 characters appended, and a sample of
    /// single-character deletions and insertions.
    #[test]
    fn truncations_extensions_insertions_deletions_are_refused(
        valid in valid_cookie(),
        tails in vec(vec(replacement_char(), 1..=5), 1..6),
        deletions in vec(any::<Index>(), 1..8),
        insertions in vec((any::<Index>(), replacement_char()), 1..8),
    ) {
        let cookie = &valid.cookie;
        for len in 0..cookie.len() {
            refused(&valid.codec, &cookie[..len], &valid.times);
        }
        for tail in tails {
            let extended = format!("{cookie}{}", String::from_iter(tail));
            refused(&valid.codec, &extended, &valid.times);
        }
        for index in deletions {
            let pos = index.index(cookie.len());
            let shorter = format!("{}{}", &cookie[..pos], &cookie[pos + 1..]);
            refused(&valid.codec, &shorter, &valid.times);
        }
        for (index, c) in insertions {
            let pos = index.index(cookie.len() + 1);
            let longer = format!("{}{c}{}", &cookie[..pos], &cookie[pos..]);
            refused(&valid.codec, &longer, &valid.times);
        }
    }

    /// Django's payload decoder ignores `=` padding and trailing bits, and
    /// its timestamp decoder leading zeros, so these variants carry the
    /// same payload and time; the signature covers the exact text, so each
    /// is still refused, as `bad-signature`.
    #[test]
    fn same_bytes_different_text_is_refused(valid in valid_cookie()) {
        let (signed, sig) = valid.cookie.rsplit_once(':').unwrap();
        let (payload, ts) = signed.rsplit_once(':').unwrap();
        let body = payload.strip_prefix('.').unwrap_or(payload);
        let dot = if payload.starts_with('.') { "." } else { "" };
        let original = LENIENT_B64.decode(body).unwrap();

        let mut variants = vec![
            format!("{payload}=:{ts}:{sig}"),
            format!("{payload}==:{ts}:{sig}"),
        ];
        if !ts.starts_with('-') {
            variants.push(format!("{payload}:0{ts}:{sig}"));
        }
        if body.len() % 4 != 0 {
            // The lowest bit of the last character is never payload.
            let last = body.as_bytes()[body.len() - 1];
            let sextet = B64URL.iter().position(|&c| c == last).unwrap();
            let flipped = char::from(B64URL[sextet ^ 1]);
            let other = format!("{}{flipped}", &body[..body.len() - 1]);
            prop_assert_eq!(LENIENT_B64.decode(&other).unwrap(), original.clone());
            prop_assert!(URL_SAFE_NO_PAD.decode(&other).is_err());
            variants.push(format!("{dot}{other}:{ts}:{sig}"));
        }
        for variant in variants {
            let err = refused(&valid.codec, &variant, &valid.times);
            prop_assert_eq!(err, DecodeError::BadSignature, "{}", variant);
        }
    }
}

// ---------------------------------------------------------------------------
// 3. Decoding is total.

const SECRET: &[u8] = b"django-insecure-properties";

fn codecs() -> [DjangoCodec; 3] {
    let ring = SecretKeys::new(SECRET.to_vec()).unwrap();
    [
        DjangoCodec::sessions(&ring),
        DjangoCodec::signing(&ring),
        DjangoCodec::new(&ring, DjangoConfig::SIGNING.with_salt("")),
    ]
}

/// Any outcome is fine as long as it is one: both as a value and as a
/// session.
fn decode_all(codec: &DjangoCodec, cookie: &str, now: i64) -> Vec<Result<(), DecodeError>> {
    let now = UnixTime::from_secs(now);
    vec![
        codec.decode_at::<Raw>(cookie, now).map(|d| {
            // Whatever decoded must also be writable again.
            json::to_string(d.value()).unwrap();
        }),
        codec.decode_session_at(cookie, now).map(|_| ()),
    ]
}

/// Fields that pass the structure check: `[.]B64URL[=]{0,2}` and
/// `[-]BASE62`.
fn payload_field() -> impl Strategy<Value = String> {
    "\\.?[A-Za-z0-9_-]{1,60}={0,2}"
}

fn timestamp_field() -> impl Strategy<Value = String> {
    prop_oneof![
        "-?[0-9A-Za-z]{1,14}",
        any::<i64>().prop_map(b62),
        Just("-AzL8n0Y58m8".to_owned()),
        Just("AzL8n0Y58m8".to_owned()),
    ]
}

/// Cookie-alphabet strings with 0-4 colons, some with a 43-character
/// signature field so that the deeper structure checks run.
fn cookie_shaped() -> impl Strategy<Value = String> {
    let field = "[A-Za-z0-9._=-]{0,50}";
    prop_oneof![
        "[A-Za-z0-9._=:-]{0,120}",
        vec(field, 1..=5).prop_map(|fields| fields.join(":")),
        (payload_field(), timestamp_field(), "[A-Za-z0-9_-]{43}")
            .prop_map(|(p, t, s)| format!("{p}:{t}:{s}")),
        (vec(field, 0..=2), "[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]")
            .prop_map(|(fields, sig)| format!("{}:{sig}", fields.join(":"))),
    ]
}

/// Payload bytes a key holder could sign: random bytes, zlib-looking bytes,
/// real zlib streams of garbage or of JSON, damaged, and JSON-ish text.
fn garbage_payload() -> impl Strategy<Value = (Vec<u8>, bool)> {
    let json_ish = vec(
        select(b"[]{}\":,0123456789.eE+- tfrueanlsx\\u\x00\x7f\xe9".to_vec()),
        1..200,
    );
    prop_oneof![
        vec(any::<u8>(), 1..300).prop_map(|b| (b, false)),
        vec(any::<u8>(), 1..300).prop_map(|b| (b, true)),
        vec(any::<u8>(), 0..300).prop_map(|b| ([&[0x78, 0x9c][..], &b].concat(), true)),
        vec(any::<u8>(), 0..300).prop_map(|b| (zlib(&b, 6), true)),
        json_ish.clone().prop_map(|b| (b, false)),
        json_ish.prop_map(|b| (zlib(&b, 6), true)),
        (small_value(), any::<Index>(), any::<u8>(), any::<bool>()).prop_map(
            |(value, at, byte, truncate)| {
                let mut z = zlib(json::to_string(&value).unwrap().as_bytes(), 6);
                let i = at.index(z.len());
                if truncate {
                    z.truncate(i);
                    z.push(byte);
                } else {
                    z[i] ^= byte | 1;
                }
                (z, true)
            }
        ),
    ]
}

proptest! {
    #[test]
    fn arbitrary_strings_never_panic(s in any::<String>(), now in any::<i64>()) {
        for codec in &codecs() {
            for result in decode_all(codec, &s, now) {
                prop_assert!(result.is_err());
            }
        }
    }

    #[test]
    fn cookie_shaped_strings_never_panic(s in cookie_shaped(), now in any::<i64>()) {
        for codec in &codecs() {
            for result in decode_all(codec, &s, now) {
                prop_assert!(result.is_err());
            }
        }
    }

    /// Well-formed fields under a valid signature: timestamp parsing
    /// (overflow, `-`), the age check, base64 (bad lengths, padding),
    /// inflation and JSON all see arbitrary input.
    #[test]
    fn authentic_random_fields_never_panic(
        payload in payload_field(),
        ts in timestamp_field(),
        now in any::<i64>(),
    ) {
        for codec in &codecs() {
            let cookie = django_sign(SECRET, codec.config().salt(), &format!("{payload}:{ts}"));
            for result in decode_all(codec, &cookie, now) {
                prop_assert!(
                    !matches!(result, Err(DecodeError::Malformed(_) | DecodeError::BadSignature)),
                    "{} gave {:?}", cookie, result
                );
            }
        }
    }

    /// Authentic cookies whose payload is garbage reach base64, inflation
    /// and JSON, and come back as a value or a content error.
    #[test]
    fn authentic_garbage_payloads_never_panic(
        (payload, compressed) in garbage_payload(),
        ts in 0i64..=4_102_444_800,
    ) {
        for codec in &codecs() {
            let cookie = hand_cookie(SECRET, codec.config().salt(), &payload, compressed, ts);
            for result in decode_all(codec, &cookie, ts) {
                prop_assert!(
                    matches!(
                        result,
                        Ok(()) | Err(DecodeError::BadPayload(_) | DecodeError::TooLarge { .. })
                    ),
                    "{} gave {:?}", cookie, result
                );
            }
        }
    }
}

/// Full inflation of `data`, uncapped: what decoding would cost without
/// the cap.
fn inflate_all(data: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::ZlibDecoder::new(data)
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// The fastest of five runs, to keep a shared machine's noise out.
fn fastest(mut run: impl FnMut()) -> Duration {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed()
        })
        .min()
        .unwrap()
}

/// 24 MiB of zeros compress about 1030-fold: an authentic cookie just under
/// the 32 KiB cookie limit. Decoding must stop at the 1 MiB inflation cap,
/// so it costs a fraction of inflating the whole stream.
#[test]
fn authentic_zip_bomb_is_too_large_and_quick() {
    let bomb = zlib(&vec![0u8; 24 << 20], 9);
    let full = fastest(|| assert_eq!(inflate_all(&bomb).len(), 24 << 20));
    for codec in codecs() {
        let cookie = hand_cookie(SECRET, codec.config().salt(), &bomb, true, 1_700_000_000);
        assert!(
            cookie.len() <= codec.config().limits().max_cookie_len(),
            "{}",
            cookie.len()
        );
        let now = UnixTime::from_secs(1_700_000_000);
        assert_eq!(
            codec.decode_at::<Raw>(&cookie, now).unwrap_err(),
            DecodeError::TooLarge {
                what: SizeLimit::Inflated,
                limit: 1 << 20
            }
        );
        assert!(matches!(
            codec.decode_session_at(&cookie, now),
            Err(DecodeError::TooLarge {
                what: SizeLimit::Inflated,
                ..
            })
        ));
        // The cap is 1/24 of the stream; allow a wide margin for noise.
        let capped = fastest(|| {
            let _ = codec.decode_at::<Raw>(&cookie, now);
        });
        assert!(
            capped * 4 < full,
            "decoding took {capped:?}, inflating everything {full:?}"
        );
    }
}

/// Nesting far beyond `serde_json`'s 128 levels is a JSON error, not a
/// stack overflow: compressed (100000 levels) and plain (as deep as fits).
#[test]
fn authentic_deep_nesting_is_bad_payload() {
    let now = 1_700_000_000;
    for codec in codecs() {
        let salt = codec.config().salt().to_owned();
        let cases = [
            hand_cookie(SECRET, &salt, &zlib(&[b'['; 100_000], 9), true, now),
            hand_cookie(
                SECRET,
                &salt,
                &zlib(&b"{\"a\":".repeat(100_000), 9),
                true,
                now,
            ),
            hand_cookie(SECRET, &salt, &[b'['; 20_000], false, now),
            hand_cookie(SECRET, &salt, &b"[{\"\":".repeat(4_000), false, now),
        ];
        for cookie in cases {
            assert!(cookie.len() <= codec.config().limits().max_cookie_len());
            let as_value = codec.decode_at::<Raw>(&cookie, UnixTime::from_secs(now));
            assert!(
                matches!(
                    as_value,
                    Err(DecodeError::BadPayload(PayloadError::Json { .. }))
                ),
                "{as_value:?}"
            );
            // A session may also be refused for not being an object.
            let as_session = codec.decode_session_at(&cookie, UnixTime::from_secs(now));
            assert!(
                matches!(as_session, Err(DecodeError::BadPayload(_))),
                "{as_session:?}"
            );
        }
    }
}

/// Numbers beyond any machine type are kept (integers) or read as Python
/// reads them (`1e400` is infinity), and are written again without panic.
#[test]
fn authentic_huge_numbers_decode() {
    let now = 1_700_000_000;
    let digits = "9".repeat(20_000);
    for codec in codecs() {
        let salt = codec.config().salt().to_owned();
        for (json_text, expect) in [
            (format!("[{digits}]"), Some(format!("[{digits}]"))),
            (format!("[-{digits}]"), Some(format!("[-{digits}]"))),
            ("[1e400,-1e400,1e-400]".to_owned(), None),
            (format!("[0.{digits}e-99999999999]"), None),
            (format!("{{\"n\":{digits}.5}}"), None),
        ] {
            let cookie = hand_cookie(SECRET, &salt, &zlib(json_text.as_bytes(), 9), true, now);
            let decoded = codec
                .decode_at::<Raw>(&cookie, UnixTime::from_secs(now))
                .unwrap();
            let written = json::to_string(decoded.value()).unwrap();
            if let Some(expect) = expect {
                assert_eq!(written, expect);
            }
        }
    }
}

// ---------------------------------------------------------------------------
// 4. Session behaviour against a model of Django's SessionBase.

#[derive(Debug, Clone)]
enum Op {
    Insert(String, J),
    Remove(String),
    Get(String),
    Contains(String),
    Keys,
    Clear,
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => select(vec!["a", "b", "c", "d", "_auth_user_id", "", "\u{e9}", "\u{1f600}"])
            .prop_map(str::to_owned),
        1 => any_text(4),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (key(), small_value()).prop_map(|(k, v)| Op::Insert(k, v)),
        3 => key().prop_map(Op::Remove),
        2 => key().prop_map(Op::Get),
        1 => key().prop_map(Op::Contains),
        1 => Just(Op::Keys),
        1 => Just(Op::Clear),
    ]
}

/// Whether `value` holds a float anywhere.
fn has_float(value: &J) -> bool {
    match value {
        J::Num(text) => text.contains(['.', 'e', 'E']),
        J::Arr(items) => items.iter().any(has_float),
        J::Obj(entries) => entries.iter().any(|(_, v)| has_float(v)),
        _ => false,
    }
}

/// Django's `SessionBase` over a plain dict: `__setitem__` and `clear` set
/// `modified`; `pop` sets it only when the key was there; every access to
/// `_session` (all of the above, and reads) sets `accessed`.
#[derive(Debug, Default)]
struct Model {
    entries: Vec<(String, J)>,
    modified: bool,
    accessed: bool,
}

impl Model {
    fn position(&self, key: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k == key)
    }

    fn to_json(&self) -> String {
        json::to_string(&J::Obj(self.entries.clone())).unwrap()
    }
}

proptest! {
    #[test]
    fn session_matches_django_model(
        loaded in vec((key(), small_value()), 0..5),
        ops in vec(op(), 0..40),
    ) {
        // A session as loaded from a cookie: document order, flags clear.
        let loaded = J::obj(loaded);
        let mut model = Model {
            entries: loaded.as_object().unwrap().clone(),
            ..Model::default()
        };
        let codec = DjangoCodec::sessions(&SecretKeys::new(SECRET.to_vec()).unwrap());
        let now = UnixTime::from_secs(1_700_000_000);
        let mut session = codec
            .decode_session_at(&codec.encode_at(&loaded, now).unwrap(), now)
            .unwrap()
            .into_value();

        for op in ops {
            match op.clone() {
                Op::Insert(k, v) => {
                    match model.position(&k) {
                        Some(i) => model.entries[i].1 = v.clone(),
                        None => model.entries.push((k.clone(), v.clone())),
                    }
                    model.modified = true;
                    model.accessed = true;
                    session.insert(k, v).unwrap();
                }
                Op::Remove(k) => {
                    let expected = model.position(&k).map(|i| model.entries.remove(i).1);
                    model.modified |= expected.is_some();
                    model.accessed = true;
                    prop_assert_eq!(session.remove(&k), expected.is_some());
                }
                Op::Get(k) => {
                    let expected = model.position(&k).map(|i| model.entries[i].1.clone());
                    model.accessed = true;
                    // The exact text, digit for digit.
                    let text = session.get_json(&k).map(|v| json::to_string(&J::parse(&v).unwrap()).unwrap());
                    prop_assert_eq!(
                        text,
                        expected.as_ref().map(|v| json::to_string(v).unwrap())
                    );
                    // Through `serde_json::Value`: the same value (floats
                        // aside: without `float_roundtrip`, serde_json may read
                        // one a unit in the last place off), or a refusal where
                        // `Value` could only round it.
                    match session.get::<serde_json::Value>(&k) {
                        Ok(typed) if expected.as_ref().is_some_and(has_float) => {
                            prop_assert!(typed.is_some());
                        }
                        Ok(typed) => prop_assert_eq!(
                            typed.map(|v| J::parse(&v.to_string()).unwrap()).map(|v| json::to_string_sorted(&v).unwrap()),
                            expected.map(|v| json::to_string_sorted(&v).unwrap())
                        ),
                        Err(err) => prop_assert_eq!(err, DecodeError::BadPayload(PayloadError::Inexact)),
                    }
                }
                Op::Contains(k) => {
                    model.accessed = true;
                    prop_assert_eq!(session.contains(&k), model.position(&k).is_some());
                }
                Op::Keys => {
                    model.accessed = true;
                    let keys: Vec<&str> = session.keys().collect();
                    let expected: Vec<&str> = model.entries.iter().map(|(k, _)| k.as_str()).collect();
                    prop_assert_eq!(keys, expected);
                }
                Op::Clear => {
                    model.entries.clear();
                    model.modified = true;
                    model.accessed = true;
                    session.clear();
                }
            }
            // Serializing reads neither flag.
            prop_assert_eq!(json::to_string(&session).unwrap(), model.to_json(), "after {:?}", op);
            prop_assert_eq!(session.is_modified(), model.modified, "modified after {:?}", op);
            prop_assert_eq!(session.is_accessed(), model.accessed, "accessed after {:?}", op);
        }

        // What the middleware would send keeps the order; the next request
        // starts clean.
        let cookie = codec.encode_at(&session, now).unwrap();
        let reloaded = codec.decode_session_at(&cookie, now).unwrap().into_value();
        prop_assert!(!reloaded.is_modified() && !reloaded.is_accessed());
        prop_assert_eq!(json::to_string(&reloaded).unwrap(), model.to_json());
    }
}
