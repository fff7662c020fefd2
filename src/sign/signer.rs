//! The signing pipeline of the Django and itsdangerous family, in
//! itsdangerous' three layers: a [`Signer`] appends `sep + base64(HMAC)`
//! and verifies it; a [`Timestamped`] signer puts `sep + timestamp` in
//! front of the signature and checks the age after the signature; the
//! [`payload`] codec is the serializer's body (`[.]base64([zlib](data))`).
//! Every dialect (Django's `Signer`, `TimestampSigner`, signed cookies and
//! `signing.dumps`, itsdangerous' signers and serializers, Flask's session)
//! is these layers with its own parameters.

use core::time::Duration;

use super::b64;
use super::mac::{Algorithm, MAX_TAG_LEN, MacKey};
use crate::error::{DecodeError, Malformed, PayloadError};
use crate::time::{AgeRule, UnixTime, is_base62, parse_base62, push_base62};

/// The keyed HMAC states of a secret list, the separator and the digest:
/// itsdangerous' `Signer`, Django's `Signer`.
#[derive(Clone)]
pub(crate) struct Signer {
    algorithm: Algorithm,
    sep: Box<str>,
    signing: MacKey,
    /// Tried after the signing key, in this order, each with the index its
    /// proof reports (its position in the caller's key ring).
    fallbacks: Vec<(MacKey, usize)>,
}

/// Proof that `value` carried a valid signature, and under which key. It
/// borrows the text it verified, so it cannot vouch for any other.
#[derive(Debug)]
pub(crate) struct Signed<'a> {
    value: &'a str,
    key_index: usize,
}

impl<'a> Signed<'a> {
    /// The authentic text left of the signature.
    pub(crate) fn value(&self) -> &'a str {
        self.value
    }

    /// Position of the key that verified: 0 is the signing key.
    pub(crate) fn key_index(&self) -> usize {
        self.key_index
    }
}

impl Signer {
    /// `keys` are HMAC keys already derived, the signing key first;
    /// `keys` never being empty is the caller's [`crate::SecretKeys`]'s rule.
    pub(crate) fn new(
        algorithm: Algorithm,
        sep: &str,
        signing: MacKey,
        fallbacks: Vec<MacKey>,
    ) -> Self {
        let fallbacks = fallbacks.into_iter().zip(1..).collect();
        Self::in_order(algorithm, sep, signing, fallbacks)
    }

    /// As [`Signer::new`], with the fallbacks tried in the order given and
    /// each reporting its own index: Flask tries its list from the end.
    pub(crate) fn in_order(
        algorithm: Algorithm,
        sep: &str,
        signing: MacKey,
        fallbacks: Vec<(MacKey, usize)>,
    ) -> Self {
        Self {
            algorithm,
            sep: sep.into(),
            signing,
            fallbacks,
        }
    }

    pub(crate) fn sep(&self) -> &str {
        &self.sep
    }

    /// `text` split at its last separator. A one-byte separator (every
    /// default: Django's `:`, itsdangerous' `.`) is found with `memrchr`;
    /// a `&str` pattern would build a two-way searcher on every call, which
    /// profiles showed at 5% of a small decode.
    pub(crate) fn rsplit<'a>(&self, text: &'a str) -> Option<(&'a str, &'a str)> {
        match *self.sep.as_bytes() {
            [byte] if byte.is_ascii() => rsplit_byte(text, char::from(byte)),
            _ => text.rsplit_once(&*self.sep),
        }
    }

    /// What signing adds to a value: the separator and the signature.
    pub(crate) fn overhead(&self) -> usize {
        self.sep.len() + self.algorithm.signature_len()
    }

    /// Signs `out[start..]` in place: appends the separator and the
    /// signature of that text.
    pub(crate) fn sign_into(&self, out: &mut String, start: usize) {
        let tag = self
            .signing
            .tag(&[out.get(start..).unwrap_or_default().as_bytes()]);
        out.push_str(&self.sep);
        b64::encode_into(tag.as_bytes(), out);
    }

    /// Splits `signed` at its last separator and checks the signature under
    /// the signing key, then each fallback in order, each comparison in
    /// constant time.
    ///
    /// Only the canonical unpadded base64 of a tag can match: that is the
    /// only text Django's string comparison accepts, and the only text
    /// itsdangerous writes (its lenient decoder would also take padded or
    /// junk-bearing forms of the same tag, which no signer produces).
    pub(crate) fn verify<'a>(&self, signed: &'a str) -> Result<Signed<'a>, DecodeError> {
        let (value, signature) = self
            .rsplit(signed)
            .ok_or(DecodeError::Malformed(Malformed::Separators))?;
        let mut buffer = [0u8; MAX_TAG_LEN];
        let tag = decode_signature(self.algorithm, signature, &mut buffer)
            .ok_or(DecodeError::BadSignature)?;
        let message = [value.as_bytes()];
        if self.signing.verify(&message, tag) {
            return Ok(Signed {
                value,
                key_index: 0,
            });
        }
        self.fallbacks
            .iter()
            .find(|(key, _)| key.verify(&message, tag))
            .map(|&(_, key_index)| Signed { value, key_index })
            .ok_or(DecodeError::BadSignature)
    }
}

/// The tag `text` spells: exactly the canonical unpadded base64 of a tag of
/// `algorithm`'s length, or nothing.
fn decode_signature<'b>(
    algorithm: Algorithm,
    text: &str,
    buffer: &'b mut [u8; MAX_TAG_LEN],
) -> Option<&'b [u8]> {
    let len = algorithm.tag_len();
    if text.len() != algorithm.signature_len() {
        return None;
    }
    match b64::decode_strict_slice(text, buffer) {
        Some(decoded) if decoded == len => buffer.get(..len),
        _ => None,
    }
}

/// Whether [`decode_signature`] would accept `text`, without decoding it
/// (the MAC check decodes it once, later): exactly the tag's length in the
/// base64url alphabet, with the unused low bits of the last character zero,
/// which is what canonical unpadded base64 means at a fixed length.
fn is_signature_text(algorithm: Algorithm, text: &str) -> bool {
    let tag_bits = algorithm.tag_len() * 8;
    let unused_bits = algorithm.signature_len() * 6 - tag_bits;
    let sextet = |b: u8| match b {
        b'A'..=b'Z' => Some(b - b'A'),
        b'a'..=b'z' => Some(b - b'a' + 26),
        b'0'..=b'9' => Some(b - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    };
    let Some((&last, rest)) = text.as_bytes().split_last() else {
        return false;
    };
    text.len() == algorithm.signature_len()
        && all_base64url(rest)
        && sextet(last).is_some_and(|v| v & ((1 << unused_bits) - 1) == 0)
}

/// Whether every byte is in the base64url alphabet: a fold without early
/// exit, so that the compiler vectorises it.
fn all_base64url(bytes: &[u8]) -> bool {
    bytes.iter().fold(true, |ok, &b| {
        ok & (b.is_ascii_lowercase()
            | b.is_ascii_uppercase()
            | b.is_ascii_digit()
            | (b == b'-')
            | (b == b'_'))
    })
}

/// `text` split at the last `sep`, found with the vectorised `memrchr`
/// (core's `rsplit_once(char)` walks bytes). `sep` is ASCII in every
/// layout; another char falls back to `rsplit_once`.
fn rsplit_byte(text: &str, sep: char) -> Option<(&str, &str)> {
    if !sep.is_ascii() {
        return text.rsplit_once(sep);
    }
    let at = memchr::memrchr(sep as u8, text.as_bytes())?;
    // An ASCII byte: both sides of it are char boundaries.
    Some((text.get(..at)?, text.get(at + 1..)?))
}

/// The layout of a timestamped serializer token, `[.]BODY SEP TIMESTAMP SEP
/// SIGNATURE` (Django's `signing.dumps` and sessions, Flask's sessions),
/// checked for structure only, before any HMAC: junk is refused without
/// computing one, and with a precise error. Nothing any signer writes is
/// refused.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Layout {
    pub(crate) sep: char,
    pub(crate) clock: Clock,
    pub(crate) algorithm: Algorithm,
    /// A body whose length is 1 (mod 4) is structure, not content (Flask);
    /// Django's decoder reports it after the signature.
    pub(crate) refuse_impossible_base64: bool,
}

/// A token's fields, as [`Layout::split`] found them.
#[derive(Debug)]
pub(crate) struct Fields<'a> {
    /// The base64 body, without the compression mark.
    pub(crate) body: &'a str,
    pub(crate) compressed: bool,
    pub(crate) timestamp: &'a str,
}

impl Layout {
    /// Splits from the right, as both libraries do (the compression mark may
    /// be the separator itself), and checks each field.
    pub(crate) fn split<'a>(&self, token: &'a str) -> Result<Fields<'a>, Malformed> {
        if token.is_empty() {
            return Err(Malformed::Empty);
        }
        let (signed, signature) = rsplit_byte(token, self.sep).ok_or(Malformed::Separators)?;
        let (body_field, timestamp) = rsplit_byte(signed, self.sep).ok_or(Malformed::Separators)?;
        let (body, compressed) = match body_field.strip_prefix(payload::COMPRESSED_MARK) {
            Some(rest) => (rest, true),
            None => (body_field, false),
        };
        // One pass over the body, which is most of the token: a separator
        // is outside the base64 alphabet, so only a body that fails the
        // alphabet can hold one, and only then is it searched for one (a
        // stray separator is reported before the other fields' faults).
        let body_is_text = self.is_body_text(body);
        if !body_is_text && memchr::memchr(self.sep as u8, body.as_bytes()).is_some() {
            return Err(Malformed::Separators);
        }
        if !is_signature_text(self.algorithm, signature) {
            return Err(Malformed::Signature);
        }
        if !self.clock.is_shaped(timestamp) {
            return Err(Malformed::Timestamp);
        }
        if !body_is_text {
            return Err(Malformed::Payload);
        }
        Ok(Fields {
            body,
            compressed,
            timestamp,
        })
    }

    /// Base64url characters with at most two `=` of padding at the end.
    fn is_body_text(&self, text: &str) -> bool {
        let body = text.trim_end_matches('=');
        !body.is_empty()
            && text.len() - body.len() <= 2
            && !(self.refuse_impossible_base64 && body.len() % 4 == 1)
            && all_base64url(body.as_bytes())
    }
}

/// How a timestamp is written between the value and the signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Clock {
    /// Django: `b62_encode(int(time.time()))`, `-` for times before 1970.
    Base62,
    /// itsdangerous: `base64(int_to_bytes(int(time.time())))`, the
    /// big-endian bytes without leading zeros (nothing at all for 0).
    /// Times before 1970 cannot be packed and are written as 0.
    Bytes,
}

/// A timestamp is at most 8 bytes: 11 characters of unpadded base64.
const MAX_BYTES_TIMESTAMP_LEN: usize = 11;

impl Clock {
    /// Appends the timestamp of `now`: whole seconds truncated towards
    /// zero, as Python's `int(time.time())`.
    pub(crate) fn push(self, out: &mut String, now: UnixTime) {
        let secs = now.trunc_secs();
        match self {
            Self::Base62 => push_base62(out, secs),
            Self::Bytes => {
                let bytes = u64::try_from(secs).unwrap_or(0).to_be_bytes();
                let zeros = bytes.iter().take_while(|&&b| b == 0).count();
                b64::encode_into(bytes.get(zeros..).unwrap_or_default(), out);
            }
        }
    }

    /// The most characters a timestamp of `now` takes.
    /// Counted, not written: an encode reserves its output with it, and a
    /// scratch `String` here was the one allocation of `encode_into`.
    pub(crate) fn len(self, now: UnixTime) -> usize {
        let secs = now.trunc_secs();
        match self {
            Self::Base62 => {
                let mut rest = secs.unsigned_abs();
                let mut digits = 1;
                while rest >= 62 {
                    rest /= 62;
                    digits += 1;
                }
                usize::from(secs < 0) + digits
            }
            Self::Bytes => {
                let value = u64::try_from(secs).unwrap_or(0);
                // Leading zero bytes are dropped; at most 8 bytes remain.
                let bytes = 8 - (value.leading_zeros() / 8) as usize;
                (bytes * 4).div_ceil(3)
            }
        }
    }

    /// Whether `text` has this clock's shape (checked before any HMAC by
    /// the session formats, which know their layout).
    pub(crate) fn is_shaped(self, text: &str) -> bool {
        match self {
            Self::Base62 => is_base62(text),
            // A length of 1 (mod 4) is never valid base64; empty is 0.
            Self::Bytes => {
                text.len() <= MAX_BYTES_TIMESTAMP_LEN
                    && text.len() % 4 != 1
                    && text
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            }
        }
    }

    /// The seconds `text` says, or `None` when it is not a timestamp
    /// (base 62 beyond 64 bits, or more than eight bytes).
    pub(crate) fn parse(self, text: &str) -> Option<i64> {
        match self {
            Self::Base62 => parse_base62(text),
            Self::Bytes => {
                let mut buffer = [0u8; 9];
                if text.len() > MAX_BYTES_TIMESTAMP_LEN + 1 {
                    return None;
                }
                let len = b64::decode_lenient_slice(text, &mut buffer)?;
                // At most eight bytes, left-padded: `struct.unpack(">Q",
                // b.rjust(8, b"\0"))`, which refuses nine even when the
                // first is zero.
                let digits = buffer.get(..len).filter(|d| d.len() <= 8)?;
                let mut bytes = [0u8; 8];
                for (to, from) in bytes.iter_mut().skip(8 - digits.len()).zip(digits) {
                    *to = *from;
                }
                // itsdangerous reads any eight bytes; times past 2^63 - 1
                // seconds (no signer writes them) are the latest time there
                // is: accepted without a maximum age, expired with one.
                Some(i64::try_from(u64::from_be_bytes(bytes)).unwrap_or(i64::MAX))
            }
        }
    }
}

/// A signer that signs `value + sep + timestamp`: itsdangerous' and
/// Django's `TimestampSigner`.
#[derive(Clone)]
pub(crate) struct Timestamped {
    signer: Signer,
    clock: Clock,
    rule: AgeRule,
}

/// What a timestamped signature vouches for.
#[derive(Debug)]
pub(crate) struct Stamped<'a> {
    pub(crate) value: &'a str,
    pub(crate) issued_at: UnixTime,
    pub(crate) key_index: usize,
}

impl Timestamped {
    pub(crate) fn new(signer: Signer, clock: Clock, rule: AgeRule) -> Self {
        Self {
            signer,
            clock,
            rule,
        }
    }

    pub(crate) fn signer(&self) -> &Signer {
        &self.signer
    }

    /// What signing at `now` adds to a value.
    pub(crate) fn overhead(&self, now: UnixTime) -> usize {
        self.signer.sep().len() + self.clock.len(now) + self.signer.overhead()
    }

    /// Signs `out[start..]` at `now` in place.
    pub(crate) fn sign_into(&self, out: &mut String, start: usize, now: UnixTime) {
        out.push_str(self.signer.sep());
        self.clock.push(out, now);
        self.signer.sign_into(out, start);
    }

    /// The signature first, then the timestamp, then the age, as both
    /// Django and itsdangerous check them: a tampered value is a bad
    /// signature whatever its timestamp says. An authentic value (only a key
    /// holder can make one) with no timestamp field is malformed; with a
    /// field that is not a timestamp, a bad payload.
    pub(crate) fn verify_at<'a>(
        &self,
        signed: &'a str,
        now: UnixTime,
        max_age: Option<Duration>,
    ) -> Result<Stamped<'a>, DecodeError> {
        let proof = self.signer.verify(signed)?;
        let (value, timestamp) = self
            .signer
            .rsplit(proof.value())
            .ok_or(DecodeError::Malformed(Malformed::Timestamp))?;
        let issued_at = self
            .clock
            .parse(timestamp)
            .map(UnixTime::from_secs)
            .ok_or(DecodeError::BadPayload(PayloadError::Timestamp))?;
        self.rule.check(issued_at, now, max_age)?;
        Ok(Stamped {
            value,
            issued_at,
            key_index: proof.key_index(),
        })
    }
}

/// A serializer: a timestamped signer over a `[.]base64([zlib](data))`
/// body, with the structure check of its layout when it has a fixed one.
/// This is the one place that orders a serializer token's checks.
#[derive(Clone)]
pub(crate) struct Serializer {
    pub(crate) layout: Option<Layout>,
    pub(crate) signer: Timestamped,
}

impl Serializer {
    /// Appends the token of `data` signed at `now`; `scratch` holds the
    /// compressed bytes.
    pub(crate) fn write(
        &self,
        out: &mut String,
        data: &[u8],
        compress: bool,
        now: UnixTime,
        scratch: &mut Vec<u8>,
    ) {
        let start = out.len();
        out.reserve(1 + data.len().div_ceil(3) * 4 + self.signer.overhead(now));
        payload::write(out, data, compress, scratch);
        self.signer.sign_into(out, start, now);
    }

    /// Length, structure, MAC (constant time, fallbacks in order), clock,
    /// then base64 and zlib with the cap: each step runs only on what the
    /// one before accepted. The data and what the signature vouched for.
    pub(crate) fn open<'a>(
        &self,
        token: &'a str,
        now: UnixTime,
        max_age: Option<Duration>,
        limits: crate::codec::Limits,
    ) -> Result<(Vec<u8>, Stamped<'a>), DecodeError> {
        limits.check_cookie_len(token)?;
        if let Some(layout) = &self.layout {
            layout.split(token).map_err(DecodeError::Malformed)?;
        }
        let stamped = self.signer.verify_at(token, now, max_age)?;
        let data = payload::read(stamped.value, limits.max_inflated_len())?;
        Ok((data, stamped))
    }
}

/// The body of the serializers (`signing.dumps`, itsdangerous'
/// `URLSafeSerializer`): `base64(data)`, or `.` and `base64(zlib(data))`
/// when compression is asked for and saves at least two bytes.
pub(crate) mod payload {
    use crate::envelope::compress::{compress_into_if_smaller, inflate_capped};
    use crate::error::{DecodeError, PayloadError};
    use crate::sign::b64;

    /// Marks a compressed body.
    pub(crate) const COMPRESSED_MARK: char = '.';

    /// Appends the body of `data`; `scratch` holds the compressed bytes.
    pub(crate) fn write(out: &mut String, data: &[u8], compress: bool, scratch: &mut Vec<u8>) {
        if compress && compress_into_if_smaller(data, scratch) {
            out.push(COMPRESSED_MARK);
            b64::encode_into(scratch, out);
        } else {
            b64::encode_into(data, out);
        }
    }

    /// The data of an authentic body, inflating at most `cap` bytes.
    pub(crate) fn read(body: &str, cap: usize) -> Result<Vec<u8>, DecodeError> {
        let (text, compressed) = match body.strip_prefix(COMPRESSED_MARK) {
            Some(rest) => (rest, true),
            None => (body, false),
        };
        let data =
            b64::decode_lenient(text).ok_or(DecodeError::BadPayload(PayloadError::Base64))?;
        if compressed {
            inflate_capped(&data, cap)
        } else {
            Ok(data)
        }
    }
}

impl From<PayloadError> for DecodeError {
    fn from(err: PayloadError) -> Self {
        Self::BadPayload(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::mac::KeyDerivation;

    /// The structure check's signature test accepts exactly what the
    /// strict decoder accepts: every length near a tag's, every byte at
    /// the last position and at the first.
    #[test]
    fn signature_text_check_agrees_with_the_decoder() {
        for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
            let mut good = String::new();
            b64::encode_into(&vec![0xa5; algorithm.tag_len()], &mut good);
            let agree = |text: &str| {
                let mut buffer = [0; MAX_TAG_LEN];
                let decoded = decode_signature(algorithm, text, &mut buffer).is_some();
                assert_eq!(is_signature_text(algorithm, text), decoded, "{text:?}");
            };
            agree(&good);
            agree("");
            for len in good.len().saturating_sub(3)..good.len() + 3 {
                agree(&"A".repeat(len));
            }
            for byte in 0..=127u8 {
                let c = char::from(byte);
                let mut last = good.clone();
                last.pop();
                last.push(c);
                agree(&last);
                let mut first = good.clone();
                first.replace_range(..1, c.encode_utf8(&mut [0; 4]));
                agree(&first);
            }
            agree(&format!("{}\u{e9}", &good[..good.len() - 2]));
        }
    }

    #[test]
    fn rsplit_byte_splits_at_the_last_separator() {
        assert_eq!(rsplit_byte("a:b:c", ':'), Some(("a:b", "c")));
        assert_eq!(rsplit_byte(":", ':'), Some(("", "")));
        assert_eq!(rsplit_byte("abc", ':'), None);
        assert_eq!(
            rsplit_byte("a\u{e9}b\u{e9}", '\u{e9}'),
            Some(("a\u{e9}b", ""))
        );
    }

    fn django_signer(secrets: &[&str]) -> Signer {
        let keys: Vec<MacKey> = secrets
            .iter()
            .map(|s| {
                KeyDerivation::DjangoConcat.derive(
                    Algorithm::Sha256,
                    b"django.core.signing.Signer",
                    s.as_bytes(),
                )
            })
            .collect();
        let mut keys = keys.into_iter();
        let signing = keys.next().unwrap();
        Signer::new(Algorithm::Sha256, ":", signing, keys.collect())
    }

    /// Django 5.2: `Signer(key="secret").sign("hello")`.
    #[test]
    fn django_signer_example() {
        let signer = django_signer(&["secret"]);
        let mut out = "hello".to_owned();
        signer.sign_into(&mut out, 0);
        assert_eq!(out.len(), 5 + signer.overhead());
        let proof = signer.verify(&out).unwrap();
        assert_eq!((proof.value(), proof.key_index()), ("hello", 0));
        let rotated = django_signer(&["new", "secret"]);
        assert_eq!(rotated.verify(&out).unwrap().key_index(), 1);
        assert!(matches!(
            django_signer(&["other"]).verify(&out),
            Err(DecodeError::BadSignature)
        ));
        assert!(matches!(
            signer.verify("hello"),
            Err(DecodeError::Malformed(Malformed::Separators))
        ));
        assert!(matches!(
            signer.verify(&format!("{out}=")),
            Err(DecodeError::BadSignature)
        ));
    }

    /// The counted length is the written length at every digit and byte
    /// boundary, negative times included.
    #[test]
    fn clock_lengths_are_counted_exactly() {
        let mut times = vec![0, 1, -1, i64::MAX, i64::MIN, -i64::MAX];
        let mut power: i64 = 1;
        while let Some(next) = power.checked_mul(62) {
            times.extend([next - 1, next, -(next - 1), -next]);
            power = next;
        }
        for shift in (8..63).step_by(8) {
            times.extend([(1i64 << shift) - 1, 1i64 << shift]);
        }
        for secs in times {
            for clock in [Clock::Base62, Clock::Bytes] {
                let mut text = String::new();
                clock.push(&mut text, UnixTime::from_secs(secs));
                assert_eq!(
                    clock.len(UnixTime::from_secs(secs)),
                    text.len(),
                    "{clock:?} {secs}"
                );
            }
        }
    }

    #[test]
    fn clocks_round_trip() {
        for secs in [0, 1, 255, 256, 1_700_000_000, i64::MAX] {
            for clock in [Clock::Base62, Clock::Bytes] {
                let mut text = String::new();
                clock.push(&mut text, UnixTime::from_secs(secs));
                assert!(clock.is_shaped(&text), "{clock:?} {text}");
                assert_eq!(clock.parse(&text), Some(secs), "{clock:?} {text}");
                assert_eq!(clock.len(UnixTime::from_secs(secs)), text.len());
            }
        }
        // itsdangerous cannot pack negative numbers; 0 is written instead.
        let mut text = String::new();
        Clock::Bytes.push(&mut text, UnixTime::from_secs(-5));
        assert_eq!(text, "");
        // Leading zero bytes are read as `int.from_bytes` reads them.
        assert_eq!(Clock::Bytes.parse("AABlU_EA"), Some(1_700_000_000));
        assert_eq!(
            Clock::Bytes.parse("gAAAAAAAAAA"),
            Some(i64::MAX),
            "2^63 saturates"
        );
        assert_eq!(Clock::Bytes.parse("AQAAAAAAAAAA"), None, "nine bytes");
        assert_eq!(Clock::Bytes.parse("AAAAAAAAAAAA"), None, "nine zero bytes");
        assert_eq!(Clock::Bytes.parse("A"), None);
    }
}
