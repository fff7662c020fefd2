//! Master keys of the native format: ids, states, weak-key checks, and the
//! one-line-per-key text format (`ID:BASE64URLKEY[:STATE]`).

use core::fmt;
use core::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use zeroize::Zeroizing;

use super::Secret;
use crate::error::{KeyError, WeakKey};

/// Shortest master key accepted, in bytes.
pub const MIN_KEY_LEN: usize = 32;
/// Longest key id, in characters.
pub const MAX_KEY_ID_LEN: usize = 32;

/// Key bytes printed in this crate's documentation. Anyone can read them,
/// so they are refused like any other weak key.
const DOCUMENTED_KEYS: &[&str] = &["ZG9jcy1leGFtcGxlLWtleS1kby1ub3QtdXNlLWl0LWFueXdoZXJl"];

/// A key id: 1 to 32 characters of `A-Z a-z 0-9 _ -`. It travels in every
/// token's authenticated header, so it must not be secret.
///
/// # Examples
///
/// ```
/// use session_cookie::KeyId;
///
/// assert!("2026-11".parse::<KeyId>().is_ok());
/// assert!("has space".parse::<KeyId>().is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(String);

impl KeyId {
    /// The id as text.
    ///
    /// # Examples
    ///
    /// ```
    /// let id: session_cookie::KeyId = "k1".parse()?;
    /// assert_eq!(id.as_str(), "k1");
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub(crate) fn is_valid(bytes: &[u8]) -> bool {
        (1..=MAX_KEY_ID_LEN).contains(&bytes.len())
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
    }
}

impl FromStr for KeyId {
    type Err = KeyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        if Self::is_valid(text.as_bytes()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(KeyError::InvalidId)
        }
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a key in a [`NativeKeyRing`] may do: the stages of a rotation.
///
/// # Examples
///
/// ```
/// use session_cookie::KeyState;
///
/// assert_eq!("verify".parse::<KeyState>()?, KeyState::Verify);
/// assert_eq!(KeyState::Retired.to_string(), "retired");
/// # Ok::<(), session_cookie::KeyError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyState {
    /// Signs new tokens and verifies. Exactly one key in a ring is active.
    Active,
    /// Verifies, never signs; what it verifies should be re-issued.
    Verify,
    /// Refused: its tokens are treated as forgeries.
    Retired,
}

impl FromStr for KeyState {
    type Err = KeyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "active" => Ok(Self::Active),
            "verify" => Ok(Self::Verify),
            "retired" => Ok(Self::Retired),
            _ => Err(KeyError::InvalidState),
        }
    }
}

impl fmt::Display for KeyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Active => "active",
            Self::Verify => "verify",
            Self::Retired => "retired",
        })
    }
}

/// A native-format master key: at least 32 random bytes, with an id.
///
/// # Security
///
/// Refused as weak: fewer than 32 bytes, all bytes equal, and keys printed
/// in this crate's documentation. `Debug` shows the id only.
///
/// # Examples
///
/// ```
/// use session_cookie::MasterKey;
///
/// let key = MasterKey::generate("2026-11")?;
/// assert_eq!(key.id().as_str(), "2026-11");
/// assert!(MasterKey::new("short", vec![1, 2, 3]).is_err());
/// # Ok::<(), session_cookie::KeyError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct MasterKey {
    id: KeyId,
    secret: Secret,
}

impl MasterKey {
    /// A key from its id and bytes.
    ///
    /// # Errors
    ///
    /// [`KeyError::InvalidId`] for a bad id; [`KeyError::Weak`] for a key
    /// that is short, all one byte, or printed in the documentation.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{KeyError, MasterKey, WeakKey};
    ///
    /// assert_eq!(MasterKey::new("k", vec![7; 32]).unwrap_err(), KeyError::Weak(WeakKey::Repetitive));
    /// ```
    pub fn new(id: &str, bytes: Vec<u8>) -> Result<Self, KeyError> {
        let id = id.parse()?;
        let secret = Secret::new(bytes);
        check_strength(secret.expose())?;
        Ok(Self { id, secret })
    }

    /// A fresh key of 32 bytes from the operating system's random source.
    ///
    /// # Errors
    ///
    /// [`KeyError::InvalidId`] for a bad id; [`KeyError::Random`] when the
    /// operating system cannot supply random bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// let a = session_cookie::MasterKey::generate("a")?;
    /// let b = session_cookie::MasterKey::generate("a")?;
    /// assert_ne!(a, b);
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    pub fn generate(id: &str) -> Result<Self, KeyError> {
        let mut bytes = Zeroizing::new(vec![0u8; MIN_KEY_LEN]);
        // Straight from the operating system, not the block of public
        // random bytes (`src/random.rs`): a master key is a long-lived
        // secret, so no copy of it should ever sit in a shared buffer, and
        // keys are made too rarely for the system call to matter.
        getrandom::fill(&mut bytes).map_err(|_| KeyError::Random)?;
        Self::new(id, bytes.to_vec())
    }

    /// The key's id.
    #[must_use]
    pub fn id(&self) -> &KeyId {
        &self.id
    }

    /// The key as one line of the key-ring text format, `ID:BASE64URLKEY`.
    ///
    /// # Security
    ///
    /// The line *is* the key: store it as a secret. The returned string is
    /// wiped when dropped.
    ///
    /// # Examples
    ///
    /// ```
    /// let key = session_cookie::MasterKey::generate("k1")?;
    /// let line = key.to_line();
    /// assert!(line.starts_with("k1:"));
    /// assert_eq!(line.len(), 3 + 43);
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    pub fn to_line(&self) -> Zeroizing<String> {
        let mut line = Zeroizing::new(String::with_capacity(self.id.0.len() + 1 + 64));
        line.push_str(&self.id.0);
        line.push(':');
        URL_SAFE_NO_PAD.encode_string(self.secret.expose(), &mut line);
        line
    }

    pub(crate) fn secret(&self) -> &Secret {
        &self.secret
    }
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MasterKey")
            .field("id", &self.id)
            .field("secret", &self.secret)
            .finish()
    }
}

fn check_strength(bytes: &[u8]) -> Result<(), KeyError> {
    if bytes.len() < MIN_KEY_LEN {
        return Err(KeyError::Weak(WeakKey::TooShort));
    }
    if bytes.windows(2).all(|pair| pair.first() == pair.last()) {
        return Err(KeyError::Weak(WeakKey::Repetitive));
    }
    let documented = DOCUMENTED_KEYS
        .iter()
        .filter_map(|text| URL_SAFE_NO_PAD.decode(text).ok())
        .any(|known| Secret::new(known) == Secret::new(bytes.to_vec()));
    if documented {
        return Err(KeyError::Weak(WeakKey::Published));
    }
    Ok(())
}

/// The keys of a native codec, each with its [`KeyState`].
///
/// # Examples
///
/// Staged rotation: the new key becomes active, the old one verify-only.
///
/// ```
/// use session_cookie::{KeyState, MasterKey, NativeKeyRing};
///
/// let old = MasterKey::generate("2026-10")?;
/// let new = MasterKey::generate("2026-11")?;
/// let ring = NativeKeyRing::new(new).with_key(old, KeyState::Verify)?;
/// assert_eq!(ring.active().id().as_str(), "2026-11");
/// # Ok::<(), session_cookie::KeyError>(())
/// ```
#[derive(Debug, Clone)]
pub struct NativeKeyRing {
    active: MasterKey,
    /// Keys in the `Verify` or `Retired` state.
    others: Vec<(MasterKey, KeyState)>,
}

impl NativeKeyRing {
    /// A ring with one active key.
    #[must_use]
    pub fn new(active: MasterKey) -> Self {
        Self {
            active,
            others: Vec::new(),
        }
    }

    /// Adds a key in the given state.
    ///
    /// # Errors
    ///
    /// [`KeyError::DuplicateId`] when the id is already in the ring;
    /// [`KeyError::ActiveCount`] when adding a second active key.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{KeyError, KeyState, MasterKey, NativeKeyRing};
    ///
    /// let ring = NativeKeyRing::new(MasterKey::generate("a")?);
    /// let twin = MasterKey::generate("a")?;
    /// assert_eq!(ring.with_key(twin, KeyState::Verify).unwrap_err(), KeyError::DuplicateId);
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    pub fn with_key(mut self, key: MasterKey, state: KeyState) -> Result<Self, KeyError> {
        if self.keys().any(|(k, _)| k.id == key.id) {
            return Err(KeyError::DuplicateId);
        }
        if state == KeyState::Active {
            return Err(KeyError::ActiveCount);
        }
        self.others.push((key, state));
        Ok(self)
    }

    /// Reads the text format: one `ID:BASE64URLKEY[:STATE]` per line; blank
    /// lines and `#` comments are skipped. Without a state the first key is
    /// `active` and the others `verify`.
    ///
    /// # Errors
    ///
    /// [`KeyError::InvalidLine`] (with the line number, never its content),
    /// any error of [`MasterKey::new`], [`KeyError::DuplicateId`], and
    /// [`KeyError::ActiveCount`] unless exactly one key is active.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{KeyState, MasterKey, NativeKeyRing};
    ///
    /// let new = MasterKey::generate("new")?;
    /// let old = MasterKey::generate("old")?;
    /// let text = format!("# rotated 2026-11-21\n{}\n{}:retired\n", new.to_line().as_str(), old.to_line().as_str());
    /// let ring = NativeKeyRing::parse(&text)?;
    /// assert_eq!(ring.keys().map(|(k, s)| (k.id().as_str(), s)).collect::<Vec<_>>(),
    ///            [("new", KeyState::Active), ("old", KeyState::Retired)]);
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, KeyError> {
        let mut keys: Vec<(MasterKey, KeyState)> = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let invalid = KeyError::InvalidLine { line: index + 1 };
            let mut fields = line.split(':');
            let (Some(id), Some(key)) = (fields.next(), fields.next()) else {
                return Err(invalid);
            };
            let state = match fields.next() {
                Some(state) => state.parse()?,
                None if keys.is_empty() => KeyState::Active,
                None => KeyState::Verify,
            };
            if fields.next().is_some() {
                return Err(invalid);
            }
            let bytes = Zeroizing::new(URL_SAFE_NO_PAD.decode(key).map_err(|_| invalid)?);
            let key = MasterKey::new(id, bytes.to_vec())?;
            if keys.iter().any(|(k, _)| k.id == key.id) {
                return Err(KeyError::DuplicateId);
            }
            keys.push((key, state));
        }
        if keys.iter().filter(|(_, s)| *s == KeyState::Active).count() != 1 {
            return Err(KeyError::ActiveCount);
        }
        let position = keys.iter().position(|(_, s)| *s == KeyState::Active);
        let (active, _) = position
            .map(|i| keys.remove(i))
            .ok_or(KeyError::ActiveCount)?;
        Ok(Self {
            active,
            others: keys,
        })
    }

    /// Reads the text format from the environment variable `var`.
    ///
    /// # Errors
    ///
    /// [`KeyError::Unreadable`] when the variable is unset or not UTF-8;
    /// otherwise as [`NativeKeyRing::parse`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{KeyError, NativeKeyRing};
    ///
    /// let err = NativeKeyRing::from_env("SESSION_KEYS_THAT_ARE_NOT_SET").unwrap_err();
    /// assert!(matches!(err, KeyError::Unreadable { .. }));
    /// ```
    pub fn from_env(var: &str) -> Result<Self, KeyError> {
        let text = Zeroizing::new(std::env::var(var).map_err(|_| KeyError::Unreadable {
            source: format!("environment variable {var}"),
        })?);
        Self::parse(&text)
    }

    /// Reads the text format from a file (for example a mounted secret).
    ///
    /// # Errors
    ///
    /// [`KeyError::Unreadable`] when the file cannot be read or is not
    /// UTF-8; otherwise as [`NativeKeyRing::parse`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{MasterKey, NativeKeyRing};
    ///
    /// let path = std::env::temp_dir().join(format!("keys-doctest-{}", std::process::id()));
    /// std::fs::write(&path, MasterKey::generate("k1")?.to_line().as_str())?;
    /// let ring = NativeKeyRing::from_file(&path)?;
    /// assert_eq!(ring.active().id().as_str(), "k1");
    /// std::fs::remove_file(&path)?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_file(path: impl AsRef<std::path::Path>) -> Result<Self, KeyError> {
        let path = path.as_ref();
        let text =
            Zeroizing::new(
                std::fs::read_to_string(path).map_err(|_| KeyError::Unreadable {
                    source: format!("file {}", path.display()),
                })?,
            );
        Self::parse(&text)
    }

    /// The key that signs.
    #[must_use]
    pub fn active(&self) -> &MasterKey {
        &self.active
    }

    /// Every key with its state, in ring order.
    /// The active key comes first.
    pub fn keys(&self) -> impl Iterator<Item = (&MasterKey, KeyState)> {
        core::iter::once((&self.active, KeyState::Active))
            .chain(self.others.iter().map(|(key, state)| (key, *state)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weak_keys_are_refused() {
        assert_eq!(
            MasterKey::new("k", vec![1; 31]).unwrap_err(),
            KeyError::Weak(WeakKey::TooShort)
        );
        assert_eq!(
            MasterKey::new("k", vec![0; 64]).unwrap_err(),
            KeyError::Weak(WeakKey::Repetitive)
        );
        for text in DOCUMENTED_KEYS {
            let bytes = URL_SAFE_NO_PAD.decode(text).unwrap();
            assert_eq!(
                MasterKey::new("k", bytes).unwrap_err(),
                KeyError::Weak(WeakKey::Published)
            );
        }
    }

    #[test]
    fn debug_shows_the_id_only() {
        let key = MasterKey::generate("visible-id").unwrap();
        let line = key.to_line();
        let secret_part = line.split(':').nth(1).unwrap();
        let shown = format!("{key:?} {:?}", NativeKeyRing::new(key.clone()));
        assert!(shown.contains("visible-id"));
        assert!(!shown.contains(secret_part), "{shown}");
    }

    #[test]
    fn parse_errors_never_echo_the_line() {
        let err = NativeKeyRing::parse("k1:not*base64").unwrap_err();
        assert_eq!(err, KeyError::InvalidLine { line: 1 });
        assert!(!err.to_string().contains("not*base64"));
        assert_eq!(NativeKeyRing::parse("").unwrap_err(), KeyError::ActiveCount);
        let a = MasterKey::generate("a").unwrap();
        let two_active = format!(
            "{}:active\n{}:active",
            a.to_line().as_str(),
            a.to_line().as_str()
        );
        assert!(NativeKeyRing::parse(&two_active).is_err());
    }

    #[test]
    fn lines_round_trip() {
        let key = MasterKey::generate("id_1").unwrap();
        let ring = NativeKeyRing::parse(&key.to_line()).unwrap();
        assert_eq!(ring.active(), &key);
    }
}
