//! Generates the frozen test vectors of the native format, version 2,
//! `tests/vectors/native_v2.json`:
//!
//! ```text
//! cargo run --example native_vectors > tests/vectors/native_v2.json
//! ```
//!
//! One run writes version 2's file only. Version 1's vectors,
//! `tests/vectors/native.json`, were written by this generator before
//! version 2 existed; the codec writes only version 2 now, so that file is
//! not regenerated any more. Every run still builds version 1's cases by
//! hand and checks that they give that file byte for byte (the generator
//! still describes it), and that the codec reads them as published.
//!
//! Both files are frozen once published: regenerate one only for a new
//! format version, never to make a failing test pass.
//!
//! Every token is built here by hand from `docs/FORMAT.md` (context, header
//! layout, HKDF-SHA256 written out as two HMACs per RFC 5869, the HMAC
//! input, the per-token AES-256-GCM key, ISO/IEC 7816-4 padding) rather than
//! by the codec, so that the vectors check the spec and not only this
//! implementation. The generator then cross-checks the two:
//!
//! - signed mode, version 2: the hand-built token equals `NativeCodec`'s
//!   output byte for byte (`encode_with_lineage_at`, with the case's fixed
//!   session id);
//! - encrypted mode, version 2: the codec decrypts the hand-built tokens
//!   (fixed salt and nonce, so that the file is reproducible), and the
//!   hand-written decryption opens the codec's own tokens (random salt and
//!   nonce, the same session id);
//! - every case's expected outcome, written from the spec, is the codec's,
//!   and so is the session id of every `ok` case (version 1's: the first
//!   16 bytes of the tag);
//! - every `ok` version 1 token, re-issued by the codec, is a version 2
//!   token of the same payload, first-issue time and session id.
//!
//! Any disagreement stops the generator with a panic.

// A generator whose every failed unwrap or assertion is a disagreement
// between the spec and the implementation, to be reported, not handled.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::io::Write;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use flate2::Compression;
use flate2::write::ZlibEncoder;
use hmac::{Hmac, Mac};
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use session_cookie::{
    DecodeError, Limits, Lineage, Mode, NativeCodec, NativeConfig, NativeKeyRing, SessionId,
    UnixTime, inspect, json,
};

/// Exact JSON (key order, every digit): `serde_json::Value` without the
/// features this crate must not turn on keeps neither, and the payloads
/// and the files need both.
#[path = "../tests/support/exact.rs"]
mod exact;
use exact::J;

/// Version 1's frozen file, which this generator must still describe.
const FROZEN_V1: &str = include_str!("../tests/vectors/native.json");

/// A master key with its id. The bytes are random, made for these vectors
/// only; they protect nothing.
struct Key {
    id: &'static str,
    bytes: &'static [u8],
}

/// Signs in the vectors' standard ring.
const ACTIVE: Key = Key {
    id: "2026-11",
    bytes: &[
        0xc9, 0xc2, 0x28, 0xf5, 0xdd, 0x61, 0xc9, 0x18, 0x13, 0x46, 0xd6, 0xde, 0xdb, 0x5c, 0x53,
        0x82, 0x6a, 0x76, 0xd3, 0xbd, 0x76, 0xae, 0xc7, 0x12, 0xbc, 0x0b, 0x85, 0xd3, 0x83, 0x31,
        0x8b, 0x07,
    ],
};

/// Verify-only in the standard ring.
const VERIFY: Key = Key {
    id: "2026-10",
    bytes: &[
        0x98, 0x44, 0xcd, 0xfd, 0xc4, 0xb6, 0x79, 0x50, 0xc8, 0x53, 0xb1, 0xe4, 0x19, 0x95, 0xe2,
        0xad, 0xce, 0x7a, 0x7a, 0xed, 0xb4, 0xdc, 0x41, 0x69, 0x98, 0x7c, 0x7e, 0x2b, 0xd4, 0x96,
        0xd6, 0xee,
    ],
};

/// Retired in the standard ring (40 bytes: master keys may be longer).
const RETIRED: Key = Key {
    id: "2026-09",
    bytes: &[
        0x6b, 0x62, 0xe4, 0x03, 0x90, 0xca, 0xc6, 0x75, 0x5a, 0x69, 0x04, 0xde, 0x6c, 0x92, 0x64,
        0x55, 0x78, 0xe6, 0xd4, 0x76, 0xf4, 0x1e, 0x1f, 0xad, 0x12, 0xdc, 0xef, 0x73, 0x8e, 0x17,
        0xc9, 0xf9, 0x67, 0x64, 0x57, 0x04, 0xc9, 0xe0, 0xf1, 0x0f,
    ],
};

/// The active key's id with other bytes: another deployment's key.
const IMPOSTOR: Key = Key {
    id: "2026-11",
    bytes: &[
        0x31, 0xd2, 0x5b, 0x72, 0x59, 0xbc, 0x73, 0xfe, 0xfd, 0x97, 0xa8, 0x4a, 0x7d, 0x4c, 0x2c,
        0x8c, 0x7e, 0xa7, 0x62, 0xb1, 0x22, 0xb5, 0xe4, 0x9b, 0x46, 0x27, 0x2a, 0x97, 0xc0, 0xdc,
        0xfc, 0xa8,
    ],
};

/// Not in the standard ring at all (48 bytes).
const STRANGER: Key = Key {
    id: "staging_1",
    bytes: &[
        0xa5, 0xf0, 0xad, 0x48, 0x50, 0x5c, 0xc2, 0x12, 0x83, 0x8a, 0x6c, 0xf9, 0xa4, 0xf5, 0xf4,
        0x48, 0x60, 0xe7, 0xb9, 0x58, 0xfe, 0x64, 0xa4, 0x14, 0x6c, 0x89, 0x91, 0xe8, 0x7f, 0x75,
        0xc8, 0xf9, 0xdc, 0xe1, 0x60, 0x07, 0xf3, 0xdf, 0x7d, 0x9a, 0xcd, 0x35, 0x8a, 0x27, 0x4a,
        0xa0, 0x9f, 0xa4,
    ],
};

/// The vectors' "now" unless a case says otherwise (2026-09-21).
const T0: u64 = 1_790_000_000;
const DEFAULT_MAX_AGE: u64 = 1_209_600;

const FLAG_ENCRYPTED: u8 = 0b01;
const FLAG_COMPRESSED: u8 = 0b10;
const SESSION_ID_LEN: usize = 16;
const TAG_LEN: usize = 32;

/// FORMAT.md §2: the two versions a reader takes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Version {
    /// No session id: read, no longer written.
    V1,
    /// The session id after `origin`.
    V2,
}

impl Version {
    fn byte(self) -> u8 {
        match self {
            Self::V1 => 0x01,
            Self::V2 => 0x02,
        }
    }

    /// The header without the key id: version, flags, `L`, `issued_at`,
    /// `origin` and (version 2) the session id.
    fn fixed_header_len(self) -> usize {
        match self {
            Self::V1 => 3 + 8 + 8,
            Self::V2 => 3 + 8 + 8 + SESSION_ID_LEN,
        }
    }
}

fn secs(secs: u64) -> UnixTime {
    UnixTime::from_secs(i64::try_from(secs).unwrap())
}

// ---------------------------------------------------------------------------
// The spec, written out by hand.

type HmacSha256 = Hmac<Sha256>;

fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <HmacSha256 as hmac::KeyInit>::new_from_slice(key).unwrap();
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// HKDF-Expand for one block of output (RFC 5869 §2.3): T(1) = HMAC(PRK,
/// info || 0x01).
fn hkdf_expand_32(prk: &[u8], info: &[&[u8]]) -> [u8; 32] {
    let mut parts = info.to_vec();
    parts.push(&[0x01]);
    hmac(prk, &parts)
}

/// HKDF-SHA256 with an empty salt (RFC 5869 §2.2: a string of HashLen
/// zeros), 32 bytes of output.
fn hkdf_32(master: &[u8], label: &[u8]) -> [u8; 32] {
    let prk = hmac(&[0u8; 32], &[master]);
    hkdf_expand_32(&prk, &[label])
}

// Version 2 keeps version 1's labels (FORMAT.md §1, §3, §5).
fn k_mac(key: &Key) -> [u8; 32] {
    hkdf_32(key.bytes, b"session-cookie/v1/mac")
}

fn k_enc(key: &Key) -> [u8; 32] {
    hkdf_32(key.bytes, b"session-cookie/v1/enc")
}

/// FORMAT.md §3.
fn context(purpose: &str, cookie_name: &str) -> Vec<u8> {
    let mut out = b"session-cookie/v1\0".to_vec();
    for field in [purpose, cookie_name] {
        out.push(u8::try_from(field.len()).unwrap());
        out.extend_from_slice(field.as_bytes());
    }
    out
}

/// A fixed session id for the vectors, so that the file is reproducible.
/// (The codec draws a new session's id from the operating system.)
fn session_id(seed: &str) -> [u8; SESSION_ID_LEN] {
    let digest = Sha256::digest(format!("native vectors session id: {seed}").as_bytes());
    digest[..SESSION_ID_LEN].try_into().unwrap()
}

/// FORMAT.md §2: everything before the body. `id` is raw bytes so that
/// invalid ids can be written; version 1 has no session id.
fn header(
    version: Version,
    flags: u8,
    id: &[u8],
    issued_at: u64,
    origin: u64,
    session_id: &[u8; SESSION_ID_LEN],
) -> Vec<u8> {
    let mut out = vec![version.byte(), flags, u8::try_from(id.len()).unwrap()];
    out.extend_from_slice(id);
    out.extend_from_slice(&issued_at.to_be_bytes());
    out.extend_from_slice(&origin.to_be_bytes());
    if version == Version::V2 {
        out.extend_from_slice(session_id);
    }
    out
}

/// FORMAT.md §2: the session id a reader reports for a token's bytes:
/// version 2's field, or the first 16 bytes of a version 1 token's tag.
fn session_id_of(bytes: &[u8]) -> [u8; SESSION_ID_LEN] {
    let start = match bytes[0] {
        0x01 => bytes.len() - TAG_LEN,
        0x02 => Version::V2.fixed_header_len() - SESSION_ID_LEN + usize::from(bytes[2]),
        other => panic!("version {other}"),
    };
    bytes[start..start + SESSION_ID_LEN].try_into().unwrap()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// FORMAT.md §4: appends `HMAC(K_mac, context || header || body)` and
/// encodes as unpadded base64url.
fn finish(key: &Key, context: &[u8], mut signed: Vec<u8>) -> String {
    let tag = hmac(&k_mac(key), &[context, &signed]);
    signed.extend_from_slice(&tag);
    URL_SAFE_NO_PAD.encode(signed)
}

/// zlib at level 6, used only when it saves two bytes (what the codec does
/// with `compress` on).
fn maybe_compress(json: &[u8]) -> Option<Vec<u8>> {
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::new(6));
    encoder.write_all(json).unwrap();
    let compressed = encoder.finish().unwrap();
    (compressed.len() + 1 < json.len()).then_some(compressed)
}

/// FORMAT.md §5: `payload || 0x80 || 0x00 * p`, a multiple of `bucket`.
fn pad(payload: &[u8], bucket: usize) -> Vec<u8> {
    let mut out = payload.to_vec();
    out.push(0x80);
    while out.len() % bucket != 0 {
        out.push(0);
    }
    out
}

/// Fixed salt and nonce for a case, so the file is reproducible. (The codec
/// draws them from the operating system for every token.)
fn salt_and_nonce(seed: &str) -> ([u8; 16], [u8; 12]) {
    let digest = Sha256::digest(format!("native vectors salt and nonce: {seed}").as_bytes());
    let mut salt = [0u8; 16];
    let mut nonce = [0u8; 12];
    salt.copy_from_slice(&digest[..16]);
    nonce.copy_from_slice(&digest[16..28]);
    (salt, nonce)
}

/// How a hand-built encrypted token departs from the spec, to make
/// authentic tokens whose encryption layer is wrong.
#[derive(Clone, Copy, PartialEq)]
enum Twist {
    None,
    /// One bit of the GCM tag flipped before the HMAC is computed.
    GcmTag,
    /// The AAD is the header alone, without the context.
    AadWithoutContext,
    /// Version 2: the AAD's header lacks the session id.
    AadWithoutSessionId,
    /// The AAD's header has the other version's byte (0x01 <-> 0x02).
    AadOtherVersion,
}

/// The per-token key: HKDF-Expand(PRK = K_enc, info = label || salt).
fn k_msg(key: &Key, salt: &[u8]) -> [u8; 32] {
    hkdf_expand_32(&k_enc(key), &[b"session-cookie/v1/msg", salt])
}

/// FORMAT.md §5: `salt || nonce || ct || gcm tag`, with `plaintext` already
/// padded.
fn seal(
    key: &Key,
    context: &[u8],
    header: &[u8],
    plaintext: &[u8],
    seed: &str,
    twist: Twist,
) -> Vec<u8> {
    let (salt, nonce) = salt_and_nonce(seed);
    let cipher = Aes256Gcm::new_from_slice(&k_msg(key, &salt)).unwrap();
    let aad = match twist {
        Twist::AadWithoutContext => header.to_vec(),
        Twist::AadWithoutSessionId => {
            assert_eq!(header[0], Version::V2.byte());
            [context, &header[..header.len() - SESSION_ID_LEN]].concat()
        }
        Twist::AadOtherVersion => {
            let mut other = header.to_vec();
            other[0] ^= 0x03;
            [context, &other].concat()
        }
        Twist::None | Twist::GcmTag => [context, header].concat(),
    };
    let mut sealed = cipher
        .encrypt(
            &Nonce::try_from(&nonce[..]).unwrap(),
            Payload {
                msg: plaintext,
                aad: &aad,
            },
        )
        .unwrap();
    if twist == Twist::GcmTag {
        *sealed.last_mut().unwrap() ^= 0x01;
    }
    [&salt[..], &nonce, &sealed].concat()
}

/// The inverse of [`seal`], for the codec's own (version 2) tokens:
/// returns the payload after checking the session id, the HMAC, the GCM
/// tag and the padding by hand.
fn open_by_hand(
    key: &Key,
    context: &[u8],
    token: &str,
    bucket: usize,
    session_id: &[u8; SESSION_ID_LEN],
) -> Vec<u8> {
    let bytes = URL_SAFE_NO_PAD.decode(token).unwrap();
    assert_eq!(bytes[0], Version::V2.byte(), "version");
    assert_eq!(bytes[1] & FLAG_ENCRYPTED, FLAG_ENCRYPTED, "encrypted flag");
    let header_len = Version::V2.fixed_header_len() + usize::from(bytes[2]);
    assert_eq!(&bytes[header_len - SESSION_ID_LEN..header_len], session_id);
    let (signed, tag) = bytes.split_at(bytes.len() - TAG_LEN);
    assert_eq!(hmac(&k_mac(key), &[context, signed]), tag, "HMAC by hand");
    let (header, body) = signed.split_at(header_len);
    let (salt, rest) = body.split_at(16);
    let (nonce, sealed) = rest.split_at(12);
    assert_eq!((sealed.len() - 16) % bucket, 0, "padded to the bucket");
    let cipher = Aes256Gcm::new_from_slice(&k_msg(key, salt)).unwrap();
    let mut plaintext = cipher
        .decrypt(
            &Nonce::try_from(nonce).unwrap(),
            Payload {
                msg: sealed,
                aad: &[context, header].concat(),
            },
        )
        .unwrap();
    while plaintext.last() == Some(&0) {
        plaintext.pop();
    }
    assert_eq!(plaintext.pop(), Some(0x80), "ISO/IEC 7816-4 mark");
    if bytes[1] & FLAG_COMPRESSED != 0 {
        let mut decoder = flate2::write::ZlibDecoder::new(Vec::new());
        decoder.write_all(&plaintext).unwrap();
        plaintext = decoder.finish().unwrap();
    }
    plaintext
}

// ---------------------------------------------------------------------------
// Cases.

/// One vector: the decoder's configuration, the token, the outcome.
#[derive(Clone)]
struct Case {
    name: &'static str,
    keys: Vec<String>,
    mode: Mode,
    purpose: String,
    cookie_name: String,
    compress: bool,
    padding: usize,
    max_age: Option<u64>,
    max_lifetime: Option<u64>,
    skew: u64,
    now: u64,
    token: String,
    expect: &'static str,
    /// Version 1's file only: what a reader of both versions gives where
    /// that differs from what the file published (not written to it).
    reader_now: Option<&'static str>,
    payload: Option<J>,
    needs_reissue: Option<bool>,
    /// `issued_at` and `origin`, for ok cases.
    times: Option<(u64, u64)>,
    /// The session id a reader reports, for ok cases (in version 2's file).
    session_id: Option<[u8; SESSION_ID_LEN]>,
    encode: bool,
}

fn key_line(key: &Key, state: &str) -> String {
    format!("{}:{}:{state}", key.id, URL_SAFE_NO_PAD.encode(key.bytes))
}

fn standard_ring() -> Vec<String> {
    vec![
        key_line(&ACTIVE, "active"),
        key_line(&VERIFY, "verify"),
        key_line(&RETIRED, "retired"),
    ]
}

impl Case {
    /// A decoder with the defaults (standard ring, signed, purpose
    /// `session`, cookie `sessionid`, idle max-age 1209600 s, 60 s skew)
    /// at `T0`.
    fn new(name: &'static str, token: String, expect: &'static str) -> Self {
        Self {
            name,
            keys: standard_ring(),
            mode: Mode::Signed,
            purpose: "session".into(),
            cookie_name: "sessionid".into(),
            compress: false,
            padding: 1,
            max_age: Some(DEFAULT_MAX_AGE),
            max_lifetime: None,
            skew: 60,
            now: T0,
            token,
            expect,
            reader_now: None,
            payload: None,
            needs_reissue: None,
            times: None,
            session_id: None,
            encode: false,
        }
    }

    /// An ok case; its session id is read from the token by hand (§2).
    fn ok(mut self, payload: &J, issued_at: u64, origin: u64, needs_reissue: bool) -> Self {
        self.payload = Some(payload.clone());
        self.times = Some((issued_at, origin));
        self.needs_reissue = Some(needs_reissue);
        self.session_id = Some(session_id_of(&bytes_of(&self.token)));
        self
    }

    fn config(&self) -> NativeConfig {
        let base = match self.mode {
            Mode::Signed => NativeConfig::SIGNED,
            Mode::Encrypted => NativeConfig::ENCRYPTED,
        };
        base.with_purpose(self.purpose.clone())
            .with_cookie_name(self.cookie_name.clone())
            .with_compress(self.compress)
            .with_padding(self.padding)
            .with_max_age(self.max_age)
            .with_max_lifetime(self.max_lifetime)
            .with_skew(self.skew)
    }

    fn codec(&self) -> NativeCodec {
        let ring = NativeKeyRing::parse(&self.keys.join("\n")).unwrap();
        NativeCodec::new(&ring, self.config()).unwrap()
    }

    /// Panics unless the codec agrees with the expectation.
    fn check(&self) {
        let name = self.name;
        let codec = self.codec();
        let now = secs(self.now);
        let result = codec.decode_at::<Box<RawValue>>(&self.token, now);
        let kind = result
            .as_ref()
            .map_or_else(DecodeError::kind, |_| "ok")
            .replace('-', "_");
        assert_eq!(
            kind,
            self.reader_now.unwrap_or(self.expect),
            "{name}: {result:?}"
        );
        let Ok(decoded) = &result else {
            assert!(!self.encode, "{name}: encode needs an ok case");
            return;
        };
        let payload = self.payload.as_ref().unwrap();
        assert_eq!(text(decoded.value()), text(payload), "{name}");
        assert_eq!(Some(decoded.needs_reissue()), self.needs_reissue, "{name}");
        let (issued_at, origin) = self.times.unwrap();
        assert_eq!(decoded.issued_at(), secs(issued_at), "{name}");
        assert_eq!(decoded.first_issued_at(), secs(origin), "{name}");
        let id = SessionId::from_bytes(self.session_id.unwrap());
        assert_eq!(decoded.session_id(), Some(id), "{name}: session id");
        let version = bytes_of(&self.token)[0];
        if self.encode && version == Version::V2.byte() {
            assert_eq!(self.mode, Mode::Signed, "{name}");
            let lineage = Lineage::new(secs(origin), Some(id));
            let again = codec
                .encode_with_lineage_at(payload, lineage, secs(issued_at))
                .unwrap();
            assert_eq!(again, self.token, "{name}: the codec's token");
        }
        if version == Version::V1.byte() {
            // Re-issued, a version 1 session is a version 2 token of the
            // same session: the derived id and the origin carry over (the
            // origin clamped to the new issue time, FORMAT.md §6).
            let again = codec.reissue_at(decoded, now).unwrap();
            assert_eq!(bytes_of(&again)[0], Version::V2.byte(), "{name}");
            assert_eq!(session_id_of(&bytes_of(&again)), *id.as_bytes(), "{name}");
            let reread = codec.decode_at::<Box<RawValue>>(&again, now).unwrap();
            assert_eq!(text(reread.value()), text(payload), "{name}");
            assert_eq!(
                reread.first_issued_at(),
                secs(origin.min(self.now)),
                "{name}"
            );
            assert_eq!(reread.issued_at(), now, "{name}");
            assert_eq!(reread.session_id(), Some(id), "{name}");
        }
    }

    fn to_json(&self, file: Version) -> J {
        let mode = match self.mode {
            Mode::Signed => "signed",
            Mode::Encrypted => "encrypted",
        };
        let optional = |n: Option<u64>| n.map_or(J::Null, J::from);
        let mut out: Vec<(&str, J)> = vec![
            ("name", self.name.into()),
            (
                "keys",
                J::Arr(self.keys.iter().map(|k| k.as_str().into()).collect()),
            ),
            ("mode", mode.into()),
            ("purpose", self.purpose.as_str().into()),
            ("cookie_name", self.cookie_name.as_str().into()),
            ("compress", self.compress.into()),
            ("padding", u64::try_from(self.padding).unwrap().into()),
            ("max_age", optional(self.max_age)),
            ("max_lifetime", optional(self.max_lifetime)),
            ("skew", self.skew.into()),
            ("now", self.now.into()),
            ("token", self.token.as_str().into()),
            ("expect", self.expect.into()),
        ];
        if let Some(payload) = &self.payload {
            out.push(("payload", payload.clone()));
        }
        if let Some(needs_reissue) = self.needs_reissue {
            out.push(("needs_reissue", needs_reissue.into()));
        }
        if let Some((issued_at, origin)) = self.times {
            out.push(("issued_at", issued_at.into()));
            out.push(("origin", origin.into()));
        }
        if let (Version::V2, Some(id)) = (file, self.session_id) {
            out.push(("session_id", hex(&id).into()));
        }
        out.push(("encode", self.encode.into()));
        J::obj(out)
    }
}

/// Python's JSON text of a decoded value or of a case's payload.
fn text<T: serde::Serialize + ?Sized>(value: &T) -> String {
    json::to_string(value).unwrap()
}

/// What a hand-built token is made of.
#[derive(Clone)]
struct Build<'a> {
    key: &'a Key,
    purpose: &'a str,
    cookie_name: &'a str,
    issued_at: u64,
    origin: u64,
    version: Version,
    /// Version 2 only.
    session_id: [u8; SESSION_ID_LEN],
}

impl<'a> Build<'a> {
    /// A new session's token: `origin` is `issued_at`, the session id the
    /// vectors' standard one.
    fn new(key: &'a Key, issued_at: u64, version: Version) -> Self {
        Self {
            key,
            purpose: "session",
            cookie_name: "sessionid",
            issued_at,
            origin: issued_at,
            version,
            session_id: session_id("standard"),
        }
    }

    fn context(&self) -> Vec<u8> {
        context(self.purpose, self.cookie_name)
    }

    fn header(&self, flags: u8) -> Vec<u8> {
        header(
            self.version,
            flags,
            self.key.id.as_bytes(),
            self.issued_at,
            self.origin,
            &self.session_id,
        )
    }

    /// The codec that writes this token's key, purpose and cookie name in
    /// `base`'s mode.
    fn codec(&self, base: NativeConfig) -> NativeCodec {
        let ring = NativeKeyRing::parse(&key_line(self.key, "active")).unwrap();
        let config = base
            .with_purpose(self.purpose.to_owned())
            .with_cookie_name(self.cookie_name.to_owned());
        NativeCodec::new(&ring, config).unwrap()
    }

    /// What the codec is given to write this token again: version 2 only
    /// (the codec writes no version 1 token).
    fn lineage(&self) -> Lineage {
        assert_eq!(self.version, Version::V2);
        Lineage::new(
            secs(self.origin),
            Some(SessionId::from_bytes(self.session_id)),
        )
    }

    /// A signed token with exactly this body and flags.
    fn signed_raw(&self, flags: u8, body: &[u8]) -> String {
        let mut bytes = self.header(flags);
        bytes.extend_from_slice(body);
        finish(self.key, &self.context(), bytes)
    }

    /// A signed token of `payload`, compressed when `compress` is on and it
    /// pays; in version 2, checked byte for byte against the codec.
    fn signed(&self, payload: &J, compress: bool) -> String {
        let json = text(payload).into_bytes();
        let token = match maybe_compress(&json).filter(|_| compress) {
            Some(zlib) => self.signed_raw(FLAG_COMPRESSED, &zlib),
            None => self.signed_raw(0, &json),
        };
        if self.version == Version::V2 {
            let codec = self.codec(NativeConfig::SIGNED.with_compress(compress));
            let by_codec = codec
                .encode_with_lineage_at(payload, self.lineage(), secs(self.issued_at))
                .unwrap();
            assert_eq!(token, by_codec, "hand-built signed token = codec's");
        }
        token
    }

    /// An encrypted token with exactly this (already padded) plaintext.
    fn encrypted_raw(&self, flags: u8, plaintext: &[u8], seed: &str, twist: Twist) -> String {
        let context = self.context();
        let mut bytes = self.header(FLAG_ENCRYPTED | flags);
        let body = seal(self.key, &context, &bytes, plaintext, seed, twist);
        bytes.extend_from_slice(&body);
        finish(self.key, &context, bytes)
    }

    /// An encrypted token of `payload`; in version 2, the codec's own
    /// token for the same payload and session is opened by hand and must
    /// give the same JSON.
    fn encrypted(&self, payload: &J, compress: bool, bucket: usize, seed: &str) -> String {
        let json = text(payload).into_bytes();
        let (flags, plain) = match maybe_compress(&json).filter(|_| compress) {
            Some(zlib) => (FLAG_COMPRESSED, zlib),
            None => (0, json.clone()),
        };
        let token = self.encrypted_raw(flags, &pad(&plain, bucket), seed, Twist::None);
        if self.version == Version::V2 {
            let config = NativeConfig::ENCRYPTED
                .with_compress(compress)
                .with_padding(bucket);
            let by_codec = self
                .codec(config)
                .encode_with_lineage_at(payload, self.lineage(), secs(self.issued_at))
                .unwrap();
            assert_eq!(
                by_codec.len(),
                token.len(),
                "same length as the hand-built token"
            );
            let opened = open_by_hand(
                self.key,
                &self.context(),
                &by_codec,
                bucket,
                &self.session_id,
            );
            assert_eq!(opened, json, "the codec's ciphertext opened by hand");
            let seen = inspect(&by_codec, Limits::DEFAULT).unwrap();
            assert_eq!(seen.compressed(), flags == FLAG_COMPRESSED);
            let header = seen.native().unwrap();
            assert_eq!(header.version, Version::V2.byte());
            assert_eq!(header.session_id.as_bytes(), &self.session_id);
        }
        token
    }
}

fn bytes_of(token: &str) -> Vec<u8> {
    URL_SAFE_NO_PAD.decode(token).unwrap()
}

fn text_of(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// `token` with one bit of its decoded byte at `index` flipped (negative
/// counts from the end).
fn flip(token: &str, index: isize, mask: u8) -> String {
    let mut bytes = bytes_of(token);
    let index = if index < 0 {
        bytes.len() - index.unsigned_abs()
    } else {
        index.unsigned_abs()
    };
    bytes[index] ^= mask;
    text_of(&bytes)
}

fn at_byte(index: usize) -> isize {
    isize::try_from(index).unwrap()
}

fn parse(text: &str) -> J {
    J::parse(text).unwrap()
}

#[allow(clippy::too_many_lines)] // one list of cases reads best in one place
fn cases(version: Version) -> Vec<Case> {
    let auth = parse(
        r#"{"_auth_user_id":"42","_auth_user_backend":"django.contrib.auth.backends.ModelBackend","_auth_user_hash":"9f1c0f3a7b2e","cart":[1,2,3]}"#,
    );
    let unicode = parse(
        r#"{"name":"Zoë 😀","ключ":"значение","\u0000\u007f\u2028":"\"\\/","big":123456789012345678901234567890,"negative":-98765432109876543210,"ratio":1e+16,"small":1e-05,"pi":3.14159,"one":1.0,"nested":{"a":[true,false,null,{"b":[]}],"":{}}}"#,
    );
    let compressible = parse(&format!(
        r#"{{"history":[{}],"note":"{}"}}"#,
        (0..40)
            .map(|i| format!(r#""/products/{}""#, i % 4))
            .collect::<Vec<_>>()
            .join(","),
        "la ".repeat(60).trim_end()
    ));
    let small = parse(r#"{"a":1}"#);
    let empty = parse("{}");

    let at = |issued_at| Build::new(&ACTIVE, issued_at, version);
    let signed = at(T0).signed(&auth, false);
    let encrypted = at(T0).encrypted(&auth, false, 1, "encrypted");
    let mut cases = Vec::new();

    // Every mode.
    cases.push(Case {
        encode: true,
        ..Case::new("signed", signed.clone(), "ok").ok(&auth, T0, T0, false)
    });
    cases.push(Case {
        encode: true,
        ..Case::new(
            "signed_unicode_and_numbers",
            at(T0).signed(&unicode, false),
            "ok",
        )
        .ok(&unicode, T0, T0, false)
    });
    cases.push(Case {
        encode: true,
        ..Case::new("signed_empty_object", at(T0).signed(&empty, false), "ok")
            .ok(&empty, T0, T0, false)
    });
    let compressed = at(T0).signed(&compressible, true);
    assert_eq!(bytes_of(&compressed)[1], FLAG_COMPRESSED);
    cases.push(Case {
        compress: true,
        encode: true,
        ..Case::new("signed_compressed", compressed.clone(), "ok").ok(&compressible, T0, T0, false)
    });
    let not_smaller = at(T0).signed(&small, true);
    assert_eq!(bytes_of(&not_smaller)[1], 0);
    cases.push(Case {
        compress: true,
        encode: true,
        ..Case::new("signed_compress_not_worth_it", not_smaller, "ok").ok(&small, T0, T0, false)
    });
    let host = Build {
        purpose: "csrf-login",
        cookie_name: "__Host-session",
        ..at(T0)
    };
    cases.push(Case {
        purpose: "csrf-login".into(),
        cookie_name: "__Host-session".into(),
        encode: true,
        ..Case::new(
            "signed_purpose_and_host_cookie",
            host.signed(&auth, false),
            "ok",
        )
        .ok(&auth, T0, T0, false)
    });
    cases.push(Case {
        max_age: None,
        now: T0 + 10 * 365 * 86_400,
        encode: true,
        ..Case::new("signed_no_max_age_ten_years_later", signed.clone(), "ok")
            .ok(&auth, T0, T0, false)
    });
    cases.push(Case {
        mode: Mode::Encrypted,
        ..Case::new("encrypted", encrypted.clone(), "ok").ok(&auth, T0, T0, false)
    });
    cases.push(Case {
        mode: Mode::Encrypted,
        ..Case::new(
            "encrypted_unicode_and_numbers",
            at(T0).encrypted(&unicode, false, 1, "encrypted_unicode"),
            "ok",
        )
        .ok(&unicode, T0, T0, false)
    });
    cases.push(Case {
        mode: Mode::Encrypted,
        padding: 64,
        ..Case::new(
            "encrypted_padded_64",
            at(T0).encrypted(&auth, false, 64, "encrypted_padded_64"),
            "ok",
        )
        .ok(&auth, T0, T0, false)
    });
    cases.push(Case {
        mode: Mode::Encrypted,
        padding: 256,
        ..Case::new(
            "encrypted_padded_256_empty",
            at(T0).encrypted(&empty, false, 256, "encrypted_padded_256"),
            "ok",
        )
        .ok(&empty, T0, T0, false)
    });
    let encrypted_compressed = at(T0).encrypted(&compressible, true, 1, "encrypted_compressed");
    assert_eq!(
        bytes_of(&encrypted_compressed)[1],
        FLAG_ENCRYPTED | FLAG_COMPRESSED
    );
    cases.push(Case {
        mode: Mode::Encrypted,
        compress: true,
        ..Case::new("encrypted_compressed", encrypted_compressed, "ok").ok(
            &compressible,
            T0,
            T0,
            false,
        )
    });
    cases.push(Case {
        mode: Mode::Encrypted,
        purpose: "csrf-login".into(),
        cookie_name: "__Host-session".into(),
        ..Case::new(
            "encrypted_purpose_and_host_cookie",
            host.encrypted(&auth, false, 1, "encrypted_host"),
            "ok",
        )
        .ok(&auth, T0, T0, false)
    });

    // Rotation.
    let by = |key| Build {
        session_id: session_id("rotation"),
        ..Build::new(key, T0, version)
    };
    cases.push(
        Case::new(
            "rotation_verify_key",
            by(&VERIFY).signed(&auth, false),
            "ok",
        )
        .ok(&auth, T0, T0, true),
    );
    cases.push(Case {
        mode: Mode::Encrypted,
        ..Case::new(
            "rotation_verify_key_encrypted",
            by(&VERIFY).encrypted(&auth, false, 1, "rotation_verify_key_encrypted"),
            "ok",
        )
        .ok(&auth, T0, T0, true)
    });
    cases.push(Case::new(
        "rotation_retired_key",
        by(&RETIRED).signed(&auth, false),
        "bad_signature",
    ));
    cases.push(Case {
        mode: Mode::Encrypted,
        ..Case::new(
            "rotation_retired_key_encrypted",
            by(&RETIRED).encrypted(&auth, false, 1, "rotation_retired_key_encrypted"),
            "bad_signature",
        )
    });
    cases.push(Case::new(
        "unknown_key_id",
        by(&STRANGER).signed(&auth, false),
        "bad_signature",
    ));
    cases.push(Case::new(
        "same_key_id_other_key_bytes",
        by(&IMPOSTOR).signed(&auth, false),
        "bad_signature",
    ));
    cases.push(Case {
        keys: vec![key_line(&IMPOSTOR, "active")],
        ..Case::new(
            "ring_with_other_bytes_for_the_id",
            signed.clone(),
            "bad_signature",
        )
    });

    // Binding to purpose and cookie.
    cases.push(Case {
        purpose: "password-reset".into(),
        ..Case::new("wrong_purpose", signed.clone(), "bad_signature")
    });
    cases.push(Case {
        cookie_name: "__Host-sessionid".into(),
        ..Case::new("wrong_cookie_name", signed.clone(), "bad_signature")
    });
    cases.push(Case {
        mode: Mode::Encrypted,
        cookie_name: "csrftoken".into(),
        ..Case::new(
            "encrypted_wrong_cookie_name",
            encrypted.clone(),
            "bad_signature",
        )
    });
    // The context is length-prefixed: moving a byte between purpose and
    // cookie name changes it.
    let shifted = Build {
        purpose: "sessions",
        cookie_name: "essionid",
        ..at(T0)
    };
    cases.push(Case::new(
        "context_fields_are_length_prefixed",
        shifted.signed(&auth, false),
        "bad_signature",
    ));

    // Idle lifetime and re-issue.
    let max_age = 3_600;
    let idle = |name, now, expect| Case {
        max_age: Some(max_age),
        now,
        ..Case::new(name, signed.clone(), expect)
    };
    cases.push(idle("max_age_half_exactly", T0 + max_age / 2, "ok").ok(&auth, T0, T0, false));
    cases.push(idle("max_age_past_half", T0 + max_age / 2 + 1, "ok").ok(&auth, T0, T0, true));
    cases.push(idle("max_age_boundary", T0 + max_age, "ok").ok(&auth, T0, T0, true));
    cases.push(idle("max_age_expired", T0 + max_age + 1, "expired"));

    // Absolute lifetime through a re-issue: first issued at T0, re-issued
    // at T0 + 86000 with the origin carried over.
    let lifetime = 86_400;
    let reissued = Build {
        origin: T0,
        ..at(T0 + 86_000)
    }
    .signed(&auth, false);
    let absolute = |name, token: &String, now, expect| Case {
        max_age: Some(max_age),
        max_lifetime: Some(lifetime),
        now,
        ..Case::new(name, token.clone(), expect)
    };
    cases.push(Case {
        encode: true,
        ..absolute(
            "lifetime_boundary_after_reissue",
            &reissued,
            T0 + lifetime,
            "ok",
        )
        .ok(&auth, T0 + 86_000, T0, false)
    });
    cases.push(absolute(
        "lifetime_expired_after_reissue",
        &reissued,
        T0 + lifetime + 1,
        "expired",
    ));
    let encrypted_reissued = Build {
        origin: T0,
        ..at(T0 + 86_000)
    }
    .encrypted(&auth, false, 1, "lifetime_encrypted");
    cases.push(Case {
        mode: Mode::Encrypted,
        ..absolute(
            "lifetime_expired_after_reissue_encrypted",
            &encrypted_reissued,
            T0 + lifetime + 1,
            "expired",
        )
    });

    // Clock skew.
    cases.push(Case {
        encode: true,
        ..Case::new("skew_boundary", at(T0 + 60).signed(&auth, false), "ok").ok(
            &auth,
            T0 + 60,
            T0 + 60,
            false,
        )
    });
    cases.push(Case::new(
        "skew_exceeded",
        at(T0 + 61).signed(&auth, false),
        "not_yet_valid",
    ));
    cases.push(Case {
        skew: 0,
        ..Case::new(
            "skew_zero_one_second_ahead",
            at(T0 + 1).signed(&auth, false),
            "not_yet_valid",
        )
    });

    // Tampering: nothing but the exact bytes verifies.
    let id_end = 3 + ACTIVE.id.len();
    let header_end = version.fixed_header_len() + ACTIVE.id.len();
    cases.push(Case::new(
        "tampered_body",
        flip(&signed, at_byte(header_end + 5), 0x20),
        "bad_signature",
    ));
    cases.push(Case::new(
        "tampered_tag",
        flip(&signed, -1, 0x01),
        "bad_signature",
    ));
    cases.push(Case::new(
        "tampered_issued_at",
        flip(&signed, at_byte(id_end + 7), 0x01),
        "bad_signature",
    ));
    cases.push(Case::new(
        "tampered_origin",
        flip(&signed, at_byte(id_end + 15), 0x01),
        "bad_signature",
    ));
    // "2026-11" -> "2026-10": the verify key's id, with the active key's MAC.
    cases.push(Case::new(
        "tampered_key_id_to_other_ring_key",
        flip(&signed, at_byte(id_end - 1), 0x01),
        "bad_signature",
    ));
    cases.push(Case::new(
        "tampered_compressed_flag",
        flip(&signed, 1, FLAG_COMPRESSED),
        "bad_signature",
    ));
    cases.push(Case {
        compress: true,
        ..Case::new(
            "tampered_compressed_flag_cleared",
            flip(&compressed, 1, FLAG_COMPRESSED),
            "bad_signature",
        )
    });
    cases.push(match version {
        // 0x01 -> 0x02: malformed when version 1 was the only one. A reader
        // of both versions takes it as version 2 (its header 16 bytes
        // longer), and the MAC, which covers the version byte, refuses it.
        Version::V1 => Case {
            reader_now: Some("bad_signature"),
            ..Case::new("tampered_version", flip(&signed, 0, 0x03), "malformed")
        },
        // 0x02 -> 0x03: no such version.
        Version::V2 => Case::new("tampered_version_3", flip(&signed, 0, 0x01), "malformed"),
    });
    cases.push(Case::new(
        "tampered_unknown_flag",
        flip(&signed, 1, 0x04),
        "malformed",
    ));
    cases.push(Case::new(
        "tampered_key_id_length",
        flip(&signed, 2, 0x40),
        "malformed",
    ));
    cases.push(Case {
        mode: Mode::Encrypted,
        ..Case::new(
            "tampered_ciphertext",
            flip(&encrypted, at_byte(header_end + 16 + 12 + 3), 0x80),
            "bad_signature",
        )
    });
    cases.push(Case {
        mode: Mode::Encrypted,
        ..Case::new(
            "tampered_salt",
            flip(&encrypted, at_byte(header_end), 0x01),
            "bad_signature",
        )
    });
    cases.push(Case {
        max_age: Some(max_age),
        now: T0 + max_age + 1,
        ..Case::new(
            "tampered_and_expired_is_a_bad_signature",
            flip(&signed, -1, 0x01),
            "bad_signature",
        )
    });
    let bytes = bytes_of(&signed);
    cases.push(Case::new(
        "truncated_by_one_byte",
        text_of(&bytes[..bytes.len() - 1]),
        "bad_signature",
    ));
    cases.push(Case::new(
        "truncated_to_header_and_tag",
        text_of(&bytes[..header_end + 32]),
        "malformed",
    ));
    let mut cut = signed.len() - 1;
    while cut % 4 != 1 {
        cut -= 1;
    }
    cases.push(Case::new(
        "truncated_text_impossible_length",
        signed[..cut].to_owned(),
        "malformed",
    ));
    cases.push(Case::new(
        "extended_by_three_bytes",
        text_of(&[&bytes[..], &[0, 0, 0]].concat()),
        "bad_signature",
    ));
    cases.push(Case::new(
        "extended_with_padding",
        format!("{signed}="),
        "malformed",
    ));
    cases.push(Case::new(
        "extended_with_space",
        format!("{signed} "),
        "malformed",
    ));
    cases.push(Case::new(
        "standard_base64_alphabet",
        format!("{}+{}", &signed[..10], &signed[11..]),
        "malformed",
    ));
    // The text's last character carries bits beyond the last byte; strict
    // decoding wants them zero. Pick a token whose length leaves some.
    let loose = [&signed, &compressed, &encrypted, &reissued]
        .into_iter()
        .find(|t| t.len() % 4 != 0)
        .unwrap();
    let last = loose.as_bytes()[loose.len() - 1];
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let position = alphabet.iter().position(|&c| c == last).unwrap();
    let nonzero = char::from(alphabet[position | 1]);
    let loose_case = Case::new(
        "nonzero_trailing_bits",
        format!("{}{nonzero}", &loose[..loose.len() - 1]),
        "malformed",
    );
    cases.push(if loose.as_str() == compressed.as_str() {
        Case {
            compress: true,
            ..loose_case
        }
    } else if loose.as_str() == encrypted.as_str() {
        Case {
            mode: Mode::Encrypted,
            ..loose_case
        }
    } else {
        loose_case
    });
    cases.push(Case::new("empty", String::new(), "malformed"));

    // The other mode.
    cases.push(Case {
        mode: Mode::Encrypted,
        ..Case::new(
            "signed_token_to_encrypted_decoder",
            signed.clone(),
            "malformed",
        )
    });
    cases.push(Case::new(
        "encrypted_token_to_signed_decoder",
        encrypted.clone(),
        "malformed",
    ));

    // Authentic (the MAC verifies) but structurally or semantically bad.
    let plain = at(T0);
    let auth_json = text(&auth);
    cases.push(Case::new(
        "origin_after_issued_at",
        Build {
            origin: T0 + 1,
            ..at(T0)
        }
        .signed_raw(0, auth_json.as_bytes()),
        "bad_payload",
    ));
    cases.push(Case::new(
        "payload_not_json",
        plain.signed_raw(0, b"user_id=42"),
        "bad_payload",
    ));
    cases.push(Case::new(
        "payload_not_utf8",
        plain.signed_raw(0, b"{\"name\":\"Zo\xeb\"}"),
        "bad_payload",
    ));
    cases.push(Case::new(
        "payload_nested_too_deep",
        plain.signed_raw(
            0,
            format!("{}{}", "[".repeat(200), "]".repeat(200)).as_bytes(),
        ),
        "bad_payload",
    ));
    cases.push(Case::new(
        "compressed_flag_without_zlib",
        plain.signed_raw(FLAG_COMPRESSED, auth_json.as_bytes()),
        "bad_payload",
    ));
    let encrypted_case = |name, token| Case {
        mode: Mode::Encrypted,
        ..Case::new(name, token, "bad_payload")
    };
    cases.push(encrypted_case(
        "encrypted_without_padding_mark",
        plain.encrypted_raw(0, auth_json.as_bytes(), "no_mark", Twist::None),
    ));
    cases.push(encrypted_case(
        "encrypted_padding_all_zero",
        plain.encrypted_raw(0, &[0u8; 16], "all_zero", Twist::None),
    ));
    cases.push(encrypted_case(
        "encrypted_gcm_tag_wrong_under_valid_hmac",
        plain.encrypted_raw(0, &pad(auth_json.as_bytes(), 1), "gcm_tag", Twist::GcmTag),
    ));
    cases.push(encrypted_case(
        "encrypted_aad_without_context",
        plain.encrypted_raw(
            0,
            &pad(auth_json.as_bytes(), 1),
            "aad",
            Twist::AadWithoutContext,
        ),
    ));
    cases.push(Case {
        mode: Mode::Encrypted,
        ..Case::new(
            "encrypted_body_shorter_than_overhead",
            {
                let context = plain.context();
                let mut bytes = plain.header(FLAG_ENCRYPTED);
                bytes.extend_from_slice(&[0x5a; 44]);
                finish(&ACTIVE, &context, bytes)
            },
            "malformed",
        )
    });
    cases.push(Case::new(
        "key_id_empty",
        finish(&ACTIVE, &plain.context(), {
            let mut bytes = header(version, 0, b"", T0, T0, &session_id("standard"));
            bytes.extend_from_slice(auth_json.as_bytes());
            bytes
        }),
        "malformed",
    ));
    cases.push(Case::new(
        "key_id_outside_alphabet",
        finish(&ACTIVE, &plain.context(), {
            let mut bytes = header(version, 0, b"2026.11", T0, T0, &session_id("standard"));
            bytes.extend_from_slice(auth_json.as_bytes());
            bytes
        }),
        "malformed",
    ));
    cases.push(Case::new(
        "key_id_longer_than_32",
        finish(&ACTIVE, &plain.context(), {
            let mut bytes = header(version, 0, &[b'k'; 33], T0, T0, &session_id("standard"));
            bytes.extend_from_slice(auth_json.as_bytes());
            bytes
        }),
        "malformed",
    ));
    if version == Version::V2 {
        cases.extend(version_2_cases(&auth, &empty, &signed, &encrypted));
    }
    cases
}

/// Version 2's own cases: the session id field and the version byte.
fn version_2_cases(auth: &J, empty: &J, signed: &str, encrypted: &str) -> Vec<Case> {
    let at = |issued_at| Build::new(&ACTIVE, issued_at, Version::V2);
    let id_end = 3 + ACTIVE.id.len();
    let times_end = id_end + 16;
    let header_end = times_end + SESSION_ID_LEN;
    assert_eq!(session_id_of(&bytes_of(signed)), session_id("standard"));
    // The id is the writer's: a reader reports it and judges nothing by
    // its value. The MAC covers it, and the AAD in encrypted mode.
    let mut cases = vec![
        Case {
            encode: true,
            ..Case::new(
                "session_id_all_zero",
                Build {
                    session_id: [0; SESSION_ID_LEN],
                    ..at(T0)
                }
                .signed(auth, false),
                "ok",
            )
            .ok(auth, T0, T0, false)
        },
        Case::new(
            "tampered_session_id_first_byte",
            flip(signed, at_byte(times_end), 0x01),
            "bad_signature",
        ),
        Case::new(
            "tampered_session_id_last_byte",
            flip(signed, at_byte(header_end - 1), 0x80),
            "bad_signature",
        ),
        Case {
            mode: Mode::Encrypted,
            ..Case::new(
                "encrypted_tampered_session_id",
                flip(encrypted, at_byte(times_end + 7), 0x10),
                "bad_signature",
            )
        },
    ];
    let plain = at(T0);
    let padded = pad(text(auth).as_bytes(), 1);
    let encrypted_case = |name, token| Case {
        mode: Mode::Encrypted,
        ..Case::new(name, token, "bad_payload")
    };
    cases.push(encrypted_case(
        "encrypted_aad_without_session_id",
        plain.encrypted_raw(0, &padded, "aad_session_id", Twist::AadWithoutSessionId),
    ));
    cases.push(encrypted_case(
        "encrypted_aad_with_version_1",
        plain.encrypted_raw(0, &padded, "aad_version", Twist::AadOtherVersion),
    ));

    // Cut inside the id, or the id made shorter: there is no length field,
    // so a shorter id takes body bytes (and the MAC fails) unless too few
    // bytes are left for a tag (malformed).
    let bytes = bytes_of(signed);
    let tag = &bytes[bytes.len() - TAG_LEN..];
    cases.push(Case::new(
        "truncated_after_origin",
        text_of(&bytes[..times_end]),
        "malformed",
    ));
    cases.push(Case::new(
        "truncated_inside_session_id",
        text_of(&bytes[..times_end + 8]),
        "malformed",
    ));
    cases.push(Case::new(
        "truncated_inside_session_id_then_tag",
        text_of(&[&bytes[..times_end + 8], tag].concat()),
        "malformed",
    ));
    cases.push(Case::new(
        "truncated_to_session_id_and_tag",
        text_of(&[&bytes[..header_end], tag].concat()),
        "malformed",
    ));
    cases.push(Case::new(
        "session_id_shortened_by_8_bytes",
        text_of(&[&bytes[..times_end + 8], &bytes[header_end..]].concat()),
        "bad_signature",
    ));
    cases.push(Case::new(
        "session_id_removed",
        text_of(&[&bytes[..times_end], &bytes[header_end..]].concat()),
        "bad_signature",
    ));

    // The version byte. Relabelled, a token is read with the other
    // version's layout; where that layout still fits, the MAC (which
    // covers the version byte) refuses it: bad_signature. Only a version 1
    // token too short for version 2's 16 more header bytes is malformed.
    cases.push(Case::new(
        "v2_relabelled_as_v1",
        flip(signed, 0, 0x03),
        "bad_signature",
    ));
    cases.push(Case {
        mode: Mode::Encrypted,
        ..Case::new(
            "v2_relabelled_as_v1_encrypted",
            flip(encrypted, 0, 0x03),
            "bad_signature",
        )
    });
    let v1 = Build::new(&ACTIVE, T0, Version::V1);
    let v1_signed = v1.signed(auth, false);
    cases.push(Case::new(
        "v1_relabelled_as_v2",
        flip(&v1_signed, 0, 0x03),
        "bad_signature",
    ));
    let v1_short = v1.signed(empty, false);
    // Too short for version 2's header, one byte of body and the tag.
    let v2_minimum = Version::V2.fixed_header_len() + ACTIVE.id.len() + 1 + TAG_LEN;
    assert!(bytes_of(&v1_short).len() < v2_minimum);
    cases.push(Case::new(
        "v1_short_relabelled_as_v2",
        flip(&v1_short, 0, 0x03),
        "malformed",
    ));

    // Version 1 is still read; its session id is the first 16 bytes of
    // its tag, and its re-issue as version 2 keeps that id and the origin.
    cases.push(Case::new("v1_signed", v1_signed.clone(), "ok").ok(auth, T0, T0, false));
    cases.push(Case {
        mode: Mode::Encrypted,
        ..Case::new(
            "v1_encrypted",
            v1.encrypted(auth, false, 1, "v1_encrypted"),
            "ok",
        )
        .ok(auth, T0, T0, false)
    });
    let derived = session_id_of(&bytes_of(&v1_signed));
    let reissued = Build {
        origin: T0,
        session_id: derived,
        ..at(T0 + 100)
    };
    cases.push(Case {
        now: T0 + 100,
        encode: true,
        ..Case::new(
            "v1_reissued_as_v2_keeps_its_id",
            reissued.signed(auth, false),
            "ok",
        )
        .ok(auth, T0 + 100, T0, false)
    });
    cases
}

/// Version 1's `note`, as published.
const NOTE_V1: &str = "Frozen vectors of docs/FORMAT.md, made by examples/native_vectors.rs and \
     checked against a hand-written implementation of the spec. `keys` are \
     ID:BASE64URLKEY:STATE lines (vector keys, protecting nothing); the other \
     fields configure the decoder; `expect` is the outcome of decoding `token` at \
     `now`; `encode: true` means encoding `payload` with `origin` and `issued_at` \
     gives `token` byte for byte. Frozen: regenerate only with a new version.";

const NOTE_V2: &str = "Frozen vectors of version 2 of docs/FORMAT.md (with a few version 1 \
     tokens, which a reader of version 2 still takes), made by \
     examples/native_vectors.rs and checked against a hand-written implementation \
     of the spec. `keys` are ID:BASE64URLKEY:STATE lines (vector keys, protecting \
     nothing); the other fields configure the decoder; `expect` is the outcome of \
     decoding `token` at `now`; for `ok` cases, `session_id` (32 hex digits) is the \
     session id the decoder reports (a version 1 token's: the first 16 bytes of its \
     tag); `encode: true` means encoding `payload` with `origin`, `session_id` and \
     `issued_at` gives `token` byte for byte. Frozen: regenerate only with a new \
     version.";

/// The cases of `version`'s file, each checked against the codec.
fn checked(version: Version) -> Vec<Case> {
    let cases = cases(version);
    let mut names = std::collections::HashSet::new();
    for case in &cases {
        assert!(names.insert(case.name), "duplicate name {}", case.name);
        case.check();
    }
    cases
}

/// The file's text, as written (pretty JSON and a newline).
fn render(version: Version, cases: &[Case]) -> String {
    let (format, note) = match version {
        Version::V1 => ("session-cookie native v1", NOTE_V1),
        Version::V2 => ("session-cookie native v2", NOTE_V2),
    };
    let file = J::obj([
        ("format", J::from(format)),
        ("note", note.into()),
        (
            "cases",
            J::Arr(cases.iter().map(|case| case.to_json(version)).collect()),
        ),
    ]);
    format!("{}\n", serde_json::to_string_pretty(&file).unwrap())
}

fn counts(cases: &[Case]) -> String {
    let mut counts = std::collections::BTreeMap::new();
    for case in cases {
        *counts.entry(case.expect).or_insert(0) += 1;
    }
    let encode = cases.iter().filter(|case| case.encode).count();
    let by_outcome: Vec<String> = counts.iter().map(|(k, n)| format!("{k} {n}")).collect();
    format!(
        "{} cases ({}; {encode} encode)",
        cases.len(),
        by_outcome.join(", ")
    )
}

fn main() {
    assert_eq!(
        std::env::args().len(),
        1,
        "no arguments: writes version 2's vectors to standard output"
    );
    // Version 1: the same hand-built cases must still be the frozen file.
    let v1 = checked(Version::V1);
    let again = render(Version::V1, &v1);
    if again != FROZEN_V1 {
        let frozen = J::parse(FROZEN_V1).unwrap();
        for (index, case) in v1.iter().enumerate() {
            let published = &frozen["cases"][index];
            assert_eq!(
                case.to_json(Version::V1).to_text(),
                published.to_text(),
                "version 1 case {index} differs from tests/vectors/native.json"
            );
        }
        panic!("version 1's cases are not tests/vectors/native.json");
    }
    eprintln!("version 1: {}, as frozen", counts(&v1));

    let v2 = checked(Version::V2);
    print!("{}", render(Version::V2, &v2));
    eprintln!("version 2: {}", counts(&v2));
}
