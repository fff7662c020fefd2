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
/// use session_cookie::{DecodeError, DjangoCodec, SecretKeys};
///
/// let codec = DjangoCodec::sessions(&SecretKeys::new("secret")?);
/// let err = codec.decode_session("not-a-cookie").unwrap_err();
/// assert!(matches!(err, DecodeError::Malformed(_)));
/// assert_eq!(err.kind(), "malformed");
/// # Ok::<(), session_cookie::KeyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeError {
    /// The value does not have the format's structure (separators, field
    /// lengths, alphabet). Nothing was verified, except for a timestamp
    /// signer's authentic value without a timestamp field
    /// ([`Malformed::Timestamp`]), which only a key holder can make.
    Malformed(Malformed),
    /// The structure is right, but no key in the ring verifies the signature.
    BadSignature,
    /// Authentic, but older than the maximum age (or, in the native format,
    /// than the absolute lifetime counted from the first issue).
    Expired {
        /// Seconds between signing (or first issue) and the time of decoding;
        /// negative when the cookie claims to be issued in the future, which
        /// the Flask format counts as expired.
        age: i64,
        /// The maximum that was enforced, in seconds.
        max_age: u64,
    },
    /// Authentic, but issued further in the future than the allowed clock
    /// skew (native format).
    NotYetValid {
        /// Seconds between the time of decoding and the issue time.
        ahead: i64,
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
    /// `malformed`, `bad-signature`, `expired`, `not-yet-valid`, `too-large` or
    /// `bad-payload`.
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
            Self::NotYetValid { .. } => "not-yet-valid",
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
            Self::Expired { age, max_age } if *age < 0 => {
                write!(
                    f,
                    "signature age {age} < 0 seconds (issued in the future; max age {max_age})"
                )
            }
            Self::Expired { age, max_age } => {
                write!(f, "signature age {age} > {max_age} seconds")
            }
            Self::NotYetValid { ahead } => {
                write!(
                    f,
                    "issued {ahead} seconds in the future, beyond the allowed skew"
                )
            }
            Self::TooLarge { what, limit } => write!(f, "{what} exceeds {limit} bytes"),
            Self::BadPayload(why) => write!(f, "the signed payload does not decode: {why}"),
        }
    }
}

impl std::error::Error for DecodeError {}

impl std::error::Error for PayloadError {}

/// What is structurally wrong with a cookie value.
///
/// # Examples
///
/// ```
/// use session_cookie::{DecodeError, DjangoCodec, SecretKeys, Malformed};
///
/// let codec = DjangoCodec::sessions(&SecretKeys::new("secret")?);
/// let err = codec.decode_session("").unwrap_err();
/// assert_eq!(err, DecodeError::Malformed(Malformed::Empty));
/// # Ok::<(), session_cookie::KeyError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Malformed {
    /// The value is empty.
    Empty,
    /// The value does not have the format's number of separators (a
    /// signer's value: no separator at all).
    Separators,
    /// The signature field has the wrong length or is not canonical base64url.
    Signature,
    /// The timestamp field is empty or has characters outside its alphabet;
    /// or (a timestamp signer, after its signature verified) there is no
    /// timestamp field at all.
    Timestamp,
    /// The payload field is empty or has characters outside base64url.
    Payload,
    /// The token is not strict unpadded base64url (native format).
    Encoding,
    /// The token's version is not one this crate reads (native format).
    Version,
    /// The token's mode (signed or encrypted) is not the codec's, or its
    /// flags are unknown (native format).
    Mode,
    /// The token is shorter than its fixed parts, or its key id is invalid
    /// (native format).
    Length,
}

impl fmt::Display for Malformed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "the value is empty",
            Self::Separators => "wrong number of separators",
            Self::Signature => "the signature field is not a canonical base64url tag",
            Self::Timestamp => "the timestamp field is not valid",
            Self::Payload => "the payload field is not base64url",
            Self::Encoding => "the token is not strict unpadded base64url",
            Self::Version => "unknown token version",
            Self::Mode => "the token's mode or flags do not match this codec",
            Self::Length => "the token's header or length is not valid",
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
    /// The ciphertext does not decrypt, or its padding is wrong.
    Decrypt,
    /// The first-issue time is after the issue time.
    Origin,
    /// A Flask tagged value (`{" t": …}`, `{" b": …}`, …) does not load
    /// (Flask format).
    Tag,
    /// An object is keyed by `serde_json`'s private `RawValue` token
    /// (`$serde_json::private::RawValue`), which it would read as raw JSON
    /// instead of as a map.
    ReservedKey,
    /// The value holds a number that a `serde_json::Value` could only
    /// round (an integer beyond 64 bits, or a literal beyond `f64`); read
    /// it as `u128`/`i128` or as its JSON text instead.
    Inexact,
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
            Self::Decrypt => f.write_str("the ciphertext does not decrypt"),
            Self::Origin => f.write_str("the first-issue time is after the issue time"),
            Self::Tag => f.write_str("a Flask tagged value does not load"),
            Self::ReservedKey => f.write_str("an object is keyed by a reserved serde_json token"),
            Self::Inexact => f.write_str(
                "a number does not fit a serde_json::Value exactly (read it as u128/i128 or as text)",
            ),
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
/// use session_cookie::{DjangoCodec, EncodeError, SecretKeys};
///
/// let codec = DjangoCodec::sessions(&SecretKeys::new("secret")?);
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
    /// `name=value` would exceed the cookie size budget.
    TooLarge {
        /// Length `name=value` would have, in bytes.
        len: usize,
        /// The configured budget, in bytes.
        limit: usize,
        /// The top-level session keys with the largest values, largest
        /// first (at most three), to show what to move out of the session.
        largest_keys: Vec<String>,
    },
    /// The operating system's random source failed.
    Random,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Serialize(err) => write!(f, "the value cannot be written as JSON: {err}"),
            Self::TooLarge {
                len,
                limit,
                largest_keys,
            } => {
                write!(
                    f,
                    "the cookie would be {len} bytes, over the limit of {limit} bytes"
                )?;
                for (i, key) in largest_keys.iter().enumerate() {
                    let lead = if i == 0 {
                        "; largest session keys: "
                    } else {
                        ", "
                    };
                    write!(f, "{lead}{}", Escaped(key))?;
                }
                Ok(())
            }
            Self::Random => f.write_str("the operating system's random source failed"),
        }
    }
}

impl std::error::Error for EncodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Serialize(err) => Some(err),
            Self::TooLarge { .. } | Self::Random => None,
        }
    }
}

/// Why a key, key ring or codec configuration was refused.
///
/// # Examples
///
/// ```
/// use session_cookie::{KeyError, SecretKeys};
///
/// assert_eq!(SecretKeys::new("").unwrap_err(), KeyError::Empty);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyError {
    /// The key has no bytes.
    Empty,
    /// The key is too weak to protect anything.
    Weak(WeakKey),
    /// A key id is empty, longer than 32 characters, or has characters
    /// outside `A-Z a-z 0-9 _ -`.
    InvalidId,
    /// A key state is not `active`, `verify` or `retired`.
    InvalidState,
    /// A line of a key-ring text is not `ID:BASE64URLKEY[:STATE]`.
    InvalidLine {
        /// The 1-based line number (the content is never repeated).
        line: usize,
    },
    /// Two keys in one ring have the same id.
    DuplicateId,
    /// A ring must have exactly one active key.
    ActiveCount,
    /// The operating system's random source failed.
    Random,
    /// A purpose or cookie name is empty or longer than 255 bytes.
    InvalidContext,
    /// A signer's separator could occur inside its own signature: empty,
    /// or made only of base64url characters and `=` (Django), or a part of
    /// the base64 alphabet (itsdangerous).
    UnsafeSeparator,
    /// Not the name of a digest: `sha1`, `sha256` or `sha512`.
    UnknownAlgorithm,
    /// Not the name of a key derivation: `django-concat`, `concat`, `hmac`
    /// or `none`.
    UnknownKeyDerivation,
    /// A key ring's environment variable or file cannot be read, or is not
    /// UTF-8 text.
    Unreadable {
        /// Which variable or file (never its content).
        source: String,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Empty => f.write_str("the key is empty"),
            Self::Weak(why) => write!(f, "the key is weak: {why}"),
            Self::InvalidId => {
                f.write_str("a key id must be 1 to 32 characters of A-Z a-z 0-9 _ -")
            }
            Self::InvalidState => f.write_str("a key state must be active, verify or retired"),
            Self::InvalidLine { line } => {
                write!(f, "line {line} is not ID:BASE64URLKEY[:STATE]")
            }
            Self::DuplicateId => f.write_str("two keys have the same id"),
            Self::ActiveCount => f.write_str("a key ring needs exactly one active key"),
            Self::Random => f.write_str("the operating system's random source failed"),
            Self::Unreadable { source } => {
                write!(f, "cannot read the key ring from {}", Escaped(source))
            }
            Self::InvalidContext => {
                f.write_str("the purpose and cookie name must be 1 to 255 bytes")
            }
            Self::UnsafeSeparator => {
                f.write_str("the separator cannot be empty or made of base64url characters and '='")
            }
            Self::UnknownAlgorithm => f.write_str("expected sha1, sha256 or sha512"),
            Self::UnknownKeyDerivation => {
                f.write_str("expected django-concat, concat, hmac or none")
            }
        }
    }
}

impl std::error::Error for KeyError {}

/// Why a master key was judged weak.
///
/// # Examples
///
/// ```
/// use session_cookie::{KeyError, MasterKey, WeakKey};
///
/// let err = MasterKey::new("k", b"too short".to_vec()).unwrap_err();
/// assert_eq!(err, KeyError::Weak(WeakKey::TooShort));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WeakKey {
    /// Fewer than 32 bytes.
    TooShort,
    /// Every byte is the same.
    Repetitive,
    /// The key is printed in this crate's documentation.
    Published,
}

impl fmt::Display for WeakKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::TooShort => "shorter than 32 bytes",
            Self::Repetitive => "every byte is the same",
            Self::Published => "it is printed in public documentation",
        })
    }
}

/// Text from a session or a configuration, quoted in a message with every
/// character that could act on a terminal or a log viewer escaped (C0 and C1
/// controls, DEL, bidirectional and zero-width formatting characters): a
/// session key from an old cookie must not be able to write `ESC ... BEL`
/// into an operator's terminal.
pub(crate) struct Escaped<'a>(pub(crate) &'a str);

impl fmt::Display for Escaped<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars() {
            let formatting = matches!(
                c,
                '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}'
            );
            if c.is_control() || formatting {
                write!(f, "{}", c.escape_unicode())?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod escape_tests {
    use super::*;

    #[test]
    fn messages_escape_what_could_act_on_a_terminal() {
        let err = EncodeError::TooLarge {
            len: 5000,
            limit: 4096,
            largest_keys: vec!["\u{1b}]0;owned\u{7}".to_owned(), "ok\u{202e}txt".to_owned()],
        };
        let text = err.to_string();
        assert!(
            !text.chars().any(|c| c.is_control() || c == '\u{202e}'),
            "{text}"
        );
        assert!(
            text.ends_with(r"keys: \u{1b}]0;owned\u{7}, ok\u{202e}txt"),
            "{text}"
        );
    }
}
