//! Flask's session cookie layout (itsdangerous `URLSafeTimedSerializer`):
//! `[.]BODY.TIMESTAMP.SIGNATURE`, as written by
//! `SecureCookieSessionInterface` (`docs/flask.md`).

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};

use crate::error::{Malformed, PayloadError};
use crate::key::Secret;
use crate::sign::Verified;
use crate::sign::sha1::{Sha1Key, Sha1Ring, TAG_LEN, Tag};
use crate::sign::signer::Clock;
use crate::time::UnixTime;

/// The salt of Flask's `SecureCookieSessionInterface`.
pub(crate) const SESSION_SALT: &str = "cookie-session";

const SEPARATOR: char = '.';
const COMPRESSED_MARK: char = '.';
/// 20 tag bytes in unpadded base64.
const SIGNATURE_LEN: usize = 27;
const _: () = assert!(SIGNATURE_LEN == (TAG_LEN * 4).div_ceil(3));

/// The payload and timestamp decoder: url-safe alphabet, padding optional,
/// unused low bits ignored. Python's decoder accepts both, and both fields
/// are covered by the signature, so only a key holder can write them.
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// itsdangerous' `hmac` key derivation, as Flask configures it:
/// `DK = HMAC-SHA1(key = secret, msg = salt)`; the cookie's MAC is then
/// `HMAC-SHA1(key = DK, msg = body "." timestamp)`.
pub(crate) fn derive_key(salt: &str, secret: &Secret) -> Sha1Key {
    let derived = zeroize::Zeroizing::new(Sha1Key::new(secret.expose()).tag(&[salt.as_bytes()]));
    Sha1Key::new(derived.as_slice())
}

/// A cookie split into its fields, checked for structure only.
pub(crate) struct Parts<'a> {
    signed: &'a str,
    body: &'a str,
    compressed: bool,
    timestamp: &'a str,
    tag: Tag,
}

impl<'a> Parts<'a> {
    /// The text the signature covers: everything left of the last `.`.
    pub(crate) fn signed(&self) -> &'a [u8] {
        self.signed.as_bytes()
    }

    pub(crate) fn tag(&self) -> &Tag {
        &self.tag
    }

    pub(crate) fn compressed(&self) -> bool {
        self.compressed
    }

    /// The signing time; only readable once the signature has verified.
    pub(crate) fn timestamp(&self, _proof: Verified) -> Option<UnixTime> {
        self.timestamp_unverified()
    }

    /// The body bytes (still compressed when [`Parts::compressed`]); only
    /// readable once the signature has verified.
    pub(crate) fn body(&self, _proof: Verified) -> Result<Vec<u8>, PayloadError> {
        self.body_unverified()
    }

    /// The signing time as the cookie claims it, for `inspect` only, read
    /// as itsdangerous reads it (`Clock::Bytes`).
    pub(crate) fn timestamp_unverified(&self) -> Option<UnixTime> {
        Clock::Bytes.parse(self.timestamp).map(UnixTime::from_secs)
    }

    /// The body bytes as the cookie carries them, for `inspect` only.
    pub(crate) fn body_unverified(&self) -> Result<Vec<u8>, PayloadError> {
        LENIENT_B64
            .decode(self.body)
            .map_err(|_| PayloadError::Base64)
    }
}

/// Splits a cookie from the right, as itsdangerous does (the body itself may
/// start with `.`), and checks each field's alphabet and length.
///
/// itsdangerous hands the signature to Python's lenient base64 decoder;
/// here it must be exactly 27 characters of canonical unpadded base64url,
/// the only form Flask writes (`docs/flask.md`, "The lenient decision").
/// Nothing but the structure is looked at, and no HMAC is computed, before
/// this returns.
pub(crate) fn split(cookie: &str) -> Result<Parts<'_>, Malformed> {
    if cookie.is_empty() {
        return Err(Malformed::Empty);
    }
    let (signed, signature) = cookie.rsplit_once(SEPARATOR).ok_or(Malformed::Separators)?;
    let (body_field, timestamp) = signed.rsplit_once(SEPARATOR).ok_or(Malformed::Separators)?;
    let (body, compressed) = match body_field.strip_prefix(COMPRESSED_MARK) {
        Some(rest) => (rest, true),
        None => (body_field, false),
    };
    if body.contains(SEPARATOR) {
        return Err(Malformed::Separators);
    }
    let tag = decode_signature(signature).ok_or(Malformed::Signature)?;
    if !Clock::Bytes.is_shaped(timestamp) {
        return Err(Malformed::Timestamp);
    }
    if !is_body_text(body) {
        return Err(Malformed::Payload);
    }
    Ok(Parts {
        signed,
        body,
        compressed,
        timestamp,
        tag,
    })
}

/// Whether `text` has Flask's cookie shape: three `.`-separated fields
/// (after an optional leading `.`) whose last one is 27 characters. Used by
/// `inspect` to tell Flask cookies from others before the full check.
pub(crate) fn looks_like(text: &str) -> bool {
    text.rsplit_once(SEPARATOR)
        .is_some_and(|(signed, signature)| {
            signature.len() == SIGNATURE_LEN
                && signed
                    .strip_prefix(COMPRESSED_MARK)
                    .unwrap_or(signed)
                    .matches(SEPARATOR)
                    .count()
                    == 1
        })
}

/// Exactly 27 characters of canonical unpadded base64url (the two unused
/// low bits of the last character zero).
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

fn is_b64url(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'
}

/// Base64url characters with at most two `=` of padding at the end, and a
/// length that can be base64.
fn is_body_text(text: &str) -> bool {
    let body = text.trim_end_matches('=');
    !body.is_empty()
        && text.len() - body.len() <= 2
        && body.len() % 4 != 1
        && body.bytes().all(is_b64url)
}

/// Appends a signed cookie for `body` (already compressed when
/// `compressed`), signed at `now` by the ring's signing key.
///
/// Times before 1970 cannot be written (itsdangerous packs an unsigned
/// number); they are written as 0.
pub(crate) fn write(
    out: &mut String,
    body: &[u8],
    compressed: bool,
    now: UnixTime,
    ring: &Sha1Ring,
) {
    let start = out.len();
    if compressed {
        out.push(COMPRESSED_MARK);
    }
    URL_SAFE_NO_PAD.encode_string(body, out);
    out.push(SEPARATOR);
    push_timestamp(out, u64::try_from(now.as_secs()).unwrap_or(0));
    let tag = ring.sign(&[out.get(start..).unwrap_or_default().as_bytes()]);
    out.push(SEPARATOR);
    URL_SAFE_NO_PAD.encode_string(tag, out);
}

/// The big-endian bytes of `secs` without leading zero bytes, in base64url
/// (itsdangerous' `int_to_bytes`); nothing at all for 0.
fn push_timestamp(out: &mut String, secs: u64) {
    let bytes = secs.to_be_bytes();
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    URL_SAFE_NO_PAD.encode_string(bytes.get(zeros..).unwrap_or_default(), out);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(secs: u64) -> String {
        let mut s = String::new();
        push_timestamp(&mut s, secs);
        s
    }

    /// The table of `shared/specs/flask-session.md` §3.5.
    #[test]
    fn timestamp_table() {
        for (secs, text) in [
            (0, ""),
            (1, "AQ"),
            (255, "_w"),
            (256, "AQA"),
            (1_700_000_000, "ZVPxAA"),
            (4_294_967_295, "_____w"),
            (4_294_967_296, "AQAAAAA"),
            (u64::MAX, "__________8"),
        ] {
            assert_eq!(ts(secs), text);
            let cookie = format!("e30.{text}.{}", "A".repeat(27));
            let parts = split(&cookie).unwrap();
            let read = i64::try_from(secs).unwrap_or(i64::MAX);
            assert_eq!(
                parts.timestamp_unverified(),
                Some(UnixTime::from_secs(read)),
                "{text}"
            );
        }
        // Leading zero bytes are accepted, as itsdangerous left-pads.
        let cookie = format!("e30.AABlU_EA.{}", "A".repeat(27));
        assert_eq!(
            split(&cookie).unwrap().timestamp_unverified(),
            Some(UnixTime::from_secs(1_700_000_000))
        );
    }

    /// Worked example A of `shared/specs/flask-session.md` §7.
    #[test]
    fn worked_example_a() {
        let key = derive_key(SESSION_SALT, &Secret::from("dev-secret"));
        let ring = Sha1Ring::new(key, Vec::new());
        let mut out = String::new();
        write(
            &mut out,
            br#"{"user_id":42}"#,
            false,
            UnixTime::from_secs(1_700_000_000),
            &ring,
        );
        assert_eq!(
            out,
            "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.LIr3YcHFjdrdtQSuFvBzSarrgwM"
        );
    }

    #[test]
    fn structure_is_checked_field_by_field() {
        let sig = "LIr3YcHFjdrdtQSuFvBzSarrgwM";
        let ok = format!("eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.{sig}");
        assert!(split(&ok).is_ok_and(|p| !p.compressed()));
        assert!(split(&format!(".eJyr.ZVPxAA.{sig}")).is_ok_and(|p| p.compressed()));
        assert!(split(&format!("e30..{sig}")).is_ok());
        assert!(matches!(split(""), Err(Malformed::Empty)));
        assert!(matches!(split("e30"), Err(Malformed::Separators)));
        assert!(matches!(
            split(&format!("e30.{sig}")),
            Err(Malformed::Separators)
        ));
        assert!(matches!(
            split(&format!("a.b.c.{sig}")),
            Err(Malformed::Separators)
        ));
        assert!(matches!(
            split(&format!("..e30.x.{sig}")),
            Err(Malformed::Separators)
        ));
        for bad in [
            format!("{ok}="),
            ok[..ok.len() - 1].to_owned(),
            ok.replace("LIr3", "LIr+"),
            ok.replace("rgwM", "rgwN"),
        ] {
            assert!(matches!(split(&bad), Err(Malformed::Signature)), "{bad}");
        }
        for bad in ["ZVPxA", "Z!PxAA", "AAAAAAAAAAAA", "A"] {
            assert!(
                matches!(
                    split(&format!("e30.{bad}.{sig}")),
                    Err(Malformed::Timestamp)
                ),
                "{bad}"
            );
        }
        for bad in ["", ".", "e3+", "e", "e30==="] {
            assert!(
                matches!(
                    split(&format!("{bad}.ZVPxAA.{sig}")),
                    Err(Malformed::Payload | Malformed::Separators)
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn shape_detection() {
        let sig = "LIr3YcHFjdrdtQSuFvBzSarrgwM";
        assert!(looks_like(&format!("e30.ZVPxAA.{sig}")));
        assert!(looks_like(&format!(".eJyr.ZVPxAA.{sig}")));
        assert!(looks_like(&format!("e30..{sig}")));
        assert!(!looks_like(&format!("e30:1r31eq:{sig}")));
        assert!(!looks_like("e30.ZVPxAA.short"));
    }
}
