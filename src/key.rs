//! Secrets and the key ring: the only place key material lives.
//!
//! A [`Secret`] is the raw bytes of one key (Django's `SECRET_KEY`, or a
//! native master key). It zeroizes its bytes on drop, compares in constant
//! time, and its `Debug` prints nothing but its type. A [`SecretKeys`] holds the
//! one key that signs and the fallback keys that are still accepted, in the
//! order in which verification tries them.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::KeyError;

mod native;

pub use native::{KeyId, KeyState, MAX_KEY_ID_LEN, MIN_KEY_LEN, MasterKey, NativeKeyRing};

/// The bytes of one secret key.
///
/// # Security
///
/// The bytes are wiped from memory when the value is dropped, `Debug` prints
/// only `Secret(<redacted>)`, and equality is decided in constant time (for
/// keys of equal length). There is no `Display`, no `serde` and no accessor
/// that hands the bytes out of the crate.
///
/// # Examples
///
/// ```
/// use session_cookie::Secret;
///
/// let key = Secret::from("django-insecure-example-key");
/// assert_eq!(format!("{key:?}"), "Secret(<redacted>)");
/// assert_eq!(key, Secret::from(b"django-insecure-example-key".to_vec()));
/// ```
#[derive(Clone)]
pub struct Secret {
    bytes: Zeroizing<Vec<u8>>,
}

impl Secret {
    /// Wraps key bytes. Django's `SECRET_KEY` is the UTF-8 of the setting
    /// string, which is what `Secret::from(&str)` gives.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::Secret;
    ///
    /// let key = Secret::new(vec![7u8; 32]);
    /// assert_eq!(key.len(), 32);
    /// ```
    #[must_use]
    pub fn new(bytes: Vec<u8>) -> Self {
        Self {
            bytes: Zeroizing::new(bytes),
        }
    }

    /// The key's length in bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(session_cookie::Secret::from("abc").len(), 3);
    /// ```
    #[must_use]
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether the key has no bytes at all. Key rings refuse such keys.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(session_cookie::Secret::from("").is_empty());
    /// ```
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub(crate) fn expose(&self) -> &[u8] {
        &self.bytes
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value.as_bytes().to_vec())
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self::new(value.into_bytes())
    }
}

impl From<Vec<u8>> for Secret {
    fn from(value: Vec<u8>) -> Self {
        Self::new(value)
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl PartialEq for Secret {
    fn eq(&self, other: &Self) -> bool {
        self.bytes.as_slice().ct_eq(other.bytes.as_slice()).into()
    }
}

impl Eq for Secret {}

/// The secret keys of the Django and itsdangerous family: one signing key
/// and the fallback keys that are still accepted.
///
/// This is Django's (and Flask's) `SECRET_KEY` with `SECRET_KEY_FALLBACKS`,
/// and itsdangerous' `secret_key` list; the native format has its own ring
/// of master keys, [`NativeKeyRing`]. Only the signing key ever signs;
/// verification tries the signing key first and then
/// each fallback in the order given. Rotate by making a new key the signing
/// key and moving the old one to the front of the fallbacks; drop it from the
/// fallbacks once every cookie it signed has expired.
///
/// # Security
///
/// Every fallback costs one more HMAC on each cookie that no key verifies
/// (every forgery), so keep the list short.
///
/// # Examples
///
/// ```
/// use session_cookie::SecretKeys;
///
/// let ring = SecretKeys::new("new-secret-key")?
///     .with_fallback("old-secret-key");
/// assert_eq!(ring.len(), 2);
/// # Ok::<(), session_cookie::KeyError>(())
/// ```
#[derive(Clone, Debug)]
pub struct SecretKeys {
    keys: Vec<Secret>,
}

impl SecretKeys {
    /// A ring with one signing key and no fallbacks.
    ///
    /// # Errors
    ///
    /// [`KeyError::Empty`] when the key has no bytes: Django refuses an empty
    /// `SECRET_KEY` as well, and such a key would protect nothing.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::SecretKeys;
    ///
    /// assert!(SecretKeys::new("").is_err());
    /// assert!(SecretKeys::new("a-long-random-secret").is_ok());
    /// ```
    pub fn new(signing: impl Into<Secret>) -> Result<Self, KeyError> {
        let signing = signing.into();
        if signing.is_empty() {
            return Err(KeyError::Empty);
        }
        Ok(Self {
            keys: vec![signing],
        })
    }

    /// Adds a fallback key after the ones already there.
    ///
    /// An empty fallback stands for the signing key, as in Django, where an
    /// empty string in `SECRET_KEY_FALLBACKS` verifies as `SECRET_KEY`.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::SecretKeys;
    ///
    /// let ring = SecretKeys::new("k3")?.with_fallback("k2").with_fallback("k1");
    /// assert_eq!(ring.len(), 3);
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    pub fn with_fallback(mut self, fallback: impl Into<Secret>) -> Self {
        let fallback = fallback.into();
        let key = if fallback.is_empty() {
            self.signing().clone()
        } else {
            fallback
        };
        self.keys.push(key);
        self
    }

    /// The key that signs.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::{SecretKeys, Secret};
    ///
    /// let ring = SecretKeys::new("current")?.with_fallback("old");
    /// assert_eq!(ring.signing(), &Secret::from("current"));
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    pub fn signing(&self) -> &Secret {
        // The constructor puts the signing key first and nothing removes it.
        #[allow(clippy::indexing_slicing)]
        &self.keys[0]
    }

    /// All keys in verification order: the signing key, then the fallbacks.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::SecretKeys;
    ///
    /// let ring = SecretKeys::new("current")?.with_fallback("old");
    /// assert_eq!(ring.keys().len(), 2);
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    pub fn keys(&self) -> &[Secret] {
        &self.keys
    }

    /// The fallback keys, in the order verification tries them.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::SecretKeys;
    ///
    /// let ring = SecretKeys::new("current")?.with_fallback("old");
    /// assert_eq!(ring.fallbacks().len(), 1);
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    pub fn fallbacks(&self) -> &[Secret] {
        self.keys.get(1..).unwrap_or_default()
    }

    /// The number of keys, the signing key included.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(session_cookie::SecretKeys::new("k")?.len(), 1);
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    #[allow(clippy::len_without_is_empty)] // a ring always holds its signing key
    pub fn len(&self) -> usize {
        self.keys.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_key_bytes() {
        let ring = SecretKeys::new("top-secret-value")
            .unwrap()
            .with_fallback("older-secret-value");
        let shown = format!("{ring:?} {:?}", ring.signing());
        assert!(!shown.contains("top-secret"), "{shown}");
        assert!(!shown.contains("older-secret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }

    #[test]
    fn equality_is_by_content_and_length() {
        assert_eq!(Secret::from("abc"), Secret::from("abc"));
        assert_ne!(Secret::from("abc"), Secret::from("abd"));
        assert_ne!(Secret::from("abc"), Secret::from("abcd"));
    }

    #[test]
    fn empty_fallback_stands_for_the_signing_key() {
        let ring = SecretKeys::new("primary").unwrap().with_fallback("");
        assert_eq!(ring.keys()[1], Secret::from("primary"));
    }

    #[test]
    fn empty_signing_key_is_refused() {
        assert!(matches!(SecretKeys::new(""), Err(KeyError::Empty)));
    }
}
