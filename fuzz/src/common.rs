//! What the targets share: a byte reader that picks the configuration from
//! the input, independent re-implementations of both formats' signing (from
//! `docs/django.md` and `docs/FORMAT.md`, not from the crate) so that a
//! target can make authentic cookies around fuzzed content, an arbitrary
//! JSON value, and JSON comparison that keeps float bits.

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use arbitrary::Arbitrary;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::exact::J;

/// Reads configuration bytes from the front of the input. Past the end it
/// reads zeros, so every input is a complete configuration.
pub struct Reader<'a> {
    data: &'a [u8],
}

impl<'a> Reader<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// The next byte, or 0.
    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((&b, rest)) => {
                self.data = rest;
                b
            }
            None => 0,
        }
    }

    /// The next 8 bytes, little-endian, zero-filled.
    pub fn u64(&mut self) -> u64 {
        let mut buf = [0u8; 8];
        for b in &mut buf {
            *b = self.u8();
        }
        u64::from_le_bytes(buf)
    }

    /// The next `len` bytes (fewer at the end).
    pub fn take(&mut self, len: usize) -> &'a [u8] {
        let (head, rest) = self.data.split_at(len.min(self.data.len()));
        self.data = rest;
        head
    }

    /// A length byte, then that many bytes.
    pub fn short_bytes(&mut self) -> &'a [u8] {
        let len = usize::from(self.u8());
        self.take(len)
    }

    /// Everything left.
    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// Writes what [`Reader`] reads: used to build seed inputs.
#[derive(Default)]
pub struct Writer(pub Vec<u8>);

impl Writer {
    /// Appends one byte.
    pub fn u8(mut self, b: u8) -> Self {
        self.0.push(b);
        self
    }

    /// Appends 8 little-endian bytes.
    pub fn u64(mut self, v: u64) -> Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }

    /// Appends a length byte and the bytes (at most 255).
    pub fn short_bytes(mut self, bytes: &[u8]) -> Self {
        let len = bytes.len().min(255);
        self.0.push(len as u8);
        self.0.extend_from_slice(&bytes[..len]);
        self
    }

    /// Appends bytes as they are.
    pub fn bytes(mut self, bytes: &[u8]) -> Self {
        self.0.extend_from_slice(bytes);
        self
    }
}

/// Picks one of the fixed times, or the raw value: fixed times make the
/// interesting neighbourhoods (now, the epoch, the ends of `i64`) easy to hit.
pub fn pick_time(selector: u8, raw: u64) -> i64 {
    match selector % 8 {
        0 => 1_700_000_000,
        1 => 1_700_000_000 + (raw % 4_000_000) as i64 - 2_000_000,
        2 => 0,
        3 => i64::MAX,
        4 => i64::MIN,
        5 => -1,
        _ => raw as i64,
    }
}

/// Picks an optional maximum age.
pub fn pick_max_age(selector: u8, raw: u64) -> Option<u64> {
    match selector % 6 {
        0 => None,
        1 => Some(1_209_600),
        2 => Some(0),
        3 => Some(u64::MAX),
        4 => Some(raw % 10_000_000),
        _ => Some(raw),
    }
}

/// Django secrets the targets choose from (index by input byte); index
/// `SECRETS.len()` and above means "read the secret from the input".
pub const SECRETS: &[&str] = &[
    "django-insecure-pub-7c1f0e9a2b4d4c6e8f0a1b3c5d7e9f11-vectors",
    "fuzz-secret-one",
    "fuzz-secret-two",
    "k",
];

/// Native master keys the targets choose from (32 bytes each).
pub const MASTER_KEYS: &[[u8; 32]] = &[
    *b"fuzz-master-key-number-one-32-by",
    *b"fuzz-master-key-number-two-32-by",
    *b"fuzz-master-key-number-3--32-byt",
];

/// Key ids matching [`MASTER_KEYS`].
pub const KEY_IDS: &[&str] = &["k1", "2026-11", "old_key"];

/// Django's HMAC key: `SHA-256(salt || "signer" || secret)`, with the empty
/// salt standing for `django.core.signing.TimestampSigner`.
pub fn django_key(salt: &str, secret: &[u8]) -> [u8; 32] {
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
        .into()
}

/// HMAC-SHA256 of the concatenation of `parts`.
pub fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).unwrap_or_else(|_| {
        // HMAC takes any key length.
        unreachable!()
    });
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// Replaces the signature of a Django-shaped text (`signed:SIGNATURE`) with
/// the correct one under `key`; a text without a colon gets one appended.
pub fn django_resign(text: &str, key: &[u8; 32]) -> String {
    let signed = text.rsplit_once(':').map_or(text, |(signed, _)| signed);
    let tag = hmac(key, &[signed.as_bytes()]);
    format!("{signed}:{}", URL_SAFE_NO_PAD.encode(tag))
}

/// `K_mac` and `K_enc` of a native master key (`docs/FORMAT.md` §1).
pub fn native_subkeys(master: &[u8]) -> ([u8; 32], [u8; 32]) {
    let hkdf = Hkdf::<Sha256>::new(None, master);
    let (mut mac, mut enc) = ([0u8; 32], [0u8; 32]);
    let _ = hkdf.expand(b"session-cookie/v1/mac", &mut mac);
    let _ = hkdf.expand(b"session-cookie/v1/enc", &mut enc);
    (mac, enc)
}

/// The native context: label, then length-prefixed purpose and cookie name.
pub fn native_context(purpose: &str, cookie_name: &str) -> Vec<u8> {
    let mut out = b"session-cookie/v1\0".to_vec();
    for field in [purpose, cookie_name] {
        out.push(field.len() as u8);
        out.extend_from_slice(field.as_bytes());
    }
    out
}

/// Encrypts `plaintext` as the body of a native token: `salt || nonce ||
/// ciphertext || gcm tag`, with the header as associated data after the
/// context. The plaintext is used as given, padding included, so a target
/// controls whether the padding is valid.
pub fn native_seal(
    enc: &[u8; 32],
    aad: &[u8],
    salt: &[u8; 16],
    nonce: &[u8; 12],
    plaintext: &[u8],
) -> Vec<u8> {
    let mut key = [0u8; 32];
    if let Ok(prk) = Hkdf::<Sha256>::from_prk(enc) {
        let _ = prk.expand_multi_info(&[b"session-cookie/v1/msg", salt], &mut key);
    }
    let cipher = Aes256Gcm::new(&key.into());
    let mut body = salt.to_vec();
    body.extend_from_slice(nonce);
    let start = body.len();
    body.extend_from_slice(plaintext);
    let nonce = Nonce::from(*nonce);
    let tag = cipher
        .encrypt_inout_detached(&nonce, aad, body[start..].as_mut().into())
        .unwrap_or_default();
    body.extend_from_slice(&tag);
    body
}

/// Appends the native MAC (`HMAC(K_mac, context || bytes)`) and encodes.
pub fn native_finish(mac_key: &[u8; 32], context: &[u8], mut bytes: Vec<u8>) -> String {
    let tag = hmac(mac_key, &[context, &bytes]);
    bytes.extend_from_slice(&tag);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A JSON value as `arbitrary` makes it; numbers of every kind Python may
/// write, strings with any character.
#[derive(Debug, Clone, Arbitrary)]
pub enum ArbValue {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// A signed integer.
    I64(i64),
    /// An unsigned integer.
    U64(u64),
    /// A float (non-finite ones become `null`, as `serde_json` makes them).
    F64(f64),
    /// An integer of any size, as its digits.
    BigInt(bool, Vec<u8>),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<ArbValue>),
    /// An object (duplicate keys: the last value wins, as in a dict).
    Obj(Vec<(String, ArbValue)>),
}

/// Deepest nesting [`ArbValue::to_json`] produces: below `serde_json`'s
/// parse limit of 128, so that every value made can be decoded.
pub const MAX_DEPTH: usize = 100;

impl ArbValue {
    /// The value as exact JSON (every digit kept), nesting cut at
    /// [`MAX_DEPTH`].
    pub fn to_json(&self) -> J {
        self.to_json_at(0)
    }

    fn to_json_at(&self, depth: usize) -> J {
        match self {
            Self::Null => J::Null,
            Self::Bool(b) => J::Bool(*b),
            Self::I64(n) => J::from(*n),
            Self::U64(n) => J::from(*n),
            Self::F64(f) => J::from(*f),
            Self::BigInt(negative, digits) => {
                let mut text: String = digits
                    .iter()
                    .take(400)
                    .map(|d| char::from(b'0' + d % 10))
                    .collect();
                if text.is_empty() {
                    text.push('7');
                }
                let text = text.trim_start_matches('0');
                let text = if text.is_empty() { "0" } else { text };
                J::num(if *negative {
                    format!("-{text}")
                } else {
                    text.to_owned()
                })
            }
            Self::Str(s) => J::Str(s.clone()),
            Self::Arr(items) if depth < MAX_DEPTH => J::Arr(
                items
                    .iter()
                    .map(|item| item.to_json_at(depth + 1))
                    .collect(),
            ),
            Self::Obj(entries) if depth < MAX_DEPTH => J::obj(
                entries
                    .iter()
                    .map(|(key, value)| (key.clone(), value.to_json_at(depth + 1))),
            ),
            Self::Arr(_) | Self::Obj(_) => J::Null,
        }
    }
}

/// A JSON value with numbers made comparable: integers by their digits
/// (`-0` is `0`, as Python reads it), floats by their bits.
#[derive(Debug, PartialEq)]
pub enum Canon {
    /// `null`
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer, as its digits.
    Int(String),
    /// A float, as its bits.
    Float(u64),
    /// A string.
    Str(String),
    /// An array.
    Arr(Vec<Canon>),
    /// An object, in order.
    Obj(Vec<(String, Canon)>),
}

impl Canon {
    /// The same value with every object's entries sorted by key, as
    /// Flask writes them (`sort_keys=True`; Python compares code points,
    /// which is the byte order of UTF-8).
    pub fn sorted(self) -> Self {
        match self {
            Self::Arr(items) => Self::Arr(items.into_iter().map(Self::sorted).collect()),
            Self::Obj(entries) => {
                let mut entries: Vec<(String, Canon)> =
                    entries.into_iter().map(|(k, v)| (k, v.sorted())).collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Self::Obj(entries)
            }
            other => other,
        }
    }
}

/// Whether a number's text is an integer (no fraction, no exponent).
pub fn is_integer_text(text: &str) -> bool {
    !text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E'))
}

/// `value` made comparable; see [`Canon`].
pub fn canon(value: &J) -> Canon {
    match value {
        J::Null => Canon::Null,
        J::Bool(b) => Canon::Bool(*b),
        J::Num(text) => {
            if is_integer_text(text) {
                let digits = text.strip_prefix('-').unwrap_or(text);
                let digits = digits.trim_start_matches('0');
                if digits.is_empty() {
                    Canon::Int("0".to_owned())
                } else if text.starts_with('-') {
                    Canon::Int(format!("-{digits}"))
                } else {
                    Canon::Int(digits.to_owned())
                }
            } else {
                Canon::Float(text.parse::<f64>().map_or(u64::MAX, f64::to_bits))
            }
        }
        J::Str(s) => Canon::Str(s.clone()),
        J::Arr(items) => Canon::Arr(items.iter().map(canon).collect()),
        J::Obj(entries) => Canon::Obj(entries.iter().map(|(k, v)| (k.clone(), canon(v))).collect()),
    }
}

/// The JSON text of a decoded value, exactly, as a tree.
pub fn exact(raw: &serde_json::value::RawValue) -> J {
    J::parse(raw.get()).unwrap_or_else(|err| panic!("decoded JSON does not parse: {err}"))
}

/// The map key that `serde_json`'s `raw_value` feature uses to carry raw
/// JSON through serde: an object with it as a key would be read into a
/// `serde_json::Value` as the JSON text of its string value, so the codecs
/// refuse it (SECURITY.md, "Findings", F1 and F3). (The `Number` token of
/// `arbitrary_precision`, which this crate no longer turns on, is an
/// ordinary key.)
pub const SERDE_TOKENS: [&str; 1] = ["$serde_json::private::RawValue"];

/// Whether `value` has an object with a key of [`SERDE_TOKENS`].
pub fn has_reserved_token(value: &J) -> bool {
    match value {
        J::Arr(items) => items.iter().any(has_reserved_token),
        J::Obj(entries) => entries
            .iter()
            .any(|(k, v)| SERDE_TOKENS.contains(&k.as_str()) || has_reserved_token(v)),
        _ => false,
    }
}

/// How deeply `value` nests (a scalar is 0).
pub fn depth(value: &J) -> usize {
    match value {
        J::Arr(items) => 1 + items.iter().map(depth).max().unwrap_or(0),
        J::Obj(entries) => 1 + entries.iter().map(|(_, v)| depth(v)).max().unwrap_or(0),
        _ => 0,
    }
}
