//! What a session keeps through re-issues: its id and its first-issue time.

use core::fmt;
use core::str::FromStr;

use crate::error::EncodeError;
use crate::time::UnixTime;

/// A session's random 128-bit id: written into every native token
/// (version 2, `docs/FORMAT.md`) and kept through re-issues, so that a
/// revocation store can refuse one logged-out session and no other.
///
/// It names a session; it grants nothing. A cookie is still needed to
/// act as the session, so the id may appear in logs and store keys. It
/// prints as 32 lowercase hexadecimal digits and parses from them.
///
/// # Examples
///
/// ```
/// use session_cookie::SessionId;
///
/// let id = SessionId::from_bytes([0xab; 16]);
/// assert_eq!(id.to_string(), "ab".repeat(16));
/// assert_eq!(id.to_string().parse::<SessionId>()?, id);
/// assert_ne!(SessionId::generate()?, SessionId::generate()?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SessionId([u8; SessionId::LEN]);

impl SessionId {
    /// Its length in bytes.
    pub const LEN: usize = 16;

    /// A fresh id from the operating system's random source (through this
    /// thread's block of its bytes, which is refilled after a `fork`).
    ///
    /// An id is public, like a salt: it is written into every token in the
    /// clear and grants nothing without the cookie's MAC, so it comes from
    /// the same fork-checked block as salts and nonces rather than a
    /// system call of its own (`src/random.rs`).
    ///
    /// # Errors
    ///
    /// [`EncodeError::Random`] when the random source fails.
    pub fn generate() -> Result<Self, EncodeError> {
        crate::random::public().map(Self)
    }

    /// The id with these bytes (for tests and for stores that keep ids).
    #[must_use]
    pub const fn from_bytes(bytes: [u8; Self::LEN]) -> Self {
        Self(bytes)
    }

    /// Its bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; Self::LEN] {
        &self.0
    }
}

impl fmt::Display for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|byte| write!(f, "{byte:02x}"))
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SessionId({self})")
    }
}

/// Why a text is not a [`SessionId`]: it is not 32 hexadecimal digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParseSessionIdError;

impl fmt::Display for ParseSessionIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a session id is 32 hexadecimal digits")
    }
}

impl std::error::Error for ParseSessionIdError {}

impl FromStr for SessionId {
    type Err = ParseSessionIdError;

    /// Parses 32 hexadecimal digits (either case).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let digits = text.as_bytes();
        // `from_str_radix` alone would also take a sign ("+f").
        if digits.len() != 2 * Self::LEN || !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(ParseSessionIdError);
        }
        let mut bytes = [0u8; Self::LEN];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let pair = core::str::from_utf8(pair).map_err(|_| ParseSessionIdError)?;
            *byte = u8::from_str_radix(pair, 16).map_err(|_| ParseSessionIdError)?;
        }
        Ok(Self(bytes))
    }
}

/// What a session carries from one token to the next when it is issued
/// again: when it was first issued (the start of its absolute lifetime)
/// and its [`SessionId`] (what revocation refers to).
///
/// [`Decoded::lineage`](crate::Decoded::lineage) gives it;
/// [`Codec::encode_at`](crate::Codec::encode_at) takes it. A new session
/// (a login) has none: it gets a fresh id and starts its lifetime now.
///
/// # Examples
///
/// ```
/// use session_cookie::{Codec, MasterKey, NativeCodec, NativeConfig, NativeKeyRing, Session, UnixTime};
///
/// let codec = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k1")?), NativeConfig::SIGNED)?;
/// let (t0, t1) = (UnixTime::from_secs(1_000), UnixTime::from_secs(2_000));
/// let first = Codec::encode_at(&codec, &Session::new(), None, t0)?;
/// let decoded = Codec::decode_at(&codec, &first, t0)?;
/// let again = Codec::encode_at(&codec, decoded.value(), Some(decoded.lineage()), t1)?;
/// let reissued = Codec::decode_at(&codec, &again, t1)?;
/// assert_eq!(reissued.lineage(), decoded.lineage());
/// assert_eq!(reissued.first_issued_at(), t0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lineage {
    pub(crate) first_issued_at: UnixTime,
    pub(crate) session_id: Option<SessionId>,
}

impl Lineage {
    /// A session first issued at `first_issued_at`, with `session_id`
    /// (`None` where the format that wrote it has none: the next native
    /// token gets a fresh one).
    #[must_use]
    pub const fn new(first_issued_at: UnixTime, session_id: Option<SessionId>) -> Self {
        Self {
            first_issued_at,
            session_id,
        }
    }

    /// When the session was first issued.
    #[must_use]
    pub const fn first_issued_at(&self) -> UnixTime {
        self.first_issued_at
    }

    /// The session's id, where its format has one.
    #[must_use]
    pub const fn session_id(&self) -> Option<SessionId> {
        self.session_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_refuses_what_display_cannot_write() {
        for bad in [
            "",
            "ab",
            &"g".repeat(32),
            &"a".repeat(33),
            &"é".repeat(16),
            &"+f".repeat(16),
        ] {
            assert_eq!(bad.parse::<SessionId>(), Err(ParseSessionIdError), "{bad}");
        }
        let mixed = "0123456789ABCDEFabcdef0123456789";
        assert_eq!(
            mixed.parse::<SessionId>().unwrap().to_string(),
            mixed.to_ascii_lowercase()
        );
    }
}
