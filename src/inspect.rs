//! Looking inside a cookie without a key, for debugging and support.
//!
//! # Security
//!
//! Nothing here is verified: an inspection shows what the cookie *claims*.
//! Never make a decision from it; decode with a codec for that. Inflation is
//! still capped, so inspecting a hostile cookie is as safe as decoding one.

use serde_json::Value;

use crate::codec::Limits;
use crate::envelope::compress::inflate_capped;
use crate::error::{DecodeError, SizeLimit};
use crate::format::django;
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
        }
    }
}

/// What a cookie claims, read without a key. **Unverified.**
///
/// # Examples
///
/// ```
/// use session_cookie::{DjangoCodec, Format, KeyRing, Limits, UnixTime, inspect};
///
/// let codec = DjangoCodec::sessions(&KeyRing::new("k")?);
/// let cookie = codec.encode_at(&serde_json::json!({"user_id": 7}), UnixTime::from_secs(1_700_000_000))?;
/// let seen = inspect(&cookie, Limits::DEFAULT)?;
/// assert_eq!(seen.format(), Format::Django);
/// assert_eq!(seen.issued_at(), Some(UnixTime::from_secs(1_700_000_000)));
/// assert_eq!(seen.payload_unverified().unwrap(), &serde_json::json!({"user_id": 7}));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Inspection {
    format: Format,
    compressed: bool,
    issued_at: Option<UnixTime>,
    cookie_len: usize,
    payload_len: Option<usize>,
    json_len: Option<usize>,
    payload: Result<Value, DecodeError>,
}

impl Inspection {
    /// The recognised format.
    #[must_use]
    pub fn format(&self) -> Format {
        self.format
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
    /// [`DecodeError::TooLarge`]).
    pub fn payload_unverified(&self) -> Result<&Value, &DecodeError> {
        self.payload.as_ref()
    }
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
/// The result is unverified; see the [module docs](self).
///
/// # Examples
///
/// ```
/// use session_cookie::{inspect, DecodeError, Limits};
///
/// assert!(matches!(inspect("garbage", Limits::DEFAULT), Err(DecodeError::Malformed(_))));
/// ```
pub fn inspect(cookie: &str, limits: Limits) -> Result<Inspection, DecodeError> {
    if cookie.len() > limits.max_cookie_len() {
        return Err(DecodeError::TooLarge {
            what: SizeLimit::Cookie,
            limit: limits.max_cookie_len(),
        });
    }
    let parts = django::split(cookie).map_err(DecodeError::Malformed)?;
    let raw = parts.payload_unverified();
    let payload_len = raw.as_ref().ok().map(Vec::len);
    let json_bytes = raw.map_err(DecodeError::BadPayload).and_then(|raw| {
        if parts.compressed() {
            inflate_capped(&raw, limits.max_inflated_len())
        } else {
            Ok(raw)
        }
    });
    let json_len = json_bytes.as_ref().ok().map(Vec::len);
    let payload = json_bytes.and_then(|bytes| {
        crate::json::from_slice::<Value>(&django::latin1_json(&bytes))
            .map_err(DecodeError::BadPayload)
    });
    Ok(Inspection {
        format: Format::Django,
        compressed: parts.compressed(),
        issued_at: parts.timestamp_unverified().ok(),
        cookie_len: cookie.len(),
        payload_len,
        json_len,
        payload,
    })
}
