//! Looking inside a cookie without a key, for debugging and support.
//!
//! # Security
//!
//! Nothing here is verified: an inspection shows what the cookie *claims*.
//! Never make a decision from it; decode with a codec for that. Inflation is
//! still capped, so inspecting a hostile cookie is as safe as decoding one.

use serde_json::value::RawValue;

use crate::codec::{Limits, Mode, SessionId};
use crate::envelope::compress::inflate_capped;
use crate::error::Malformed;
use crate::error::{DecodeError, PayloadError};
use crate::format::django;
use crate::format::native;
use crate::sign::b64;
use crate::sign::signer::{Clock, Fields};
use crate::time::UnixTime;

/// The wire formats this crate can recognise.
///
/// # Examples
///
/// ```
/// assert_eq!(session_cookie::Format::Django.name(), "django");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// `django.core.signing` / `signed_cookies`: `[.]payload:timestamp:signature`.
    Django,
    /// This crate's own format (`docs/FORMAT.md`).
    Native,
    /// Flask's session cookie (itsdangerous): `[.]body.timestamp.signature`.
    #[cfg(feature = "flask")]
    Flask,
}

impl Format {
    /// The lowercase name used by the CLI's `--format`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(session_cookie::Format::Django.name(), "django");
    /// ```
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Django => "django",
            Self::Native => "native",
            #[cfg(feature = "flask")]
            Self::Flask => "flask",
        }
    }
}

/// What a cookie claims, read without a key. **Unverified.**
///
/// # Examples
///
/// ```
/// use session_cookie::{DjangoCodec, Format, SecretKeys, Limits, UnixTime, inspect};
///
/// let codec = DjangoCodec::sessions(&SecretKeys::new("k")?);
/// let cookie = codec.encode_at(&serde_json::json!({"user_id": 7}), UnixTime::from_secs(1_700_000_000))?;
/// let seen = inspect(&cookie, Limits::DEFAULT)?;
/// assert_eq!(seen.format(), Format::Django);
/// assert_eq!(seen.issued_at(), Some(UnixTime::from_secs(1_700_000_000)));
/// assert_eq!(seen.payload_unverified().unwrap().get(), r#"{"user_id":7}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    format: Format,
    native: Option<NativeHeader>,
    compressed: bool,
    issued_at: Option<UnixTime>,
    cookie_len: usize,
    payload_len: Option<usize>,
    json_len: Option<usize>,
    payload: Result<Exact, DecodeError>,
}

/// The payload's JSON text, exactly as the cookie carries it (a
/// `serde_json::Value` would round integers beyond 64 bits and refuse
/// literals beyond `f64`).
#[derive(Debug, Clone)]
struct Exact(Box<RawValue>);

impl PartialEq for Exact {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

fn exact_json(bytes: &[u8]) -> Result<Exact, DecodeError> {
    crate::json::from_slice::<Box<RawValue>>(bytes)
        .map(Exact)
        .map_err(DecodeError::BadPayload)
}

impl Inspection {
    /// The recognised format.
    #[must_use]
    pub fn format(&self) -> Format {
        self.format
    }

    /// The native token's header fields, for native tokens.
    #[must_use]
    pub fn native(&self) -> Option<&NativeHeader> {
        self.native.as_ref()
    }

    /// Whether the payload is marked compressed.
    #[must_use]
    pub fn compressed(&self) -> bool {
        self.compressed
    }

    /// The signing time the cookie claims, when it is readable.
    #[must_use]
    pub fn issued_at(&self) -> Option<UnixTime> {
        self.issued_at
    }

    /// Length of the whole cookie value in bytes.
    #[must_use]
    pub fn cookie_len(&self) -> usize {
        self.cookie_len
    }

    /// Length of the payload after base64 (compressed size when
    /// compressed), when it is readable.
    #[must_use]
    pub fn payload_len(&self) -> Option<usize> {
        self.payload_len
    }

    /// Length of the JSON text, when it is readable.
    #[must_use]
    pub fn json_len(&self) -> Option<usize> {
        self.json_len
    }

    /// The payload the cookie claims to carry. **Unverified**: anyone can
    /// write any payload into a cookie.
    ///
    /// # Errors
    ///
    /// Why the payload could not be read ([`DecodeError::BadPayload`] or
    /// [`DecodeError::TooLarge`]); an encrypted token's payload is never
    /// read ([`PayloadError::Decrypt`](crate::PayloadError::Decrypt)).
    pub fn payload_unverified(&self) -> Result<&RawValue, &DecodeError> {
        self.payload.as_ref().map(|exact| &*exact.0)
    }
}

/// The header of a native token.
///
/// # Examples
///
/// ```
/// use session_cookie::{MasterKey, Mode, NativeCodec, NativeConfig, NativeKeyRing, Limits, inspect};
///
/// let codec = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k7")?), NativeConfig::ENCRYPTED)?;
/// let seen = inspect(&codec.encode(&serde_json::json!({"a": 1}))?, Limits::DEFAULT)?;
/// let header = seen.native().unwrap();
/// assert_eq!((header.version, header.mode, header.key_id.as_str()), (2, Mode::Encrypted, "k7"));
/// assert!(seen.payload_unverified().is_err()); // never decrypted
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NativeHeader {
    /// The format version.
    pub version: u8,
    /// Signed or encrypted.
    pub mode: Mode,
    /// The id of the key that claims to have made it.
    pub key_id: String,
    /// When the session was first issued (`None` beyond the 64-bit range).
    pub first_issued_at: Option<UnixTime>,
    /// The session's id: written in a version 2 token; for version 1, the
    /// first 16 bytes of its tag, as the codec derives it.
    pub session_id: SessionId,
}

/// Reads what `cookie` claims without verifying anything.
///
/// # Errors
///
/// [`DecodeError::TooLarge`] when the cookie is over the length limit, and
/// [`DecodeError::Malformed`] when it is not in any format this crate knows.
///
/// # Security
///
/// The result is unverified; see [`Inspection`]: nothing in it is authenticated.
///
/// # Examples
///
/// ```
/// use session_cookie::{inspect, DecodeError, Limits};
///
/// assert!(matches!(inspect("garbage", Limits::DEFAULT), Err(DecodeError::Malformed(_))));
/// ```
pub fn inspect(cookie: &str, limits: Limits) -> Result<Inspection, DecodeError> {
    limits.check_cookie_len(cookie)?;
    match django::LAYOUT.split(cookie) {
        Ok(fields) => Ok(inspect_serializer(
            cookie,
            &fields,
            django::LAYOUT.clock,
            Format::Django,
            limits,
        )),
        // Three `.`-separated fields ending in a 27-character signature:
        // neither a Django value (no `:`) nor a native token (no `.`).
        #[cfg(feature = "flask")]
        Err(_) if crate::format::flask::looks_like(cookie) => {
            let layout = crate::format::flask::LAYOUT;
            layout
                .split(cookie)
                .map(|fields| {
                    inspect_serializer(cookie, &fields, layout.clock, Format::Flask, limits)
                })
                .map_err(DecodeError::Malformed)
        }
        Err(django_err) => inspect_native(cookie, limits).map_err(|native_err| {
            // Report the Django structure error unless the text is at least
            // base64url, which only the native format uses.
            DecodeError::Malformed(if native_err == Malformed::Encoding {
                django_err
            } else {
                native_err
            })
        }),
    }
}

/// What a Django or Flask value claims: the serializer layout's fields,
/// decoded without a key. Django reads the JSON as Latin-1; Flask's is
/// shown in its tagged wire form, as the cookie carries it.
fn inspect_serializer(
    cookie: &str,
    fields: &Fields<'_>,
    clock: Clock,
    format: Format,
    limits: Limits,
) -> Inspection {
    let raw = b64::decode_lenient(fields.body).ok_or(DecodeError::BadPayload(PayloadError::Base64));
    let payload_len = raw.as_ref().ok().map(Vec::len);
    let json_bytes = raw.and_then(|raw| {
        if fields.compressed {
            inflate_capped(&raw, limits.max_inflated_len())
        } else {
            Ok(raw)
        }
    });
    let json_len = json_bytes.as_ref().ok().map(Vec::len);
    let payload = json_bytes.and_then(|bytes| match format {
        Format::Django => exact_json(&django::latin1_json(&bytes)),
        _ => exact_json(&bytes),
    });
    Inspection {
        format,
        native: None,
        compressed: fields.compressed,
        issued_at: clock.parse(fields.timestamp).map(UnixTime::from_secs),
        cookie_len: cookie.len(),
        payload_len,
        json_len,
        payload,
    }
}

fn inspect_native(cookie: &str, limits: Limits) -> Result<Inspection, Malformed> {
    let bytes = native::decode_text(cookie)?;
    let (token, mode) = match native::parse(&bytes, Mode::Signed) {
        Ok(token) => (token, Mode::Signed),
        Err(Malformed::Mode) => (native::parse(&bytes, Mode::Encrypted)?, Mode::Encrypted),
        Err(err) => return Err(err),
    };
    let time = |secs: u64| i64::try_from(secs).ok().map(UnixTime::from_secs);
    let (payload, json_len) = match mode {
        Mode::Encrypted => (Err(DecodeError::BadPayload(PayloadError::Decrypt)), None),
        Mode::Signed => {
            let json = if token.compressed {
                inflate_capped(token.body, limits.max_inflated_len())
            } else {
                Ok(token.body.to_vec())
            };
            let json_len = json.as_ref().ok().map(Vec::len);
            let payload = json.and_then(|bytes| exact_json(&bytes));
            (payload, json_len)
        }
    };
    Ok(Inspection {
        format: Format::Native,
        native: Some(NativeHeader {
            version: token.version,
            mode,
            key_id: String::from_utf8_lossy(token.key_id).into_owned(),
            first_issued_at: time(token.origin),
            session_id: token.session_id(),
        }),
        compressed: token.compressed,
        issued_at: time(token.issued_at),
        cookie_len: cookie.len(),
        payload_len: Some(token.body.len()),
        json_len,
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DjangoCodec, SecretKeys};

    /// Regression: the unverified payload went through a
    /// `serde_json::Value`, which rounded integers beyond 64 bits (and
    /// refused `1e400`), so `inspect` showed a number the cookie does not hold.
    #[test]
    fn payload_is_exact() {
        let text = r#"{"z":12345678901234567890123,"a":1e400,"f":2.9041626523654343e-83}"#;
        let raw = RawValue::from_string(text.to_owned()).unwrap();
        let codec = DjangoCodec::sessions(&SecretKeys::new("k").unwrap());
        let cookie = codec.encode_at(&raw, UnixTime::from_secs(1)).unwrap();
        let seen = inspect(&cookie, Limits::DEFAULT).unwrap();
        assert_eq!(seen.payload_unverified().unwrap().get(), text);
    }
}
