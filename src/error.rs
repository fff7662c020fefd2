//! One error type per direction: [`DecodeError`] for reading a cookie,
//! [`EncodeError`] for writing one, and [`KeyError`] for building keys.
//!
//! # Security
//!
//! No message carries bytes of the cookie, a signature, or key material.
//! Errors about time ([`DecodeError::Expired`]) exist only after the
//! signature has verified, so the numbers they carry are authentic.

use core::fmt;

/// Why a cookie value was refused.
///
/// The variants follow the order in which decoding checks a cookie: size,
/// structure, signature, age, then the content. [`DecodeError::kind`] gives
/// the stable one-word name that the CLI prints.
///
/// # Examples
///
/// ```
/// use session_cookie::{DecodeError, DjangoCodec, KeyRing};
///
/// let codec = DjangoCodec::sessions(&KeyRing::new("secret")?);
/// let err = codec.decode_session("not-a-cookie").unwrap_err();
/// assert!(matches!(err, DecodeError::Malformed(_)));
/// assert_eq!(err.kind(), "malformed");
/// # Ok::<(), session_cookie::KeyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The value does not have the format's structure (separators, field
    /// lengths, alphabet). Nothing was verified.
    Malformed(Malformed),
    /// The structure is right, but no key in the ring verifies the signature.
    BadSignature,
    /// Authentic, but older than the maximum age.
    Expired {
        /// Seconds between signing and the time of decoding.
        age: i64,
        /// The maximum age that was enforced, in seconds.
        max_age: u64,
    },
    /// The cookie, or its inflated payload, exceeds a configured limit.
    TooLarge {
        /// Which limit was hit.
        what: SizeLimit,
        /// The limit, in bytes.
        limit: usize,
    },
    /// Authentic, but the content does not decode (timestamp, base64,
    /// compression or JSON).
    BadPayload(PayloadError),
}

impl DecodeError {
    /// The stable one-word name of the error, as printed by the CLI:
    /// `malformed`, `bad-signature`, `expired`, `too-large` or `bad-payload`.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(session_cookie::DecodeError::BadSignature.kind(), "bad-signature");
    /// ```
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::BadSignature => "bad-signature",
            Self::Expired { .. } => "expired",
            Self::TooLarge { .. } => "too-large",
            Self::BadPayload(_) => "bad-payload",
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(why) => write!(f, "the cookie is not well formed: {why}"),
            Self::BadSignature => f.write_str("no key verifies the signature"),
            Self::Expired { age, max_age } => {
                write!(f, "signature age {age} > {max_age} seconds")
            }
            Self::TooLarge { what, limit } => write!(f, "{what} exceeds {limit} bytes"),
            Self::BadPayload(why) => write!(f, "the signed payload does not decode: {why}"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// What is structurally wrong with a cookie value.
///
/// # Examples
///
/// ```
/// use session_cookie::{DecodeError, DjangoCodec, KeyRing, Malformed};
///
/// let codec = DjangoCodec::sessions(&KeyRing::new("secret")?);
/// let err = codec.decode_session("").unwrap_err();
/// assert_eq!(err, DecodeError::Malformed(Malformed::Empty));
/// # Ok::<(), session_cookie::KeyError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// The value is empty.
    Empty,
    /// The value does not have the format's number of separators.
    Separators,
    /// The signature field has the wrong length or is not canonical base64url.
    Signature,
    /// The timestamp field is empty or has characters outside its alphabet.
    Timestamp,
    /// The payload field is empty or has characters outside base64url.
    Payload,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "the value is empty",
            Self::Separators => "wrong number of separators",
            Self::Signature => "the signature field is not a canonical base64url tag",
            Self::Timestamp => "the timestamp field is not valid",
            Self::Payload => "the payload field is not base64url",
        })
    }
}

/// Which size limit a cookie ran into.
///
/// # Examples
///
/// ```
/// use session_cookie::SizeLimit;
///
/// assert_eq!(SizeLimit::Inflated.to_string(), "the inflated payload");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SizeLimit {
    /// The length of the cookie value, checked before anything else.
    Cookie,
    /// The size of the payload after decompression.
    Inflated,
}

impl fmt::Display for SizeLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Cookie => "the cookie value",
            Self::Inflated => "the inflated payload",
        })
    }
}

/// Why an authentic payload did not decode.
///
/// # Examples
///
/// ```
/// use session_cookie::PayloadError;
///
/// assert_eq!(PayloadError::Zlib.to_string(), "not a valid zlib stream");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PayloadError {
    /// The timestamp does not fit in 64 bits.
    Timestamp,
    /// The payload is not base64.
    Base64,
    /// The payload is marked compressed but is not a complete zlib stream.
    Zlib,
    /// The payload is not JSON, or nests deeper than the parser allows.
    Json {
        /// Line of the first error (1-based), without echoing the content.
        line: usize,
        /// Column of the first error (1-based).
        column: usize,
    },
    /// The JSON does not have the shape of the requested type.
    Shape {
        /// Line of the first error (1-based), without echoing the content.
        line: usize,
        /// Column of the first error (1-based).
        column: usize,
    },
}

impl PayloadError {
    /// Classifies a `serde_json` error by position only: its own message may
    /// quote the session's content, which must not leak into logs.
    pub(crate) fn from_json(err: &serde_json::Error) -> Self {
        let (line, column) = (err.line(), err.column());
        match err.classify() {
            serde_json::error::Category::Data => Self::Shape { line, column },
            _ => Self::Json { line, column },
        }
    }
}

impl fmt::Display for PayloadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Timestamp => f.write_str("the timestamp is out of range"),
            Self::Base64 => f.write_str("not valid base64"),
            Self::Zlib => f.write_str("not a valid zlib stream"),
            Self::Json { line, column } => {
                write!(f, "not valid JSON (line {line}, column {column})")
            }
            Self::Shape { line, column } => write!(
                f,
                "the JSON does not match the requested type (line {line}, column {column})"
            ),
        }
    }
}

/// Why a value could not be turned into a cookie.
///
/// # Examples
///
/// ```
/// use std::collections::HashMap;
/// use session_cookie::{DjangoCodec, EncodeError, KeyRing};
///
/// let codec = DjangoCodec::sessions(&KeyRing::new("secret")?);
/// // JSON objects need string keys.
/// let bad: HashMap<Vec<u8>, u8> = HashMap::from([(vec![1], 1)]);
/// assert!(matches!(codec.encode(&bad), Err(EncodeError::Serialize(_))));
/// # Ok::<(), session_cookie::KeyError>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum EncodeError {
    /// The value cannot be written as JSON.
    Serialize(serde_json::Error),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Serialize(err) => write!(f, "the value cannot be written as JSON: {err}"),
        }
    }
}

impl std::error::Error for EncodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Serialize(err) => Some(err),
        }
    }
}

/// Why a key or key ring was refused.
///
/// # Examples
///
/// ```
/// use session_cookie::{KeyError, KeyRing};
///
/// assert_eq!(KeyRing::new("").unwrap_err(), KeyError::Empty);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The key has no bytes.
    Empty,
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the key is empty"),
        }
    }
}

impl std::error::Error for KeyError {}
