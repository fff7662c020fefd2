//! Django's `signing` layout: `[.]PAYLOAD:TIMESTAMP:SIGNATURE`, as written by
//! `django.core.signing.dumps` and the `signed_cookies` session backend
//! (`docs/django.md`).

use std::borrow::Cow;

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Malformed, PayloadError};
use crate::key::Secret;
use crate::sign::signer::Clock;
use crate::sign::{HmacKey, SignerRing, TAG_LEN, Tag, Verified};
use crate::time::{UnixTime, parse_base62, push_base62};

/// The salt of `django.contrib.sessions.backends.signed_cookies`.
pub(crate) const SESSION_SALT: &str = "django.contrib.sessions.backends.signed_cookies";
/// The default salt of `django.core.signing.dumps` and `loads`.
pub(crate) const SIGNING_SALT: &str = "django.core.signing";
/// What Django's `Signer` uses when the salt is empty: its own class path.
const EMPTY_SALT: &str = "django.core.signing.TimestampSigner";

const SEPARATOR_BYTE: u8 = b':';
const SEPARATOR: char = SEPARATOR_BYTE as char;
const COMPRESSED_MARK: char = '.';
/// 32 tag bytes in unpadded base64.
const SIGNATURE_LEN: usize = 43;
const _: () = assert!(SIGNATURE_LEN == (TAG_LEN * 4).div_ceil(3));

/// Django's payload decoder accepts `=` padding and non-zero trailing bits
/// (Python's `base64.urlsafe_b64decode` after re-padding). Both only matter
/// for values that are already authentic.
const PAYLOAD_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The HMAC key of one secret under one salt:
/// `SHA-256(salt || "signer" || secret)` (`django.core.signing.Signer`).
pub(crate) fn derive_key(salt: &str, secret: &Secret) -> HmacKey {
    let salt = if salt.is_empty() { EMPTY_SALT } else { salt };
    let mut digest = Zeroizing::new([0u8; 32]);
    digest.copy_from_slice(
        &Sha256::new()
            .chain_update(salt.as_bytes())
            .chain_update(b"signer")
            .chain_update(secret.expose())
            .finalize(),
    );
    HmacKey::new(digest.as_slice())
}

/// A cookie split into its fields, checked for structure only.
pub(crate) struct Parts<'a> {
    signed: &'a str,
    payload: &'a str,
    compressed: bool,
    timestamp: &'a str,
    tag: Tag,
}

impl<'a> Parts<'a> {
    /// The text the signature covers.
    pub(crate) fn signed(&self) -> &'a [u8] {
        self.signed.as_bytes()
    }

    pub(crate) fn tag(&self) -> &Tag {
        &self.tag
    }

    /// The signing time; only readable once the signature has verified.
    pub(crate) fn timestamp(&self, _proof: Verified) -> Result<UnixTime, PayloadError> {
        self.timestamp_unverified()
    }

    /// The payload bytes (still compressed when [`Parts::compressed`]); only
    /// readable once the signature has verified.
    pub(crate) fn payload(&self, _proof: Verified) -> Result<Vec<u8>, PayloadError> {
        self.payload_unverified()
    }

    /// The signing time as the cookie claims it, for `inspect` only.
    pub(crate) fn timestamp_unverified(&self) -> Result<UnixTime, PayloadError> {
        parse_base62(self.timestamp)
            .map(UnixTime::from_secs)
            .ok_or(PayloadError::Timestamp)
    }

    /// The payload bytes as the cookie carries them, for `inspect` only.
    pub(crate) fn payload_unverified(&self) -> Result<Vec<u8>, PayloadError> {
        PAYLOAD_B64
            .decode(self.payload)
            .map_err(|_| PayloadError::Base64)
    }

    pub(crate) fn compressed(&self) -> bool {
        self.compressed
    }
}

/// Splits a cookie into its three fields and checks their alphabets.
///
/// Django itself splits at the last colon and lets the HMAC reject the rest;
/// checking the structure first refuses junk without computing any HMAC and
/// gives the caller a more precise error. No cookie Django writes is refused.
pub(crate) fn split(cookie: &str) -> Result<Parts<'_>, Malformed> {
    if cookie.is_empty() {
        return Err(Malformed::Empty);
    }
    // Exactly two separators; counted with a vectorised search because the
    // payload is most of the cookie.
    if memchr::memchr_iter(SEPARATOR_BYTE, cookie.as_bytes()).count() != 2 {
        return Err(Malformed::Separators);
    }
    let (signed, signature) = cookie.rsplit_once(SEPARATOR).ok_or(Malformed::Separators)?;
    let (payload_field, timestamp) = signed.rsplit_once(SEPARATOR).ok_or(Malformed::Separators)?;
    let tag = decode_signature(signature).ok_or(Malformed::Signature)?;
    if !Clock::Base62.is_shaped(timestamp) {
        return Err(Malformed::Timestamp);
    }
    let (payload, compressed) = match payload_field.strip_prefix(COMPRESSED_MARK) {
        Some(rest) => (rest, true),
        None => (payload_field, false),
    };
    if !is_payload_text(payload) {
        return Err(Malformed::Payload);
    }
    Ok(Parts {
        signed,
        payload,
        compressed,
        timestamp,
        tag,
    })
}

/// Exactly 43 characters of canonical unpadded base64url: the only text
/// Django's string comparison can accept.
fn decode_signature(text: &str) -> Option<Tag> {
    if text.len() != SIGNATURE_LEN {
        return None;
    }
    let mut tag = [0u8; TAG_LEN];
    match URL_SAFE_NO_PAD.decode_slice(text, &mut tag) {
        Ok(TAG_LEN) => Some(tag),
        _ => None,
    }
}

/// Base64url characters with at most two `=` of padding at the end.
fn is_payload_text(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    // A fold without early exit, so that the compiler vectorises it: the
    // payload is most of the cookie.
    let alphabet = |ok: bool, &b: &u8| {
        ok & (b.is_ascii_lowercase()
            | b.is_ascii_uppercase()
            | b.is_ascii_digit()
            | (b == b'-')
            | (b == b'_'))
    };
    !body.is_empty() && text.len() - body.len() <= 2 && body.as_bytes().iter().fold(true, alphabet)
}

/// Django reads the JSON bytes as Latin-1 text. For the pure-ASCII JSON it
/// writes this changes nothing; for raw UTF-8 written by someone else it
/// gives the same (mojibake) string Django gives.
pub(crate) fn latin1_json(bytes: &[u8]) -> Cow<'_, [u8]> {
    if bytes.is_ascii() {
        return Cow::Borrowed(bytes);
    }
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    Cow::Owned(text.into_bytes())
}

/// The length of the cookie for a payload of `payload_len` bytes signed at
/// `now` (an upper bound by at most one byte: the compression mark).
pub(crate) fn encoded_len(payload_len: usize, now: UnixTime) -> usize {
    let timestamp = 1 + (now.as_secs().unsigned_abs().max(1).ilog(62) as usize) + 1;
    1 + (payload_len * 4).div_ceil(3) + 1 + timestamp + 1 + SIGNATURE_LEN
}

/// Appends a signed cookie for `payload` (already compressed when
/// `compressed`), signed at `now` by the ring's signing key.
pub(crate) fn write(
    out: &mut String,
    payload: &[u8],
    compressed: bool,
    now: UnixTime,
    signer: &SignerRing,
) {
    let start = out.len();
    if compressed {
        out.push(COMPRESSED_MARK);
    }
    URL_SAFE_NO_PAD.encode_string(payload, out);
    out.push(SEPARATOR);
    push_base62(out, now.as_secs());
    let tag = signer.sign(&[out.get(start..).unwrap_or_default().as_bytes()]);
    out.push(SEPARATOR);
    URL_SAFE_NO_PAD.encode_string(tag, out);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked example 1 of `shared/specs/django-signing.md` §6.
    #[test]
    fn worked_example_empty_dict() {
        let secret = Secret::from("django-insecure-pub-7c1f0e9a2b4d4c6e8f0a1b3c5d7e9f11-vectors");
        let ring = SignerRing::new(derive_key(SIGNING_SALT, &secret), Vec::new());
        let mut out = String::new();
        write(
            &mut out,
            b"{}",
            false,
            UnixTime::from_secs(1_700_000_000),
            &ring,
        );
        assert_eq!(
            out,
            "e30:1r31eq:TMBbhb4teavI4BHqfCbpRbnHe5KBuvfcnIIsqMgitk0"
        );
    }

    #[test]
    fn structure_is_checked_field_by_field() {
        let sig = "TMBbhb4teavI4BHqfCbpRbnHe5KBuvfcnIIsqMgitk0";
        let ok = format!("e30:1r31eq:{sig}");
        assert!(split(&ok).is_ok());
        assert!(matches!(split(""), Err(Malformed::Empty)));
        assert!(matches!(split("e30"), Err(Malformed::Separators)));
        assert!(matches!(
            split(&format!("e30:{sig}")),
            Err(Malformed::Separators)
        ));
        assert!(matches!(
            split(&format!("x:e30:1r31eq:{sig}")),
            Err(Malformed::Separators)
        ));
        assert!(matches!(
            split(&format!("{ok}=")),
            Err(Malformed::Signature)
        ));
        assert!(matches!(
            split(&ok[..ok.len() - 1]),
            Err(Malformed::Signature)
        ));
        assert!(matches!(
            split(&format!("e30:1r3$eq:{sig}")),
            Err(Malformed::Timestamp)
        ));
        assert!(matches!(
            split(&format!("e30::{sig}")),
            Err(Malformed::Timestamp)
        ));
        assert!(matches!(
            split(&format!(":1r31eq:{sig}")),
            Err(Malformed::Payload)
        ));
        assert!(matches!(
            split(&format!("e3+:1r31eq:{sig}")),
            Err(Malformed::Payload)
        ));
        assert!(split(&format!(".e30=:1r31eq:{sig}")).is_ok_and(|p| p.compressed()));
    }

    #[test]
    fn latin1_matches_django_mojibake() {
        let raw = "{\"name\":\"é\"}";
        let json = latin1_json(raw.as_bytes());
        assert_eq!(std::str::from_utf8(&json).unwrap(), "{\"name\":\"Ã©\"}");
    }
}
