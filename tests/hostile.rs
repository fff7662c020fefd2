//! The hostile-input suite: crafted cookies for every format, each with the
//! exact typed error (or, for a documented leniency, the value) decoding must
//! give. Authentic hostile payloads (zip bombs, deep JSON, bad UTF-8, huge
//! timestamps) are signed with the real keys by an independent
//! implementation of each format (`fuzz/src/common.rs`, written from
//! `docs/django.md` and `docs/FORMAT.md`), so they reach the steps after the
//! MAC.
//!
//! Every case also checks that the error message is short and repeats
//! nothing of the cookie.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::cast_possible_truncation
)]

#[allow(dead_code, unreachable_pub, clippy::cast_possible_truncation)]
#[path = "../fuzz/src/common.rs"]
mod common;
#[path = "support/exact.rs"]
mod exact;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use exact::J;
use serde_json::json;
use serde_json::value::RawValue;
use session_cookie::{
    DecodeError, DjangoCodec, KeyState, Limits, Malformed, MasterKey, NativeCodec, NativeConfig,
    NativeKeyRing, PayloadError, SecretKeys, SizeLimit, UnixTime,
};

use common::{
    KEY_IDS, MASTER_KEYS, django_key, hmac, native_context, native_finish, native_seal,
    native_subkeys,
};

/// The clock of every case.
const NOW: i64 = 1_700_000_000;
/// `NOW` in Django's base 62.
const NOW_B62: &str = "1r31eq";
const SECRET: &str = "hostile-suite-secret-key-0123456789";
const SESSION_SALT: &str = "django.contrib.sessions.backends.signed_cookies";
const MIB: usize = 1 << 20;

/// Which codec a case is decoded with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Codec {
    /// `signed_cookies` sessions: compression, max age two weeks.
    Django,
    /// `signing.loads` defaults: no max age.
    DjangoSigning,
    /// Native, signed.
    Signed,
    /// Native, encrypted.
    Encrypted,
}

/// What decoding must give.
#[derive(Debug, Clone)]
enum Expect {
    /// Exactly this error.
    Err(DecodeError),
    /// `BadPayload(Json { .. })`, at any position.
    Json,
    /// Accepted, with this value.
    /// Decodes to exactly this (every digit, keys in order).
    Ok(J),
}

struct Case {
    name: String,
    codec: Codec,
    cookie: String,
    expect: Expect,
}

struct Codecs {
    django: DjangoCodec,
    signing: DjangoCodec,
    signed: NativeCodec,
    encrypted: NativeCodec,
}

fn ring() -> NativeKeyRing {
    let active = MasterKey::new(KEY_IDS[0], MASTER_KEYS[0].to_vec()).unwrap();
    let retired = MasterKey::new(KEY_IDS[2], MASTER_KEYS[2].to_vec()).unwrap();
    NativeKeyRing::new(active)
        .with_key(retired, KeyState::Retired)
        .unwrap()
}

impl Codecs {
    fn new() -> Self {
        let keys = SecretKeys::new(SECRET).unwrap();
        Self {
            django: DjangoCodec::sessions(&keys),
            signing: DjangoCodec::signing(&keys),
            signed: NativeCodec::new(&ring(), NativeConfig::SIGNED).unwrap(),
            encrypted: NativeCodec::new(
                &ring(),
                NativeConfig::ENCRYPTED.with_max_lifetime(Some(30 * 86_400)),
            )
            .unwrap(),
        }
    }

    fn decode(&self, codec: Codec, cookie: &str) -> Result<J, DecodeError> {
        let now = UnixTime::from_secs(NOW);
        match codec {
            Codec::Django => self.django.decode_at::<Box<RawValue>>(cookie, now),
            Codec::DjangoSigning => self.signing.decode_at::<Box<RawValue>>(cookie, now),
            Codec::Signed => self.signed.decode_at::<Box<RawValue>>(cookie, now),
            Codec::Encrypted => self.encrypted.decode_at::<Box<RawValue>>(cookie, now),
        }
        .map(|decoded| exact(decoded.value()))
    }
}

/// A decoded payload as an exact tree.
fn exact(raw: &RawValue) -> J {
    J::parse(raw.get()).unwrap()
}

/// An expected payload, from its JSON text (in its key order).
fn j(text: &str) -> J {
    J::parse(text).unwrap()
}

// ---------------------------------------------------------------- makers

/// An authentic Django cookie around any payload field and timestamp text.
fn django_signed(salt: &str, payload_field: &str, timestamp: &str) -> String {
    let signed = format!("{payload_field}:{timestamp}");
    let tag = hmac(&django_key(salt, SECRET.as_bytes()), &[signed.as_bytes()]);
    format!("{signed}:{}", URL_SAFE_NO_PAD.encode(tag))
}

/// An authentic session cookie with `json` as its payload, compressed
/// (with `.`) when `compress`.
fn django_json(json: &[u8], compress: bool, timestamp: &str) -> String {
    let field = if compress {
        format!(".{}", URL_SAFE_NO_PAD.encode(zlib(json)))
    } else {
        URL_SAFE_NO_PAD.encode(json)
    };
    django_signed(SESSION_SALT, &field, timestamp)
}

fn zlib(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A valid Django session cookie, as the codec writes it.
fn django_valid(codecs: &Codecs) -> String {
    codecs
        .django
        .encode_at(
            &json!({"user_id": 42, "name": "hostile", "pad": "x".repeat(60)}),
            UnixTime::from_secs(NOW),
        )
        .unwrap()
}

/// The header of a native token.
fn native_header(flags: u8, id: &[u8], issued: u64, origin: u64) -> Vec<u8> {
    let mut out = vec![1, flags, id.len() as u8];
    out.extend_from_slice(id);
    out.extend_from_slice(&issued.to_be_bytes());
    out.extend_from_slice(&origin.to_be_bytes());
    out
}

/// An authentic native token under master key `key`: in encrypted mode
/// (`flags & 1`) `body` is the plaintext, padding included.
fn native_token(key: usize, flags: u8, id: &[u8], issued: u64, origin: u64, body: &[u8]) -> String {
    let header = native_header(flags, id, issued, origin);
    let context = native_context("session", "sessionid");
    let (mac, enc) = native_subkeys(&MASTER_KEYS[key]);
    let mut bytes = header.clone();
    if flags & 1 == 1 {
        let aad = [context.as_slice(), &header].concat();
        bytes.extend(native_seal(&enc, &aad, &[3; 16], &[4; 12], body));
    } else {
        bytes.extend_from_slice(body);
    }
    native_finish(&mac, &context, bytes)
}

/// An authentic token of `codec`'s mode with `json` (compressed when
/// `compress`), issued now by the active key.
fn native_json(codec: Codec, json: &[u8], compress: bool) -> String {
    let n = NOW as u64;
    let mut body = if compress { zlib(json) } else { json.to_vec() };
    let mut flags = if compress { 2 } else { 0 };
    if codec == Codec::Encrypted {
        flags |= 1;
        body.push(0x80);
    }
    native_token(0, flags, b"k1", n, n, &body)
}

fn native_valid(codecs: &Codecs, codec: Codec) -> String {
    let value = json!({"user_id": 42, "name": "hostile"});
    let now = UnixTime::from_secs(NOW);
    match codec {
        Codec::Encrypted => codecs.encrypted.encode_at(&value, now).unwrap(),
        _ => codecs.signed.encode_at(&value, now).unwrap(),
    }
}

/// Django's base 62 (digits, upper case, lower case; `-` for negatives).
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

fn b64_bytes(token: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(token).unwrap()
}

fn b64_text(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn deep_array(depth: usize) -> Vec<u8> {
    let mut out = vec![b'['; depth];
    out.extend(std::iter::repeat_n(b']', depth));
    out
}

fn deep_object(depth: usize) -> Vec<u8> {
    let mut out = b"{\"a\":".repeat(depth);
    out.push(b'1');
    out.extend(std::iter::repeat_n(b'}', depth));
    out
}

// ---------------------------------------------------------------- cases

use DecodeError::{BadPayload, BadSignature, Malformed as M};

fn err(e: DecodeError) -> Expect {
    Expect::Err(e)
}

fn too_large_cookie() -> Expect {
    err(DecodeError::TooLarge {
        what: SizeLimit::Cookie,
        limit: Limits::DEFAULT.max_cookie_len(),
    })
}

fn too_large_inflated() -> Expect {
    err(DecodeError::TooLarge {
        what: SizeLimit::Inflated,
        limit: MIB,
    })
}

struct Table {
    cases: Vec<Case>,
}

impl Table {
    fn add(
        &mut self,
        name: impl Into<String>,
        codec: Codec,
        cookie: impl Into<String>,
        expect: Expect,
    ) {
        self.cases.push(Case {
            name: name.into(),
            codec,
            cookie: cookie.into(),
            expect,
        });
    }
}

const ALL: [Codec; 4] = [
    Codec::Django,
    Codec::DjangoSigning,
    Codec::Signed,
    Codec::Encrypted,
];
const NATIVE: [Codec; 2] = [Codec::Signed, Codec::Encrypted];

fn size_and_bytes(t: &mut Table, codecs: &Codecs) {
    for codec in ALL {
        t.add("empty", codec, "", err(M(Malformed::Empty)));
        t.add("1 MB of 'a'", codec, "a".repeat(MIB), too_large_cookie());
        t.add("1 MB of colons", codec, ":".repeat(MIB), too_large_cookie());
        t.add("1 MB of NUL", codec, "\0".repeat(MIB), too_large_cookie());
        t.add(
            "one byte over the limit",
            codec,
            "A".repeat(32 * 1024 + 1),
            too_large_cookie(),
        );
        let valid = match codec {
            Codec::Django => django_valid(codecs),
            Codec::DjangoSigning => codecs
                .signing
                .encode_at(&json!({"user_id": 42}), UnixTime::from_secs(NOW))
                .unwrap(),
            _ => native_valid(codecs, codec),
        };
        let padded_to_limit = format!("{valid}{}", "A".repeat(32 * 1024 - valid.len() + 1));
        t.add(
            "valid cookie padded past the limit",
            codec,
            padded_to_limit,
            too_large_cookie(),
        );
        for (label, junk) in [
            ("NUL", "\0"),
            ("é", "é"),
            ("emoji", "😀"),
            ("space", " "),
            ("newline", "\n"),
            ("semicolon", ";"),
            ("quote", "\""),
        ] {
            for (place, cookie) in [
                ("in front", format!("{junk}{valid}")),
                ("at the end", format!("{valid}{junk}")),
            ] {
                let expect = match (codec, place) {
                    (Codec::Signed | Codec::Encrypted, _) => err(M(Malformed::Encoding)),
                    (_, "in front") => err(M(Malformed::Payload)),
                    _ => err(M(Malformed::Signature)),
                };
                t.add(format!("{label} {place}"), codec, cookie, expect);
            }
        }
    }
    // Inside a Django cookie, the field that holds the junk is named.
    let valid = django_valid(codecs);
    let (payload, rest) = valid.split_once(':').unwrap();
    let (ts, sig) = rest.split_once(':').unwrap();
    for junk in ["\0", "é", "\u{202e}", "%3A"] {
        t.add(
            format!("{junk:?} inside the payload"),
            Codec::Django,
            format!("{}{junk}{}:{ts}:{sig}", &payload[..5], &payload[5..]),
            err(M(Malformed::Payload)),
        );
        t.add(
            format!("{junk:?} inside the timestamp"),
            Codec::Django,
            format!("{payload}:{}{junk}{}:{sig}", &ts[..2], &ts[2..]),
            err(M(Malformed::Timestamp)),
        );
        t.add(
            format!("{junk:?} inside the signature"),
            Codec::Django,
            format!("{payload}:{ts}:{}{junk}", &sig[..sig.len() - junk.len()]),
            err(M(Malformed::Signature)),
        );
    }
    // Native: any character outside base64url, anywhere.
    let token = native_valid(codecs, Codec::Signed);
    for (i, junk) in ["\0", "é", "+", "/", "=", ".", ":", " "].iter().enumerate() {
        let at = 3 + i * 7;
        let cookie = format!("{}{junk}{}", &token[..at], &token[at + 1..]);
        t.add(
            format!("native: {junk:?} replaces a character"),
            Codec::Signed,
            cookie,
            err(M(Malformed::Encoding)),
        );
    }
}

fn separators(t: &mut Table, codecs: &Codecs) {
    let valid = django_valid(codecs);
    let (payload, rest) = valid.split_once(':').unwrap();
    let (ts, sig) = rest.split_once(':').unwrap();
    let sep = err(M(Malformed::Separators));
    let cases: Vec<(&str, String, Expect)> = vec![
        (
            "first colon missing",
            format!("{payload}{ts}:{sig}"),
            sep.clone(),
        ),
        (
            "second colon missing",
            format!("{payload}:{ts}{sig}"),
            sep.clone(),
        ),
        (
            "both colons missing",
            format!("{payload}{ts}{sig}"),
            sep.clone(),
        ),
        (
            "first colon doubled",
            format!("{payload}::{ts}:{sig}"),
            sep.clone(),
        ),
        (
            "second colon doubled",
            format!("{payload}:{ts}::{sig}"),
            sep.clone(),
        ),
        (
            "both colons doubled",
            format!("{payload}::{ts}::{sig}"),
            sep.clone(),
        ),
        ("leading colon", format!(":{valid}"), sep.clone()),
        ("trailing colon", format!("{valid}:"), sep.clone()),
        (
            "colon inside the payload",
            format!("{}:{}:{ts}:{sig}", &payload[..4], &payload[4..]),
            sep.clone(),
        ),
        ("only colons", "::".to_owned(), err(M(Malformed::Signature))),
        ("three colons", ":::".to_owned(), sep.clone()),
        (
            "first colon moved left",
            format!(
                "{}:{}{ts}:{sig}",
                &payload[..payload.len() - 1],
                &payload[payload.len() - 1..]
            ),
            err(BadSignature),
        ),
        (
            "first colon moved right",
            format!("{payload}{}:{}:{sig}", &ts[..1], &ts[1..]),
            err(BadSignature),
        ),
        (
            "second colon moved left",
            format!(
                "{payload}:{}:{}{sig}",
                &ts[..ts.len() - 1],
                &ts[ts.len() - 1..]
            ),
            err(M(Malformed::Signature)),
        ),
        (
            "second colon moved right",
            format!("{payload}:{ts}{}:{}", &sig[..1], &sig[1..]),
            err(M(Malformed::Signature)),
        ),
        (
            "payload and timestamp swapped",
            format!("{ts}:{payload}:{sig}"),
            err(M(Malformed::Timestamp)),
        ),
        (
            "signature first",
            format!("{sig}:{payload}:{ts}"),
            err(M(Malformed::Signature)),
        ),
        (
            "empty payload",
            format!(":{ts}:{sig}"),
            err(M(Malformed::Payload)),
        ),
        (
            "empty timestamp",
            format!("{payload}::{sig}"),
            err(M(Malformed::Timestamp)),
        ),
        (
            "empty signature",
            format!("{payload}:{ts}:"),
            err(M(Malformed::Signature)),
        ),
        (
            "compression mark alone",
            format!(".:{ts}:{sig}"),
            err(M(Malformed::Payload)),
        ),
        (
            "compression mark doubled",
            format!("..{}:{ts}:{sig}", &payload[1..]),
            err(M(Malformed::Payload)),
        ),
        (
            "compression mark moved inside",
            format!("{}.{}:{ts}:{sig}", &payload[1..3], &payload[3..]),
            err(M(Malformed::Payload)),
        ),
        (
            "compression mark removed",
            format!("{}:{ts}:{sig}", &payload[1..]),
            err(BadSignature),
        ),
        (
            "compression mark on the timestamp",
            format!("{payload}:.{ts}:{sig}"),
            err(M(Malformed::Timestamp)),
        ),
        (
            "dot separators (Flask layout)",
            format!("{payload}.{ts}.{sig}"),
            sep.clone(),
        ),
        (
            "minus sign doubled in timestamp",
            format!("{payload}:--1:{sig}"),
            err(M(Malformed::Timestamp)),
        ),
        // Django's `b62_decode("-")` is 0: the shape is a timestamp's, so
        // only the signature can refuse it.
        (
            "lone minus timestamp",
            format!("{payload}:-:{sig}"),
            err(BadSignature),
        ),
    ];
    for (name, cookie, expect) in cases {
        t.add(name, Codec::Django, cookie, expect);
    }
    assert!(
        valid.starts_with('.'),
        "the valid session cookie is compressed"
    );
}

fn base64_forms(t: &mut Table, codecs: &Codecs) {
    let valid = django_valid(codecs);
    let (signed, sig) = valid.rsplit_once(':').unwrap();
    let (payload, ts) = signed.split_once(':').unwrap();
    let sigerr = err(M(Malformed::Signature));
    // The signature: exactly 43 canonical characters.
    let sig_bytes = URL_SAFE_NO_PAD.decode(sig).unwrap();
    t.add(
        "signature with = padding",
        Codec::Django,
        format!("{signed}:{sig}="),
        sigerr.clone(),
    );
    t.add(
        "signature, standard base64 with padding",
        Codec::Django,
        format!("{signed}:{}", STANDARD.encode(&sig_bytes)),
        sigerr.clone(),
    );
    t.add(
        "signature, url-safe base64 with padding",
        Codec::Django,
        format!("{signed}:{}", URL_SAFE.encode(&sig_bytes)),
        sigerr.clone(),
    );
    let last = sig.chars().last().unwrap();
    let noncanonical = match last {
        'A' | 'E' | 'I' | 'M' | 'Q' | 'U' | 'Y' | 'c' | 'g' | 'k' | 'o' | 's' | 'w' | '0' | '4'
        | '8' => {
            let i = "AEIMQUYcgkosw048".find(last).unwrap();
            "BFJNRVZdhlptx159".chars().nth(i).unwrap()
        }
        _ => 'A',
    };
    t.add(
        "signature with non-zero trailing bits",
        Codec::Django,
        format!("{signed}:{}{noncanonical}", &sig[..42]),
        sigerr.clone(),
    );
    t.add(
        "signature in hex",
        Codec::Django,
        format!(
            "{signed}:{}",
            sig_bytes
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        ),
        sigerr.clone(),
    );
    t.add(
        "signature with + and /",
        Codec::Django,
        format!(
            "{signed}:{}",
            sig.replace(['-', '_'], "+").replace('A', "/")
        ),
        sigerr.clone(),
    );
    for cut in [1, 2, 10, 21, 42] {
        t.add(
            format!("signature truncated by {cut}"),
            Codec::Django,
            format!("{signed}:{}", &sig[..43 - cut]),
            sigerr.clone(),
        );
    }
    for (extra, label) in [
        ("A", "1 char"),
        ("AAAA", "4 chars"),
        (
            "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            "a second tag",
        ),
    ] {
        t.add(
            format!("signature extended by {label}"),
            Codec::Django,
            format!("{signed}:{sig}{extra}"),
            sigerr.clone(),
        );
    }
    t.add(
        "signature of zeros",
        Codec::Django,
        format!("{signed}:{}", "A".repeat(43)),
        err(BadSignature),
    );
    t.add(
        "signature of another text",
        Codec::Django,
        format!("{signed}:{}", URL_SAFE_NO_PAD.encode([0x55u8; 32])),
        err(BadSignature),
    );
    // The payload: base64url with at most two `=`.
    t.add(
        "payload with three =",
        Codec::Django,
        format!("{payload}===:{ts}:{sig}"),
        err(M(Malformed::Payload)),
    );
    t.add(
        "payload with + (standard alphabet)",
        Codec::Django,
        format!("{}+{}:{ts}:{sig}", &payload[..3], &payload[4..]),
        err(M(Malformed::Payload)),
    );
    t.add(
        "payload with / (standard alphabet)",
        Codec::Django,
        format!("{}/{}:{ts}:{sig}", &payload[..3], &payload[4..]),
        err(M(Malformed::Payload)),
    );
    t.add(
        "payload with = in the middle",
        Codec::Django,
        format!("{}={}:{ts}:{sig}", &payload[..3], &payload[4..]),
        err(M(Malformed::Payload)),
    );
    t.add(
        "payload percent-encoded",
        Codec::Django,
        format!("{}%3D:{ts}:{sig}", payload),
        err(M(Malformed::Payload)),
    );
    // Authentic but lenient forms: accepted as Django accepts them.
    t.add(
        "authentic payload with = padding",
        Codec::DjangoSigning,
        django_signed("django.core.signing", "e30=", NOW_B62),
        Expect::Ok(J::from(json!({}))),
    );
    t.add(
        "authentic payload with == padding",
        Codec::DjangoSigning,
        django_signed("django.core.signing", "MQ==", NOW_B62),
        Expect::Ok(J::from(json!(1))),
    );
    t.add(
        "authentic payload with non-zero trailing bits",
        Codec::DjangoSigning,
        django_signed("django.core.signing", "e31", NOW_B62),
        Expect::Ok(J::from(json!({}))),
    );
    t.add(
        "authentic payload of wrong length",
        Codec::DjangoSigning,
        django_signed("django.core.signing", "e30AA", NOW_B62),
        err(BadPayload(PayloadError::Base64)),
    );
    t.add(
        "authentic payload of one character",
        Codec::DjangoSigning,
        django_signed("django.core.signing", "e", NOW_B62),
        err(BadPayload(PayloadError::Base64)),
    );
    t.add(
        "authentic payload, padding only after one char",
        Codec::DjangoSigning,
        django_signed("django.core.signing", "e==", NOW_B62),
        err(BadPayload(PayloadError::Base64)),
    );
    t.add(
        "authentic leading-zero timestamp",
        Codec::Django,
        django_json(b"{}", false, &format!("000{NOW_B62}")),
        Expect::Ok(J::from(json!({}))),
    );

    // Native: strict base64url, one text per token.
    for codec in NATIVE {
        let token = native_valid(codecs, codec);
        let bytes = b64_bytes(&token);
        let enc = err(M(Malformed::Encoding));
        t.add(
            "native with = padding",
            codec,
            URL_SAFE.encode(&bytes),
            if bytes.len() % 3 == 0 {
                Expect::Ok(J::from(json!({"user_id": 42, "name": "hostile"})))
            } else {
                enc.clone()
            },
        );
        t.add(
            "native with a trailing =",
            codec,
            format!("{token}="),
            enc.clone(),
        );
        t.add(
            "native in standard base64",
            codec,
            STANDARD
                .encode(&bytes)
                .trim_end_matches('=')
                .replace(['-', '_'], "+")
                + "/",
            enc.clone(),
        );
        t.add(
            "native with a line break",
            codec,
            format!("{}\n{}", &token[..40], &token[40..]),
            enc.clone(),
        );
        t.add(
            "native with a trailing space",
            codec,
            format!("{token} "),
            enc.clone(),
        );
        // A length of 1 mod 4 is never base64.
        let one_mod_four = if token.len() % 4 == 0 {
            format!("{token}A")
        } else {
            format!("{}{}", token, "A".repeat(5 - token.len() % 4))
        };
        t.add(
            "native with a length of 1 mod 4",
            codec,
            one_mod_four,
            enc.clone(),
        );
        // Non-zero trailing bits: the last character names bits past the end.
        if token.len() % 4 != 0 {
            let mut chars: Vec<char> = token.chars().collect();
            let last = chars.pop().unwrap();
            let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            let i = alphabet.find(last).unwrap();
            chars.push(alphabet.chars().nth(i ^ 1).unwrap());
            t.add(
                "native with non-zero trailing bits",
                codec,
                chars.into_iter().collect::<String>(),
                enc.clone(),
            );
        }
    }
}

fn bombs_and_json(t: &mut Table) {
    // Zip bombs: authentic, small on the wire, more than 1 MiB inflated.
    for (label, size) in [
        ("1 MiB + 1 of zeros", MIB + 1),
        ("2 MiB of zeros", 2 * MIB),
        ("20 MiB of zeros", 20 * MIB),
    ] {
        let bomb = vec![b' '; size];
        t.add(
            format!("Django zip bomb: {label}"),
            Codec::Django,
            django_json(&bomb, true, NOW_B62),
            too_large_inflated(),
        );
        t.add(
            format!("Django zip bomb on the signing codec: {label}"),
            Codec::DjangoSigning,
            {
                let field = format!(".{}", URL_SAFE_NO_PAD.encode(zlib(&bomb)));
                django_signed("django.core.signing", &field, NOW_B62)
            },
            too_large_inflated(),
        );
        for codec in NATIVE {
            t.add(
                format!("native zip bomb: {label}"),
                codec,
                native_json(codec, &bomb, true),
                too_large_inflated(),
            );
        }
    }
    // A JSON array of a million `0,`: a bomb with valid content.
    let mut array = b"[".to_vec();
    array.extend(b"0,".repeat(MIB / 2));
    array.extend(b"0]");
    t.add(
        "Django zip bomb of valid JSON",
        Codec::Django,
        django_json(&array, true, NOW_B62),
        too_large_inflated(),
    );
    // Exactly at the cap is fine; the content is then judged as JSON.
    let mut at_cap = vec![b' '; MIB - 2];
    at_cap.splice(0..0, *b"{}");
    t.add(
        "Django: inflates to exactly 1 MiB",
        Codec::Django,
        django_json(&at_cap, true, NOW_B62),
        Expect::Ok(J::from(json!({}))),
    );
    // Broken streams.
    let stream = zlib(b"{\"a\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}");
    t.add(
        "Django: truncated zlib stream",
        Codec::Django,
        django_signed(
            SESSION_SALT,
            &format!(".{}", URL_SAFE_NO_PAD.encode(&stream[..stream.len() - 6])),
            NOW_B62,
        ),
        err(BadPayload(PayloadError::Zlib)),
    );
    t.add(
        "Django: raw deflate without zlib header",
        Codec::Django,
        django_signed(
            SESSION_SALT,
            &format!(".{}", URL_SAFE_NO_PAD.encode(&stream[2..])),
            NOW_B62,
        ),
        err(BadPayload(PayloadError::Zlib)),
    );
    let mut bad_checksum = stream.clone();
    *bad_checksum.last_mut().unwrap() ^= 1;
    t.add(
        "Django: zlib checksum wrong",
        Codec::Django,
        django_signed(
            SESSION_SALT,
            &format!(".{}", URL_SAFE_NO_PAD.encode(&bad_checksum)),
            NOW_B62,
        ),
        err(BadPayload(PayloadError::Zlib)),
    );
    t.add(
        "Django: marked compressed, plain JSON",
        Codec::Django,
        django_signed(
            SESSION_SALT,
            &format!(".{}", URL_SAFE_NO_PAD.encode(b"{}")),
            NOW_B62,
        ),
        err(BadPayload(PayloadError::Zlib)),
    );
    let mut junk_after = stream.clone();
    junk_after.extend_from_slice(b"junk after the stream");
    t.add(
        "Django: junk after the zlib stream (ignored, as CPython does)",
        Codec::Django,
        django_signed(
            SESSION_SALT,
            &format!(".{}", URL_SAFE_NO_PAD.encode(&junk_after)),
            NOW_B62,
        ),
        Expect::Ok(J::from(json!({"a": "a".repeat(32)}))),
    );
    for codec in NATIVE {
        let n = NOW as u64;
        let flags = if codec == Codec::Encrypted { 3 } else { 2 };
        let mut body = stream[..stream.len() - 6].to_vec();
        if codec == Codec::Encrypted {
            body.push(0x80);
        }
        t.add(
            "native: truncated zlib stream",
            codec,
            native_token(0, flags, b"k1", n, n, &body),
            err(BadPayload(PayloadError::Zlib)),
        );
    }

    // JSON nested 100,000 deep: authentic, compressed to fit in a cookie.
    for (label, json) in [
        ("arrays", deep_array(100_000)),
        ("objects", deep_object(100_000)),
    ] {
        t.add(
            format!("Django: JSON {label} nested 100000 deep"),
            Codec::Django,
            django_json(&json, true, NOW_B62),
            Expect::Json,
        );
        for codec in NATIVE {
            t.add(
                format!("native: JSON {label} nested 100000 deep"),
                codec,
                native_json(codec, &json, true),
                Expect::Json,
            );
        }
    }
    t.add(
        "Django: JSON nested 129 deep",
        Codec::Django,
        django_json(&deep_array(129), false, NOW_B62),
        Expect::Json,
    );
    t.add(
        "native: JSON nested 129 deep",
        Codec::Signed,
        native_json(Codec::Signed, &deep_object(129), false),
        Expect::Json,
    );

    // Huge numbers: kept digit for digit, never a float overflow.
    let many_digits = format!("{{\"n\":{}}}", "9".repeat(10_000));
    let huge = j(&many_digits);
    t.add(
        "Django: a 10000-digit integer",
        Codec::Django,
        django_json(many_digits.as_bytes(), true, NOW_B62),
        Expect::Ok(huge.clone()),
    );
    t.add(
        "native: a 10000-digit integer",
        Codec::Signed,
        native_json(Codec::Signed, many_digits.as_bytes(), true),
        Expect::Ok(huge),
    );
    for text in ["1e400", "-1e400", "1e-400", "1E+999999999999"] {
        let json = format!("{{\"n\":{text}}}");
        let value = j(&json);
        t.add(
            format!("Django: the number {text}"),
            Codec::Django,
            django_json(json.as_bytes(), false, NOW_B62),
            Expect::Ok(value.clone()),
        );
        t.add(
            format!("native: the number {text}"),
            Codec::Encrypted,
            native_json(Codec::Encrypted, json.as_bytes(), false),
            Expect::Ok(value),
        );
    }
    for text in [
        "NaN",
        "Infinity",
        "-Infinity",
        "0x10",
        "+1",
        "01",
        "1.",
        ".5",
        "1e",
    ] {
        let json = format!("{{\"n\":{text}}}");
        t.add(
            format!("Django: the non-JSON number {text}"),
            Codec::Django,
            django_json(json.as_bytes(), false, NOW_B62),
            Expect::Json,
        );
        t.add(
            format!("native: the non-JSON number {text}"),
            Codec::Signed,
            native_json(Codec::Signed, json.as_bytes(), false),
            Expect::Json,
        );
    }

    // Duplicate keys: the last value wins, as in a Python dict.
    let dup = br#"{"user_id":1,"user_id":2,"role":"user","role":"admin"}"#;
    let last_wins = j(r#"{"user_id": 2, "role": "admin"}"#);
    t.add(
        "Django: duplicate keys",
        Codec::Django,
        django_json(dup, false, NOW_B62),
        Expect::Ok(last_wins.clone()),
    );
    for codec in NATIVE {
        t.add(
            "native: duplicate keys",
            codec,
            native_json(codec, dup, false),
            Expect::Ok(last_wins.clone()),
        );
    }

    // Invalid UTF-8 inside JSON strings. Native: UTF-8 is required.
    // Django reads the bytes as Latin-1 (docs/django.md, step 12).
    for (label, bytes) in [
        ("a lone continuation byte", b"{\"s\":\"\x80\"}".to_vec()),
        ("a truncated sequence", b"{\"s\":\"\xe2\x82\"}".to_vec()),
        ("an overlong encoding", b"{\"s\":\"\xc0\xaf\"}".to_vec()),
        ("an encoded surrogate", b"{\"s\":\"\xed\xa0\x80\"}".to_vec()),
        ("0xff", b"{\"s\":\"\xff\xfe\"}".to_vec()),
    ] {
        for codec in NATIVE {
            t.add(
                format!("native: {label} in a string"),
                codec,
                native_json(codec, &bytes, false),
                Expect::Json,
            );
        }
        let latin1: String = bytes.iter().map(|&b| char::from(b)).collect();
        let value = j(&latin1);
        t.add(
            format!("Django: {label} in a string, read as Latin-1"),
            Codec::Django,
            django_json(&bytes, false, NOW_B62),
            Expect::Ok(value),
        );
    }
    t.add(
        "native: invalid UTF-8 outside strings",
        Codec::Signed,
        native_json(Codec::Signed, b"{\"a\":1}\xff", false),
        Expect::Json,
    );
    t.add(
        "native: a UTF-8 BOM before the JSON",
        Codec::Signed,
        native_json(Codec::Signed, b"\xef\xbb\xbf{}", false),
        Expect::Json,
    );
    t.add(
        "Django: a lone surrogate escape",
        Codec::Django,
        django_json(br#"{"s":"\ud800"}"#, false, NOW_B62),
        Expect::Json,
    );
    t.add(
        "native: a lone surrogate escape",
        Codec::Signed,
        native_json(Codec::Signed, br#"{"s":"\udc00"}"#, false),
        Expect::Json,
    );
    t.add(
        "Django: a NUL byte in the JSON text",
        Codec::Django,
        django_json(b"{\"s\":\"\0\"}", false, NOW_B62),
        Expect::Json,
    );
    t.add(
        "Django: empty JSON",
        Codec::Django,
        django_json(b"", false, NOW_B62),
        err(M(Malformed::Payload)),
    );
    t.add(
        "Django: whitespace JSON",
        Codec::Django,
        django_json(b"   ", false, NOW_B62),
        Expect::Json,
    );
    t.add(
        "Django: two JSON values",
        Codec::Django,
        django_json(b"{}{}", false, NOW_B62),
        Expect::Json,
    );
    t.add(
        "native: two JSON values",
        Codec::Signed,
        native_json(Codec::Signed, b"{} []", false),
        Expect::Json,
    );
    // An encrypted token whose padding is wrong.
    let n = NOW as u64;
    t.add(
        "native: no padding mark",
        Codec::Encrypted,
        native_token(0, 1, b"k1", n, n, b"{}"),
        err(BadPayload(PayloadError::Decrypt)),
    );
    t.add(
        "native: padding of zeros only",
        Codec::Encrypted,
        native_token(0, 1, b"k1", n, n, b"{}\0\0\0"),
        err(BadPayload(PayloadError::Decrypt)),
    );
    t.add(
        "native: padding mark, then junk",
        Codec::Encrypted,
        native_token(0, 1, b"k1", n, n, b"{}\x80\x01"),
        err(BadPayload(PayloadError::Decrypt)),
    );
    t.add(
        "native: empty plaintext",
        Codec::Encrypted,
        native_token(0, 1, b"k1", n, n, b""),
        err(M(Malformed::Length)),
    );
    t.add(
        "native: only the padding mark",
        Codec::Encrypted,
        native_token(0, 1, b"k1", n, n, b"\x80"),
        Expect::Json,
    );
}

fn timestamps(t: &mut Table) {
    let signing_salt = "django.core.signing";
    // Beyond 64 bits: authentic, and Django's answer (its integers have no
    // bound): far in the future is accepted (Django does not check the
    // future), far in the past is expired where there is a maximum age.
    for ts in [
        "AzL8n0Y58m8",
        "zzzzzzzzzzzz",
        "-AzL8n0Y58m9",
        &"z".repeat(100),
        &"1".repeat(1000),
    ] {
        let past = ts.starts_with('-');
        t.add(
            format!(
                "Django: authentic timestamp {}… beyond 64 bits",
                &ts[..ts.len().min(12)]
            ),
            Codec::Django,
            django_json(b"{}", false, ts),
            if past {
                err(DecodeError::Expired {
                    age: i64::MAX,
                    max_age: 1_209_600,
                })
            } else {
                Expect::Ok(J::from(json!({})))
            },
        );
        t.add(
            format!(
                "Django signing: authentic timestamp {}… beyond 64 bits",
                &ts[..ts.len().min(12)]
            ),
            Codec::DjangoSigning,
            django_signed(signing_salt, "e30", ts),
            Expect::Ok(J::from(json!({}))),
        );
        t.add(
            format!(
                "Django: forged timestamp {}… beyond 64 bits",
                &ts[..ts.len().min(12)]
            ),
            Codec::Django,
            format!("e30:{ts}:{}", "A".repeat(43)),
            err(BadSignature),
        );
    }
    // 2^63 - 1 fits; it is in the future, which Django does not check.
    t.add(
        "Django: timestamp i64::MAX",
        Codec::Django,
        django_json(b"{}", false, "AzL8n0Y58m7"),
        Expect::Ok(J::from(json!({}))),
    );
    // A lone `-` is Django's 0 (1970): long expired.
    t.add(
        "Django: authentic timestamp '-'",
        Codec::Django,
        django_json(b"{}", false, "-"),
        err(DecodeError::Expired {
            age: NOW,
            max_age: 1_209_600,
        }),
    );
    // Negative: long expired, unless there is no maximum age.
    t.add(
        "Django: timestamp -1",
        Codec::Django,
        django_json(b"{}", false, "-1"),
        err(DecodeError::Expired {
            age: NOW + 1,
            max_age: 1_209_600,
        }),
    );
    t.add(
        "Django: timestamp 0",
        Codec::Django,
        django_json(b"{}", false, "0"),
        err(DecodeError::Expired {
            age: NOW,
            max_age: 1_209_600,
        }),
    );
    t.add(
        "Django: timestamp i64::MIN + 1",
        Codec::Django,
        django_json(b"{}", false, "-AzL8n0Y58m7"),
        err(DecodeError::Expired {
            age: i64::MAX,
            max_age: 1_209_600,
        }),
    );
    t.add(
        "Django signing: timestamp -1, no max age",
        Codec::DjangoSigning,
        django_signed(signing_salt, "e30", "-1"),
        Expect::Ok(J::from(json!({}))),
    );
    t.add(
        "Django: one second past the max age",
        Codec::Django,
        django_json(b"{}", false, &b62(NOW - 1_209_601)),
        err(DecodeError::Expired {
            age: 1_209_601,
            max_age: 1_209_600,
        }),
    );
    t.add(
        "Django: exactly the max age",
        Codec::Django,
        django_json(b"{}", false, &b62(NOW - 1_209_600)),
        Expect::Ok(J::from(json!({}))),
    );
    t.add(
        "Django: far future (no skew rule, as in Django)",
        Codec::Django,
        django_json(b"{}", false, "zzzzzzz"),
        Expect::Ok(J::from(json!({}))),
    );

    // Native: two clocks in the authenticated header.
    let n = NOW as u64;
    for codec in NATIVE {
        let flags = u8::from(codec == Codec::Encrypted);
        let body: &[u8] = if codec == Codec::Encrypted {
            b"{}\x80"
        } else {
            b"{}"
        };
        let tok = |issued: u64, origin: u64| native_token(0, flags, b"k1", issued, origin, body);
        t.add(
            "native: issued 61 s ahead",
            codec,
            tok(n + 61, n),
            err(DecodeError::NotYetValid { ahead: 61 }),
        );
        t.add(
            "native: issued 60 s ahead (the skew)",
            codec,
            tok(n + 60, n),
            Expect::Ok(J::from(json!({}))),
        );
        t.add(
            "native: issued at u64::MAX",
            codec,
            tok(u64::MAX, 0),
            err(BadPayload(PayloadError::Timestamp)),
        );
        t.add(
            "native: issued at 2^63",
            codec,
            tok(1 << 63, 0),
            err(BadPayload(PayloadError::Timestamp)),
        );
        t.add(
            "native: origin at 2^63",
            codec,
            tok(n, 1 << 63),
            err(BadPayload(PayloadError::Timestamp)),
        );
        t.add(
            "native: issued at i64::MAX",
            codec,
            tok(i64::MAX as u64, 0),
            err(DecodeError::NotYetValid {
                ahead: i64::MAX - NOW,
            }),
        );
        t.add(
            "native: origin after issue",
            codec,
            tok(n, n + 1),
            err(BadPayload(PayloadError::Origin)),
        );
        t.add(
            "native: issued at 0",
            codec,
            tok(0, 0),
            err(DecodeError::Expired {
                age: NOW,
                max_age: 1_209_600,
            }),
        );
        t.add(
            "native: one second past the idle max age",
            codec,
            tok(n - 1_209_601, n - 1_209_601),
            err(DecodeError::Expired {
                age: 1_209_601,
                max_age: 1_209_600,
            }),
        );
    }
    // The absolute lifetime (encrypted codec: 30 days).
    t.add(
        "native: past the absolute lifetime",
        Codec::Encrypted,
        native_token(0, 1, b"k1", n, n - 30 * 86_400 - 1, b"{}\x80"),
        err(DecodeError::Expired {
            age: 30 * 86_400 + 1,
            max_age: 30 * 86_400,
        }),
    );
    t.add(
        "native: origin 0, no absolute lifetime (signed codec)",
        Codec::Signed,
        native_token(0, 0, b"k1", n, 0, b"{}"),
        Expect::Ok(J::from(json!({}))),
    );
}

fn tags_and_structure(t: &mut Table, codecs: &Codecs) {
    for codec in NATIVE {
        let token = native_valid(codecs, codec);
        let bytes = b64_bytes(&token);
        let len = bytes.len();
        // Truncated and extended tags.
        // 37 header bytes (version 2) for the id `k1`; the body must keep
        // its minimum.
        let min_body = if codec == Codec::Encrypted { 45 } else { 1 };
        for cut in [1, 2, 16, 31, 32] {
            let expect = if len < 37 + 32 + cut + min_body {
                err(M(Malformed::Length))
            } else {
                err(BadSignature)
            };
            t.add(
                format!("native: tag truncated by {cut} bytes"),
                codec,
                b64_text(&bytes[..len - cut]),
                expect,
            );
        }
        for extra in [1, 16, 32] {
            let mut longer = bytes.clone();
            longer.extend(std::iter::repeat_n(0u8, extra));
            t.add(
                format!("native: tag extended by {extra} zero bytes"),
                codec,
                b64_text(&longer),
                err(BadSignature),
            );
        }
        let mut doubled = bytes.clone();
        doubled.extend_from_slice(&bytes[len - 32..]);
        t.add(
            "native: tag repeated",
            codec,
            b64_text(&doubled),
            err(BadSignature),
        );
        let mut zero_tag = bytes.clone();
        zero_tag[len - 32..].fill(0);
        t.add(
            "native: tag of zeros",
            codec,
            b64_text(&zero_tag),
            err(BadSignature),
        );
        // Every tag byte flipped in turn.
        for i in (0..32).step_by(4) {
            let mut flipped = bytes.clone();
            flipped[len - 32 + i] ^= 0x01;
            t.add(
                format!("native: tag byte {i} flipped"),
                codec,
                b64_text(&flipped),
                err(BadSignature),
            );
        }
        // Header fields.
        let mode = if codec == Codec::Encrypted { 1u8 } else { 0 };
        let mut v = bytes.clone();
        for (version, label) in [(0u8, "0"), (3, "3"), (0xff, "255")] {
            v[0] = version;
            t.add(
                format!("native: version {label}"),
                codec,
                b64_text(&v),
                err(M(Malformed::Version)),
            );
        }
        // Relabelled as version 1: it parses (16 bytes more of body), and
        // the MAC over the version byte refuses it.
        v[0] = 1;
        t.add(
            "native: version 2 relabelled as version 1",
            codec,
            b64_text(&v),
            err(BadSignature),
        );
        let mut f = bytes.clone();
        f[1] = mode | 0x04;
        t.add(
            "native: unknown flag bit",
            codec,
            b64_text(&f),
            err(M(Malformed::Mode)),
        );
        f[1] = mode | 0x80;
        t.add(
            "native: high flag bit",
            codec,
            b64_text(&f),
            err(M(Malformed::Mode)),
        );
        f[1] = mode ^ 1;
        t.add(
            "native: mode bit flipped",
            codec,
            b64_text(&f),
            err(M(Malformed::Mode)),
        );
        f[1] = mode | 2;
        t.add(
            "native: compression bit set on a plain body",
            codec,
            b64_text(&f),
            err(BadSignature),
        );
        let mut l = bytes.clone();
        l[2] = 0;
        t.add(
            "native: key id length 0",
            codec,
            b64_text(&l),
            err(M(Malformed::Length)),
        );
        l[2] = 33;
        t.add(
            "native: key id length 33",
            codec,
            b64_text(&l),
            err(M(Malformed::Length)),
        );
        l[2] = 255;
        t.add(
            "native: key id length 255",
            codec,
            b64_text(&l),
            err(M(Malformed::Length)),
        );
        l[2] = 1;
        t.add(
            "native: key id length 1 (another id)",
            codec,
            b64_text(&l),
            err(BadSignature),
        );
        let mut id = bytes.clone();
        id[3] = b'.';
        t.add(
            "native: key id with '.'",
            codec,
            b64_text(&id),
            err(M(Malformed::Length)),
        );
        id[3] = 0;
        t.add(
            "native: key id with NUL",
            codec,
            b64_text(&id),
            err(M(Malformed::Length)),
        );
        id[3] = b'K';
        t.add(
            "native: key id of another case",
            codec,
            b64_text(&id),
            err(BadSignature),
        );
        for cut in [0usize, 1, 2, 3, 5, 12, 21] {
            let expect = if cut == 0 {
                err(M(Malformed::Empty))
            } else {
                err(M(Malformed::Length))
            };
            t.add(
                format!("native: only the first {cut} bytes"),
                codec,
                b64_text(&bytes[..cut]),
                expect,
            );
        }
        // Issue time moved by one second: the MAC covers the header.
        let mut time = bytes.clone();
        time[5 + 7] ^= 1;
        t.add(
            "native: issue time changed",
            codec,
            b64_text(&time),
            err(BadSignature),
        );
        let mut origin = bytes.clone();
        origin[5 + 15] ^= 1;
        t.add(
            "native: origin changed",
            codec,
            b64_text(&origin),
            err(BadSignature),
        );
        let mut body = bytes.clone();
        body[5 + 16] ^= 1;
        t.add(
            "native: first body byte changed",
            codec,
            b64_text(&body),
            err(BadSignature),
        );
        // A retired key with a valid MAC, and an unknown key.
        let n = NOW as u64;
        let b: &[u8] = if codec == Codec::Encrypted {
            b"{}\x80"
        } else {
            b"{}"
        };
        t.add(
            "native: authentic under a retired key",
            codec,
            native_token(2, mode, b"old_key", n, n, b),
            err(BadSignature),
        );
        t.add(
            "native: unknown key id",
            codec,
            native_token(1, mode, b"2026-11", n, n, b),
            err(BadSignature),
        );
        t.add(
            "native: known id, another key's MAC",
            codec,
            native_token(1, mode, b"k1", n, n, b),
            err(BadSignature),
        );
    }
    // Encrypted body shorter than salt, nonce, one byte and the GCM tag.
    let n = NOW as u64;
    let mut short = native_header(1, b"k1", n, n);
    short.extend(std::iter::repeat_n(7u8, 44));
    let context = native_context("session", "sessionid");
    let (mac, _) = native_subkeys(&MASTER_KEYS[0]);
    t.add(
        "native: encrypted body of 44 bytes",
        Codec::Encrypted,
        native_finish(&mac, &context, short),
        err(M(Malformed::Length)),
    );
    let mut garbage = native_header(1, b"k1", n, n);
    garbage.extend(std::iter::repeat_n(7u8, 60));
    t.add(
        "native: authentic MAC, ciphertext of garbage",
        Codec::Encrypted,
        native_finish(&mac, &context, garbage),
        err(BadPayload(PayloadError::Decrypt)),
    );
    // The AEAD binds the header too: a body sealed under another header.
    let mut moved = native_header(1, b"k1", n, n);
    let other = native_header(1, b"k1", n - 1, n - 1);
    let aad = [context.as_slice(), &other].concat();
    let (_, enc) = native_subkeys(&MASTER_KEYS[0]);
    moved.extend(native_seal(&enc, &aad, &[1; 16], &[2; 12], b"{}\x80"));
    t.add(
        "native: body sealed under another header",
        Codec::Encrypted,
        native_finish(&mac, &context, moved),
        err(BadPayload(PayloadError::Decrypt)),
    );
    // Another context.
    let other_context = native_context("session", "csrftoken");
    t.add(
        "native: MAC under another cookie name",
        Codec::Signed,
        native_finish(
            &mac,
            &other_context,
            [native_header(0, b"k1", n, n), b"{}".to_vec()].concat(),
        ),
        err(BadSignature),
    );
    // Django: every byte of the tag flipped (kept in the alphabet).
    let valid = django_valid(codecs);
    let (signed, sig) = valid.rsplit_once(':').unwrap();
    let mut tag = URL_SAFE_NO_PAD.decode(sig).unwrap();
    for i in (0..32).step_by(3) {
        tag[i] ^= 0x10;
        t.add(
            format!("Django: tag byte {i} changed"),
            Codec::Django,
            format!("{signed}:{}", URL_SAFE_NO_PAD.encode(&tag)),
            err(BadSignature),
        );
        tag[i] ^= 0x10;
    }
    // Django: every payload character changed in turn (kept in the alphabet).
    let (payload, rest) = signed.split_once(':').unwrap();
    for i in (1..payload.len()).step_by(5) {
        let mut chars: Vec<char> = payload.chars().collect();
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        let changed: String = chars.into_iter().collect();
        t.add(
            format!("Django: payload character {i} changed"),
            Codec::Django,
            format!("{changed}:{rest}:{sig}"),
            err(BadSignature),
        );
    }
    t.add(
        "Django: timestamp changed",
        Codec::Django,
        format!("{payload}:{}:{sig}", "1r31er"),
        err(BadSignature),
    );
    t.add(
        "Django: another salt",
        Codec::Django,
        django_signed("django.core.signing", &payload[1..], NOW_B62),
        err(BadSignature),
    );
}

fn cross_format(t: &mut Table, codecs: &Codecs) {
    let django = django_valid(codecs);
    let signing = codecs
        .signing
        .encode_at(&json!({"a": 1}), UnixTime::from_secs(NOW))
        .unwrap();
    let signed = native_valid(codecs, Codec::Signed);
    let encrypted = native_valid(codecs, Codec::Encrypted);
    // Flask / itsdangerous layout: payload.timestamp.signature.
    let flask = "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.hGMtJIaRm3-h4yk1rjDAKZ5PxsA";
    let flask_compressed = ".eJyrVirKz0lVslIqSk1RqgUAHlQEhA.ZVPxAA.tfx8QcdJ_-6cc-ZdUdaAWEJPm7U";
    let jwt =
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmUtc2lnbmF0dXI";
    let rails = "QkFoN0JrayVMSFJsYzNRPQ==--0123456789abcdef0123456789abcdef01234567";
    let express = "s%3Aabc.def";
    let sep = err(M(Malformed::Separators));
    let enc = err(M(Malformed::Encoding));
    t.add(
        "native signed token to Django",
        Codec::Django,
        signed.clone(),
        sep.clone(),
    );
    t.add(
        "native encrypted token to Django",
        Codec::Django,
        encrypted.clone(),
        sep.clone(),
    );
    t.add("Flask token to Django", Codec::Django, flask, sep.clone());
    t.add(
        "compressed Flask token to Django",
        Codec::Django,
        flask_compressed,
        sep.clone(),
    );
    t.add("JWT to Django", Codec::Django, jwt, sep.clone());
    t.add("Rails cookie to Django", Codec::Django, rails, sep.clone());
    t.add(
        "Express cookie to Django",
        Codec::Django,
        express,
        sep.clone(),
    );
    t.add(
        "signing.dumps value to the sessions codec",
        Codec::Django,
        signing.clone(),
        err(BadSignature),
    );
    t.add(
        "session cookie to the signing codec",
        Codec::DjangoSigning,
        django.clone(),
        err(BadSignature),
    );
    for codec in NATIVE {
        t.add(
            "Django session cookie to native",
            codec,
            django.clone(),
            enc.clone(),
        );
        t.add(
            "Django signing value to native",
            codec,
            signing.clone(),
            enc.clone(),
        );
        t.add("Flask token to native", codec, flask, enc.clone());
        t.add("JWT to native", codec, jwt, enc.clone());
        t.add("Rails cookie to native", codec, rails, enc.clone());
        t.add("Express cookie to native", codec, express, enc.clone());
        // Django's payload alone is base64url, but not a token.
        let payload = django.split(':').next().unwrap().trim_start_matches('.');
        t.add(
            "Django payload field alone to native",
            codec,
            payload.to_owned(),
            if payload.len() % 4 == 1 {
                enc.clone()
            } else {
                err(M(Malformed::Version))
            },
        );
    }
    t.add(
        "native signed token to the encrypted codec",
        Codec::Encrypted,
        signed,
        err(M(Malformed::Mode)),
    );
    t.add(
        "native encrypted token to the signed codec",
        Codec::Signed,
        encrypted,
        err(M(Malformed::Mode)),
    );
}

fn all_cases(codecs: &Codecs) -> Vec<Case> {
    let mut t = Table { cases: Vec::new() };
    size_and_bytes(&mut t, codecs);
    separators(&mut t, codecs);
    base64_forms(&mut t, codecs);
    bombs_and_json(&mut t);
    timestamps(&mut t);
    tags_and_structure(&mut t, codecs);
    cross_format(&mut t, codecs);
    t.cases
}

fn matches(expect: &Expect, got: &Result<J, DecodeError>) -> bool {
    match (expect, got) {
        (Expect::Err(e), Err(g)) => e == g,
        (Expect::Json, Err(BadPayload(PayloadError::Json { .. }))) => true,
        (Expect::Ok(v), Ok(g)) => v == g,
        _ => false,
    }
}

#[test]
fn every_hostile_cookie_gets_its_typed_error() {
    let codecs = Codecs::new();
    let cases = all_cases(&codecs);
    let mut failures = Vec::new();
    for case in &cases {
        let got = codecs.decode(case.codec, &case.cookie);
        if !matches(&case.expect, &got) {
            let shown = got
                .as_ref()
                .map(|v| v.to_string().chars().take(80).collect::<String>());
            let expected = format!("{:?}", case.expect);
            let expected: String = expected.chars().take(120).collect();
            failures.push(format!(
                "{} [{:?}]: expected {expected}, got {shown:?}",
                case.name, case.codec
            ));
        }
        if let Err(e) = &got {
            let shown = e.to_string();
            assert!(shown.len() < 120, "{}: long message {shown}", case.name);
            if case.cookie.len() >= 8 {
                assert!(
                    !shown.contains(&case.cookie),
                    "{}: the message repeats the cookie",
                    case.name
                );
            }
            assert!(!shown.contains(SECRET));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    assert!(cases.len() >= 200, "only {} cases", cases.len());
    println!("{} hostile cases", cases.len());
}

#[test]
fn the_suite_covers_every_codec_and_error_kind() {
    let codecs = Codecs::new();
    let cases = all_cases(&codecs);
    for codec in ALL {
        let n = cases.iter().filter(|c| c.codec == codec).count();
        assert!(n >= 20, "{codec:?}: only {n} cases");
        println!("{codec:?}: {n} cases");
    }
    let mut kinds: Vec<&str> = cases
        .iter()
        .filter_map(|c| match &c.expect {
            Expect::Err(e) => Some(e.kind()),
            Expect::Json => Some("bad-payload"),
            Expect::Ok(_) => None,
        })
        .collect();
    kinds.sort_unstable();
    kinds.dedup();
    assert_eq!(
        kinds,
        [
            "bad-payload",
            "bad-signature",
            "expired",
            "malformed",
            "not-yet-valid",
            "too-large"
        ]
    );
}

/// A hostile cookie is refused in bounded time: the worst ones (a 1 MB
/// cookie, a zip bomb, 100,000 levels of JSON) well under a second each,
/// even in a debug build.
#[test]
fn hostile_cookies_are_refused_quickly() {
    let codecs = Codecs::new();
    for case in all_cases(&codecs) {
        let start = std::time::Instant::now();
        let _ = codecs.decode(case.codec, &case.cookie);
        let took = start.elapsed();
        assert!(took.as_secs_f64() < 2.0, "{}: {took:?}", case.name);
    }
}

/// The same refusals through the session API, which every middleware uses.
#[test]
fn sessions_refuse_what_values_refuse() {
    let codecs = Codecs::new();
    let now = UnixTime::from_secs(NOW);
    for case in all_cases(&codecs) {
        let value = codecs.decode(case.codec, &case.cookie);
        let session = match case.codec {
            Codec::Django => codecs
                .django
                .decode_session_at(&case.cookie, now)
                .map(|_| ()),
            Codec::DjangoSigning => codecs
                .signing
                .decode_session_at(&case.cookie, now)
                .map(|_| ()),
            Codec::Signed => codecs
                .signed
                .decode_at::<session_cookie::Session>(&case.cookie, now)
                .map(|_| ()),
            Codec::Encrypted => codecs
                .encrypted
                .decode_at::<session_cookie::Session>(&case.cookie, now)
                .map(|_| ()),
        };
        match (&value, &session) {
            (Err(a), Err(b)) if !matches!(a, BadPayload(_)) => assert_eq!(a, b, "{}", case.name),
            (Err(_), Ok(())) => panic!("{}: a session from a refused value", case.name),
            (Ok(v), Ok(())) => assert!(v.is_object(), "{}", case.name),
            _ => {}
        }
    }
}

/// What the fuzzers found in `src/`, each pinned to the behaviour of its
/// fix (SECURITY.md, "Findings"; `src/json/reserved.rs`).
mod findings {
    use serde_json::json;
    use serde_json::value::RawValue;
    use session_cookie::{
        DecodeError, DjangoCodec, EncodeError, PayloadError, SecretKeys, UnixTime,
    };

    use super::{J, NOW, NOW_B62, SECRET, django_json, exact, j};

    fn codec() -> DjangoCodec {
        DjangoCodec::sessions(&SecretKeys::new(SECRET).unwrap())
    }

    fn round_trip<T: serde::Serialize>(value: &T) -> J {
        let codec = codec();
        let now = UnixTime::from_secs(NOW);
        let cookie = codec.encode_at(value, now).unwrap();
        exact(
            codec
                .decode_at::<Box<RawValue>>(&cookie, now)
                .unwrap()
                .value(),
        )
    }

    /// F1: with `raw_value`, serde_json reads an object keyed by its
    /// `RawValue` token into a `Value` as the JSON the string spells
    /// (injected structure); such objects are refused on encode rather
    /// than written. Since `arbitrary_precision` is gone (issue 10),
    /// `$serde_json::private::Number` is an ordinary key: it round-trips.
    #[test]
    fn token_keys_are_refused_on_encode() {
        let value = json!({"prefs": {"$serde_json::private::RawValue": "{\"is_admin\":true}"}});
        let err = codec()
            .encode_at(&value, UnixTime::from_secs(NOW))
            .unwrap_err();
        assert!(matches!(err, EncodeError::Serialize(_)), "{err:?}");
        // The same strings as values, longer keys, and the Number token
        // (no longer special) are ordinary data.
        let fine = j(
            r#"{"note":"$serde_json::private::RawValue","$serde_json::private::RawValues":1,"prefs":{"$serde_json::private::Number":"123"}}"#,
        );
        assert_eq!(round_trip(&fine), fine);
    }

    /// F1 and F3: an authentic cookie that Django wrote with the `RawValue`
    /// token key is refused the same way by the eager and the lazy decoder,
    /// however the key is escaped; it is never read as JSON. The Number
    /// token key reads as the dict it is, through both.
    #[test]
    fn token_keys_are_refused_on_decode_by_both_decoders() {
        let codec = codec();
        let now = UnixTime::from_secs(NOW);
        for json in [
            r#"{"prefs":{"$serde_json::private::RawValue":"{\"is_admin\":true}"}}"#,
            r#"{"prefs":{"\u0024serde_json::private::RawValue":"[1]"}}"#,
            r#"{"prefs":{"$serde\u005fjson::private::RawValue":{}}}"#,
        ] {
            let cookie = django_json(json.as_bytes(), false, NOW_B62);
            let reserved = DecodeError::BadPayload(PayloadError::ReservedKey);
            assert_eq!(
                codec.decode_at::<Box<RawValue>>(&cookie, now).unwrap_err(),
                reserved,
                "{json}"
            );
            assert_eq!(
                codec.decode_session_at(&cookie, now).unwrap_err(),
                reserved,
                "{json}"
            );
        }
        for json in [
            r#"{"prefs":{"$serde_json::private::Number":"123"}}"#,
            r#"{"prefs":{"$serde_json::private::Number":{}}}"#,
        ] {
            let cookie = django_json(json.as_bytes(), false, NOW_B62);
            let value = codec.decode_at::<Box<RawValue>>(&cookie, now).unwrap();
            assert_eq!(exact(value.value()), j(json));
            let session = codec.decode_session_at(&cookie, now).unwrap().into_value();
            assert_eq!(
                session.get::<serde_json::Value>("prefs").unwrap().unwrap(),
                serde_json::from_str::<serde_json::Value>(&j(json)["prefs"].to_text()).unwrap()
            );
        }
    }

    /// F2: a number beyond the double range (`1e400`, which Django reads as
    /// `inf`) survives a save: the literal is kept instead of Python's
    /// `Infinity`, which no JSON reader reads back.
    #[test]
    fn overflowing_number_survives_a_save() {
        let value = j(r#"{"n":1e400}"#);
        let decoded = round_trip(&value);
        let again = round_trip(&decoded);
        assert_eq!(again, decoded);
        assert_eq!(decoded, value);
    }
}

/// Flask's format (`docs/flask.md`): the same kinds of hostile cookies,
/// signed where they must be authentic with HMAC-SHA1 under itsdangerous'
/// derived key by an independent implementation.
#[cfg(feature = "flask")]
mod flask {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use hmac::{Hmac, KeyInit, Mac};
    use serde_json::json;
    use serde_json::value::RawValue;
    use session_cookie::{
        DecodeError, FlaskCodec, FlaskConfig, Malformed, PayloadError, SecretKeys, SizeLimit,
        UnixTime,
    };
    use sha1::Sha1;

    use super::{Expect, J, deep_array, exact, matches, zlib};

    const NOW: i64 = 1_700_000_000;
    const SECRET: &str = "hostile-flask-secret";
    const MAX_AGE: i64 = 2_678_400;

    fn hmac_sha1(key: &[u8], msg: &[u8]) -> Vec<u8> {
        let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key).unwrap();
        mac.update(msg);
        mac.finalize().into_bytes().to_vec()
    }

    /// itsdangerous' timestamp: the big-endian bytes of the number, without
    /// leading zero bytes, in unpadded base64url.
    fn ts(secs: u64) -> String {
        let bytes = secs.to_be_bytes();
        let first = bytes.iter().position(|&b| b != 0).unwrap_or(7);
        URL_SAFE_NO_PAD.encode(&bytes[first..])
    }

    /// An authentic cookie around any body field and timestamp text.
    fn signed(body_field: &str, timestamp: &str) -> String {
        let derived = hmac_sha1(SECRET.as_bytes(), b"cookie-session");
        let signed = format!("{body_field}.{timestamp}");
        let tag = hmac_sha1(&derived, signed.as_bytes());
        format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag))
    }

    fn json_cookie(json: &[u8], compress: bool, secs: u64) -> String {
        let field = if compress {
            format!(".{}", URL_SAFE_NO_PAD.encode(zlib(json)))
        } else {
            URL_SAFE_NO_PAD.encode(json)
        };
        signed(&field, &ts(secs))
    }

    fn err(e: DecodeError) -> Expect {
        Expect::Err(e)
    }

    fn cases(valid: &str) -> Vec<(&'static str, String, Expect)> {
        let n = NOW as u64;
        let (signed_part, sig) = valid.rsplit_once('.').unwrap();
        let (body, stamp) = signed_part.rsplit_once('.').unwrap();
        let m = |k| err(DecodeError::Malformed(k));
        let mut bomb = vec![b' '; 2 << 20];
        bomb.splice(0..0, *b"{}");
        vec![
            ("empty", String::new(), m(Malformed::Empty)),
            (
                "1 MB",
                "a".repeat(1 << 20),
                err(DecodeError::TooLarge {
                    what: SizeLimit::Cookie,
                    limit: 32 * 1024,
                }),
            ),
            ("no dots", valid.replace('.', ""), m(Malformed::Separators)),
            (
                "one dot",
                format!("{body}{stamp}.{sig}"),
                m(Malformed::Separators),
            ),
            (
                "dot doubled",
                format!("{body}..{stamp}.{sig}"),
                m(Malformed::Separators),
            ),
            (
                "colons (Django layout)",
                format!("{body}:{stamp}:{sig}"),
                m(Malformed::Separators),
            ),
            (
                "signature truncated",
                format!("{signed_part}.{}", &sig[..26]),
                m(Malformed::Signature),
            ),
            (
                "signature extended",
                format!("{signed_part}.{sig}A"),
                m(Malformed::Signature),
            ),
            (
                "signature padded",
                format!("{signed_part}.{sig}="),
                m(Malformed::Signature),
            ),
            (
                "SHA-256 length signature",
                format!("{signed_part}.{}", "A".repeat(43)),
                m(Malformed::Signature),
            ),
            (
                "signature removed",
                format!("{signed_part}."),
                m(Malformed::Signature),
            ),
            (
                "timestamp of 12 characters",
                format!("{body}.{}.{sig}", "A".repeat(12)),
                m(Malformed::Timestamp),
            ),
            (
                "NUL in the body",
                format!("{}\0{}.{stamp}.{sig}", &body[..3], &body[3..]),
                m(Malformed::Payload),
            ),
            (
                "é in the body",
                format!("é{body}.{stamp}.{sig}"),
                m(Malformed::Payload),
            ),
            (
                "forged tag",
                format!("{signed_part}.{}", "A".repeat(27)),
                err(DecodeError::BadSignature),
            ),
            (
                "tag of another secret",
                {
                    let tag = hmac_sha1(b"other", signed_part.as_bytes());
                    format!("{signed_part}.{}", URL_SAFE_NO_PAD.encode(tag))
                },
                err(DecodeError::BadSignature),
            ),
            (
                "future by 1 s",
                json_cookie(b"{}", false, n + 1),
                err(DecodeError::Expired {
                    age: -1,
                    max_age: MAX_AGE as u64,
                }),
            ),
            (
                "past the lifetime",
                json_cookie(b"{}", false, n - MAX_AGE as u64 - 1),
                err(DecodeError::Expired {
                    age: MAX_AGE + 1,
                    max_age: MAX_AGE as u64,
                }),
            ),
            (
                "exactly the lifetime",
                json_cookie(b"{}", false, n - MAX_AGE as u64),
                Expect::Ok(J::from(json!({}))),
            ),
            (
                "zip bomb",
                json_cookie(&bomb, true, n),
                err(DecodeError::TooLarge {
                    what: SizeLimit::Inflated,
                    limit: 1 << 20,
                }),
            ),
            (
                "JSON nested 100000 deep",
                json_cookie(&deep_array(100_000), true, n),
                Expect::Json,
            ),
            (
                "invalid UTF-8 in a string",
                json_cookie(b"{\"s\":\"\xff\"}", false, n),
                Expect::Json,
            ),
            (
                "duplicate keys",
                json_cookie(br#"{"a":1,"a":2}"#, false, n),
                Expect::Ok(J::from(json!({"a": 2}))),
            ),
            ("NaN", json_cookie(br#"{"a":NaN}"#, false, n), Expect::Json),
            (
                "tuple tag of a number",
                json_cookie(br#"{"a":{" t":1}}"#, false, n),
                err(DecodeError::BadPayload(PayloadError::Tag)),
            ),
            (
                "bytes tag of a number",
                json_cookie(br#"{"a":{" b":1}}"#, false, n),
                err(DecodeError::BadPayload(PayloadError::Tag)),
            ),
            (
                "uuid tag, not a uuid",
                json_cookie(br#"{"a":{" u":"x"}}"#, false, n),
                err(DecodeError::BadPayload(PayloadError::Tag)),
            ),
            (
                "truncated zlib",
                signed(
                    &format!(
                        ".{}",
                        URL_SAFE_NO_PAD
                            .encode(&zlib(b"{\"a\":\"aaaaaaaaaaaaaaaaaaaaaaaa\"}")[..10])
                    ),
                    &ts(n),
                ),
                err(DecodeError::BadPayload(PayloadError::Zlib)),
            ),
            (
                "Django cookie",
                "e30:1r31eq:TMBbhb4teavI4BHqfCbpRbnHe5KBuvfcnIIsqMgitk0".to_owned(),
                m(Malformed::Separators),
            ),
            (
                "native token",
                "AQACazEAAAAAZVPxAAAAAABlU_EAe30".to_owned(),
                m(Malformed::Separators),
            ),
        ]
    }

    #[test]
    fn every_hostile_flask_cookie_gets_its_typed_error() {
        let codec = FlaskCodec::new(&SecretKeys::new(SECRET).unwrap(), FlaskConfig::SESSIONS);
        let now = UnixTime::from_secs(NOW);
        let valid = codec
            .encode_at(&json!({"_user_id": "1", "csrf_token": "abc"}), now)
            .unwrap();
        let cases = cases(&valid);
        let mut failures = Vec::new();
        for (name, cookie, expect) in &cases {
            let got = codec
                .decode_at::<Box<RawValue>>(cookie, now)
                .map(|decoded| exact(decoded.value()));
            if !matches(expect, &got) {
                failures.push(format!("{name}: expected {expect:?}, got {got:?}"));
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
        println!("{} hostile Flask cases", cases.len());
    }
}
