//! The codecs users hold. This is the only place that decides the order of
//! each pipeline; the formats below only know their layouts.

mod django;
#[cfg(feature = "flask")]
mod flask;
mod lineage;
mod native;
mod session_codec;
mod usage;

use std::cell::RefCell;

use serde::Serialize;

use crate::error::{DecodeError, SizeLimit};
use crate::session::Session;
use crate::time::UnixTime;

pub use django::{DJANGO_SESSION_COOKIE_AGE, DjangoCodec, DjangoConfig};
#[cfg(feature = "flask")]
pub use flask::{FLASK_SESSION_LIFETIME, FlaskCodec, FlaskConfig};
pub use lineage::{Lineage, ParseSessionIdError, SessionId};
pub use native::{KeyUsage, MAX_TOKEN_BYTES, Mode, NativeCodec, NativeConfig};
pub use session_codec::{Codec, Migrating};

/// The most bytes of `name=value` a browser keeps in one cookie (RFC 6265
/// §6.1 asks for at least 4096; Chromium and Firefox keep exactly that): the
/// native format's default budget and the session layer's chunk size.
pub const BROWSER_COOKIE_LIMIT: usize = 4096;

/// What the Django and native codecs sign: any `Serialize` value, written
/// through serde ([`Serde`]), or a [`Session`], which writes itself (the
/// path of [`Codec::encode_at`], which every framework adapter takes).
pub(crate) trait Payload {
    /// Appends the payload's JSON: Python's compact form, in the value's
    /// own key order.
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error>;

    /// The (at most three) top-level keys whose entries take the most JSON
    /// bytes, largest first, for [`crate::EncodeError::TooLarge`].
    fn largest_keys(&self) -> Vec<String>;
}

/// A `Serialize` value as a [`Payload`].
pub(crate) struct Serde<'a, T: ?Sized>(pub(crate) &'a T);

impl<T: Serialize + ?Sized> Payload for Serde<'_, T> {
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        crate::json::write_payload(out, self.0)
    }

    fn largest_keys(&self) -> Vec<String> {
        match crate::json::py::to_py(self.0) {
            Ok(crate::json::py::Py::Dict(entries)) => Session::from_values(entries).largest_keys(),
            _ => Vec::new(),
        }
    }
}

impl Payload for Session {
    fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        self.write_payload(out)
    }

    fn largest_keys(&self) -> Vec<String> {
        Session::largest_keys(self)
    }
}

/// Reusable byte buffers for the intermediate steps of an encode: the
/// JSON, its compressed form, and a binary token.
#[derive(Default)]
pub(crate) struct Scratch {
    pub(crate) json: Vec<u8>,
    pub(crate) bytes: Vec<u8>,
    pub(crate) token: Vec<u8>,
}

/// Larger buffers are released after use rather than kept per thread.
const SCRATCH_KEEP: usize = 64 * 1024;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch buffers, empty, so that encoding
/// allocates nothing but its output once the buffers have grown. The
/// buffers are wiped afterwards: they held the session in clear.
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let result = f(&mut scratch);
            let Scratch { json, bytes, token } = &mut *scratch;
            for buffer in [json, bytes, token] {
                // A plain fill is a memset, many times faster than zeroize's
                // byte-wise volatile writes, and the compiler cannot drop
                // it: the buffer stays reachable through the thread-local.
                // Every use wipes what it wrote, so no old bytes remain in
                // the spare capacity either.
                buffer.fill(0);
                buffer.clear();
                if buffer.capacity() > SCRATCH_KEEP {
                    *buffer = Vec::new();
                }
            }
            result
        }
        // Re-entered (a `Serialize` impl that encodes a cookie): use fresh
        // buffers rather than share these.
        Err(_) => f(&mut Scratch::default()),
    })
}

/// Bounds on what a cookie may make the decoder do.
///
/// # Examples
///
/// ```
/// use session_cookie::Limits;
///
/// let limits = Limits::DEFAULT.with_max_cookie_len(4096);
/// assert_eq!(limits.max_cookie_len(), 4096);
/// assert_eq!(limits.max_inflated_len(), 1 << 20);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    max_cookie_len: usize,
    max_inflated_len: usize,
}

impl Limits {
    /// 32 KiB of cookie text (room for a chunked cookie; one browser cookie
    /// holds 4 KiB) and 1 MiB of inflated payload.
    pub const DEFAULT: Self = Self {
        max_cookie_len: 32 * 1024,
        max_inflated_len: 1 << 20,
    };

    /// Longest cookie value accepted; longer ones are refused before any
    /// other work.
    #[must_use]
    pub const fn with_max_cookie_len(self, max_cookie_len: usize) -> Self {
        Self {
            max_cookie_len,
            ..self
        }
    }

    /// Largest payload that decompression may produce.
    #[must_use]
    pub const fn with_max_inflated_len(self, max_inflated_len: usize) -> Self {
        Self {
            max_inflated_len,
            ..self
        }
    }

    /// See [`Limits::with_max_cookie_len`].
    #[must_use]
    pub const fn max_cookie_len(&self) -> usize {
        self.max_cookie_len
    }

    /// See [`Limits::with_max_inflated_len`].
    #[must_use]
    pub const fn max_inflated_len(&self) -> usize {
        self.max_inflated_len
    }

    pub(crate) fn check_cookie_len(&self, cookie: &str) -> Result<(), DecodeError> {
        if cookie.len() > self.max_cookie_len {
            Err(DecodeError::TooLarge {
                what: SizeLimit::Cookie,
                limit: self.max_cookie_len,
            })
        } else {
            Ok(())
        }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// A decoded value and what decoding learned about its cookie.
///
/// # Examples
///
/// ```
/// use session_cookie::{DjangoCodec, SecretKeys, UnixTime};
///
/// let old = DjangoCodec::sessions(&SecretKeys::new("old-key")?);
/// let now = UnixTime::from_secs(1_700_000_000);
/// let cookie = old.encode_at(&serde_json::json!({"user_id": 1}), now)?;
///
/// let rotated = DjangoCodec::sessions(&SecretKeys::new("new-key")?.with_fallback("old-key"));
/// let decoded = rotated.decode_session_at(&cookie, now)?;
/// assert!(decoded.used_fallback()); // re-issue it under the new key
/// assert_eq!(decoded.issued_at(), now);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded<T> {
    pub(crate) value: T,
    pub(crate) issued_at: UnixTime,
    pub(crate) first_issued_at: UnixTime,
    pub(crate) session_id: Option<SessionId>,
    pub(crate) key_index: usize,
    pub(crate) needs_reissue: bool,
}

impl<T> Decoded<T> {
    /// The decoded value.
    #[must_use]
    pub fn value(&self) -> &T {
        &self.value
    }

    /// The same facts about the cookie with the value transformed.
    pub(crate) fn try_map<U>(
        self,
        f: impl FnOnce(T) -> Result<U, DecodeError>,
    ) -> Result<Decoded<U>, DecodeError> {
        Ok(Decoded {
            value: f(self.value)?,
            issued_at: self.issued_at,
            first_issued_at: self.first_issued_at,
            session_id: self.session_id,
            key_index: self.key_index,
            needs_reissue: self.needs_reissue,
        })
    }

    /// The decoded value, by value.
    #[must_use]
    pub fn into_value(self) -> T {
        self.value
    }

    /// When the cookie was signed.
    #[must_use]
    pub fn issued_at(&self) -> UnixTime {
        self.issued_at
    }

    /// When the session was first issued: the native format carries it
    /// through re-issues for the absolute lifetime; for other formats it is
    /// [`Decoded::issued_at`].
    #[must_use]
    pub fn first_issued_at(&self) -> UnixTime {
        self.first_issued_at
    }

    /// The session's id: native tokens carry one (`docs/FORMAT.md`);
    /// Django and Flask cookies have none.
    #[must_use]
    pub fn session_id(&self) -> Option<SessionId> {
        self.session_id
    }

    /// What the session keeps when it is issued again (its id and
    /// first-issue time): pass it to [`Codec::encode_at`].
    #[must_use]
    pub fn lineage(&self) -> Lineage {
        Lineage::new(self.first_issued_at, self.session_id)
    }

    /// Whether the cookie should be issued again: a key other than the
    /// signing key verified it, or (native format) more than half of its
    /// idle lifetime has passed.
    #[must_use]
    pub fn needs_reissue(&self) -> bool {
        self.needs_reissue
    }

    /// Which key verified it, by position in the ring: 0 is the signing
    /// (active) key.
    #[must_use]
    pub fn key_index(&self) -> usize {
        self.key_index
    }

    /// Whether a key other than the signing (active) key verified it.
    #[must_use]
    pub fn used_fallback(&self) -> bool {
        self.key_index > 0
    }
}

impl<'a> Decoded<&'a str> {
    /// What a timestamped signature vouched for (no reissue hint beyond a
    /// fallback key: these formats have no idle-lifetime rule).
    pub(crate) fn from_stamped(stamped: crate::sign::signer::Stamped<'a>) -> Self {
        Self {
            value: stamped.value,
            issued_at: stamped.issued_at,
            first_issued_at: stamped.issued_at,
            session_id: None,
            key_index: stamped.key_index,
            needs_reissue: stamped.key_index > 0,
        }
    }
}
