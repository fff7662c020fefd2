//! The logged-in user in a Django session (`django.contrib.auth`, Django
//! 5.2): the three session keys, the session auth hash that logs a user out
//! everywhere when the password changes, and `login`, `logout` and
//! `get_user`.
//!
//! Django keeps three keys in the session of a logged-in user:
//!
//! | key                  | value                                                        |
//! |----------------------|--------------------------------------------------------------|
//! | `_auth_user_id`      | the user's primary key, always as a string (`"42"`)          |
//! | `_auth_user_backend` | the dotted path of the authentication backend                |
//! | `_auth_user_hash`    | [`DjangoAuth::session_auth_hash`] of the user's password hash |
//!
//! Reading them is two steps, so that the user lookup in between can be
//! asynchronous: [`DjangoAuth::read`] gives the [`Claimed`] user (no
//! database involved), the caller loads that user's [`UserRecord`], and
//! [`DjangoAuth::verify`] decides, changing the session exactly as Django's
//! `get_user` changes it.
//!
//! # Examples
//!
//! ```
//! use session_cookie::django::auth::{DjangoAuth, Outcome, UserRecord};
//! use session_cookie::{SecretKeys, Session};
//!
//! let auth = DjangoAuth::new(&SecretKeys::new("new-key")?.with_fallback("old-key"));
//! let old = DjangoAuth::new(&SecretKeys::new("old-key")?);
//! let password_hash = "pbkdf2_sha256$1000000$salt$hash";
//!
//! // A session that a Django site logged in before SECRET_KEY was rotated:
//! let mut session = Session::new();
//! old.login(&mut session, "7", password_hash)?;
//!
//! let claimed = auth.read(&session).expect("user keys present");
//! let user = UserRecord::new(password_hash, true);
//! assert_eq!(auth.verify(&mut session, &claimed, Some(&user)), Outcome::LoggedIn { rehashed: true });
//! assert_eq!(
//!     session.get::<String>("_auth_user_hash")?,
//!     Some(auth.session_auth_hash(password_hash))
//! );
//!
//! // The password changed since: the session is flushed.
//! let changed = UserRecord::new("pbkdf2_sha256$1000000$salt$other", true);
//! let claimed = auth.read(&session).expect("user keys present");
//! assert_eq!(auth.verify(&mut session, &claimed, Some(&changed)), Outcome::Anonymous { flushed: true });
//! assert!(session.is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use hmac::digest::Digest;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::csrf::CsrfSecret;
use crate::error::EncodeError;
use crate::key::SecretKeys;
use crate::session::Session;
use crate::sign::HmacKey;

/// Django's `SESSION_KEY`: the user's primary key, as a string.
pub const SESSION_KEY: &str = "_auth_user_id";
/// Django's `BACKEND_SESSION_KEY`: the backend that authenticated the user.
pub const BACKEND_SESSION_KEY: &str = "_auth_user_backend";
/// Django's `HASH_SESSION_KEY`: the session auth hash.
pub const HASH_SESSION_KEY: &str = "_auth_user_hash";
/// The default (and usual only) `AUTHENTICATION_BACKENDS` entry.
pub const MODEL_BACKEND: &str = "django.contrib.auth.backends.ModelBackend";
/// The `key_salt` of `AbstractBaseUser._get_session_auth_hash`.
pub const SESSION_AUTH_HASH_SALT: &str =
    "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash";

/// Django's `salted_hmac(key_salt, value, secret, algorithm="sha256")`,
/// keyed: the HMAC key is `sha256(key_salt + secret)` (always hashed, even
/// when short), computed once here.
fn salted_hmac_key(key_salt: &str, secret: &[u8]) -> HmacKey {
    let mut hasher = Sha256::new();
    hasher.update(key_salt.as_bytes());
    hasher.update(secret);
    let key = Zeroizing::new(<[u8; 32]>::from(hasher.finalize()));
    HmacKey::new(key.as_slice())
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for &byte in bytes {
        for nibble in [byte >> 4, byte & 0x0f] {
            out.push(char::from(
                DIGITS.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    out
}

/// Which key of the ring made a session auth hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashCheck {
    /// `SECRET_KEY` made it.
    Current,
    /// One of `SECRET_KEY_FALLBACKS` made it: re-issue the session with the
    /// current hash.
    Fallback,
    /// No key made it, or the session holds no hash.
    Mismatch,
}

/// The user a session claims, read by [`DjangoAuth::read`] and not yet
/// verified: look the user up by [`Claimed::user_id`] and pass the record to
/// [`DjangoAuth::verify`].
///
/// # Examples
///
/// ```
/// use session_cookie::django::auth::DjangoAuth;
/// use session_cookie::{SecretKeys, Session};
///
/// let mut session = Session::new();
/// session.insert("_auth_user_id", "42")?;
/// session.insert("_auth_user_backend", "django.contrib.auth.backends.ModelBackend")?;
/// let claimed = DjangoAuth::new(&SecretKeys::new("k")?).read(&session).expect("claimed");
/// assert_eq!(claimed.user_id(), "42");
/// assert_eq!(claimed.backend(), "django.contrib.auth.backends.ModelBackend");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Claimed {
    user_id: String,
    backend: String,
    hash: Option<String>,
}

impl Claimed {
    /// The primary key, as Django stores it (a string; an integer stored by
    /// other code is given in decimal). Convert it as your user model's
    /// primary key field would (`pk.to_python`).
    #[must_use]
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The backend that authenticated the user; one of the configured ones.
    #[must_use]
    pub fn backend(&self) -> &str {
        &self.backend
    }
}

impl fmt::Debug for Claimed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Claimed")
            .field("user_id", &self.user_id)
            .field("backend", &self.backend)
            .field("hash", &self.hash.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// What the caller's user lookup found: the user's current password hash
/// (the `password` column, e.g. `pbkdf2_sha256$…`) and `is_active`.
///
/// # Examples
///
/// ```
/// use session_cookie::django::auth::UserRecord;
///
/// let user = UserRecord::new("pbkdf2_sha256$1000000$salt$hash", true);
/// assert!(user.is_active());
/// assert!(!format!("{user:?}").contains("pbkdf2"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    password_hash: Zeroizing<String>,
    is_active: bool,
}

impl UserRecord {
    /// A user with its password hash and `is_active` flag. For backends
    /// that let inactive users in (`AllowAllUsersModelBackend`), pass
    /// `true`.
    #[must_use]
    pub fn new(password_hash: impl Into<String>, is_active: bool) -> Self {
        Self {
            password_hash: Zeroizing::new(password_hash.into()),
            is_active,
        }
    }

    /// Whether the account is active.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.is_active
    }
}

impl fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserRecord")
            .field("password_hash", &"<redacted>")
            .field("is_active", &self.is_active)
            .finish()
    }
}

/// What [`DjangoAuth::verify`] decided, and what it did to the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The user is logged in.
    LoggedIn {
        /// A `SECRET_KEY_FALLBACKS` key made the session's hash: it was
        /// replaced by the current one and the session marked modified
        /// (Django's `cycle_key()`), so the cookie must be sent again.
        rehashed: bool,
    },
    /// The visitor is anonymous.
    Anonymous {
        /// The session was flushed (its hash was missing or wrong): delete
        /// the cookie. When `false`, the session was left as it was.
        flushed: bool,
    },
}

/// Django's authentication settings for sessions: `SECRET_KEY` with
/// `SECRET_KEY_FALLBACKS` (for the session auth hash) and
/// `AUTHENTICATION_BACKENDS`.
///
/// Build one at start-up: the `salted_hmac` key of every secret is derived
/// once, here.
///
/// # Security
///
/// `Debug` shows the backends and the number of keys, never key material.
///
/// # Examples
///
/// ```
/// use session_cookie::SecretKeys;
/// use session_cookie::django::auth::DjangoAuth;
///
/// let auth = DjangoAuth::new(&SecretKeys::new("secret")?)
///     .with_backends(["myapp.backends.EmailBackend", "django.contrib.auth.backends.ModelBackend"]);
/// assert!(!format!("{auth:?}").contains("secret"));
/// # Ok::<(), session_cookie::KeyError>(())
/// ```
#[derive(Clone)]
pub struct DjangoAuth {
    /// `salted_hmac` keys: `SECRET_KEY`, then each fallback.
    keys: Vec<HmacKey>,
    backends: Vec<String>,
}

impl DjangoAuth {
    /// Settings with the given secrets and the default backends,
    /// `["django.contrib.auth.backends.ModelBackend"]`.
    ///
    /// An empty string in Django's `SECRET_KEY_FALLBACKS` would make a hash
    /// with the empty secret; a [`SecretKeys`] replaces it with the signing
    /// key, so such a hash is not accepted here.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::SecretKeys;
    /// use session_cookie::django::auth::DjangoAuth;
    ///
    /// let auth = DjangoAuth::new(&SecretKeys::new("secret")?);
    /// assert_eq!(auth.session_auth_hash("x").len(), 64);
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    pub fn new(ring: &SecretKeys) -> Self {
        let keys = ring
            .keys()
            .iter()
            .map(|secret| salted_hmac_key(SESSION_AUTH_HASH_SALT, secret.expose()))
            .collect();
        Self {
            keys,
            backends: vec![MODEL_BACKEND.to_owned()],
        }
    }

    /// Replaces the backends (Django's `AUTHENTICATION_BACKENDS`). Sessions
    /// naming another backend are anonymous. [`DjangoAuth::login`] records
    /// the first one.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::SecretKeys;
    /// use session_cookie::django::auth::DjangoAuth;
    ///
    /// let auth = DjangoAuth::new(&SecretKeys::new("secret")?).with_backends(["myapp.Backend"]);
    /// assert_eq!(auth.backends().collect::<Vec<_>>(), ["myapp.Backend"]);
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    pub fn with_backends<I, S>(self, backends: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            backends: backends.into_iter().map(Into::into).collect(),
            ..self
        }
    }

    /// The configured backends, in order.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::SecretKeys;
    /// use session_cookie::django::auth::{DjangoAuth, MODEL_BACKEND};
    ///
    /// let auth = DjangoAuth::new(&SecretKeys::new("secret")?);
    /// assert_eq!(auth.backends().collect::<Vec<_>>(), [MODEL_BACKEND]);
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    pub fn backends(&self) -> impl Iterator<Item = &str> {
        self.backends.iter().map(String::as_str)
    }

    /// Django's `AbstractBaseUser.get_session_auth_hash()` for a user whose
    /// `password` field is `password_hash`, under `SECRET_KEY`:
    /// `salted_hmac(SESSION_AUTH_HASH_SALT, password_hash, SECRET_KEY,
    /// algorithm="sha256").hexdigest()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::SecretKeys;
    /// use session_cookie::django::auth::DjangoAuth;
    ///
    /// let auth = DjangoAuth::new(&SecretKeys::new("secret")?);
    /// let hash = auth.session_auth_hash("pbkdf2_sha256$1000000$salt$hash");
    /// assert!(hash.bytes().all(|b| b.is_ascii_hexdigit()));
    /// assert_ne!(hash, auth.session_auth_hash("pbkdf2_sha256$1000000$salt$other"));
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    pub fn session_auth_hash(&self, password_hash: &str) -> String {
        self.hash_with(0, password_hash)
    }

    fn hash_with(&self, key_index: usize, password_hash: &str) -> String {
        self.keys
            .get(key_index)
            .map(|key| hex(&key.tag(&[password_hash.as_bytes()])))
            .unwrap_or_default()
    }

    /// Which key made `session_hash` for `password_hash`: `SECRET_KEY`
    /// first, then each of `SECRET_KEY_FALLBACKS` (Django's
    /// `get_session_auth_hash` and `get_session_auth_fallback_hash`). Every
    /// comparison is constant time; an empty `session_hash` never matches.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::SecretKeys;
    /// use session_cookie::django::auth::{DjangoAuth, HashCheck};
    ///
    /// let old = DjangoAuth::new(&SecretKeys::new("old")?);
    /// let auth = DjangoAuth::new(&SecretKeys::new("new")?.with_fallback("old"));
    /// let hash = old.session_auth_hash("pw-hash");
    /// assert_eq!(auth.check_session_auth_hash("pw-hash", &hash), HashCheck::Fallback);
    /// assert_eq!(old.check_session_auth_hash("pw-hash", &hash), HashCheck::Current);
    /// assert_eq!(auth.check_session_auth_hash("changed", &hash), HashCheck::Mismatch);
    /// # Ok::<(), session_cookie::KeyError>(())
    /// ```
    #[must_use]
    pub fn check_session_auth_hash(&self, password_hash: &str, session_hash: &str) -> HashCheck {
        if session_hash.is_empty() {
            return HashCheck::Mismatch;
        }
        let matches = |index: usize| -> bool {
            self.hash_with(index, password_hash)
                .as_bytes()
                .ct_eq(session_hash.as_bytes())
                .into()
        };
        if matches(0) {
            HashCheck::Current
        } else if (1..self.keys.len()).any(matches) {
            HashCheck::Fallback
        } else {
            HashCheck::Mismatch
        }
    }

    /// The user the session claims, before any lookup: the first half of
    /// Django's `get_user`. `None` (anonymous, session left alone, as in
    /// Django) when `_auth_user_id` or `_auth_user_backend` is missing, or
    /// the backend is not one of the configured ones.
    ///
    /// Django stores the user id as a string; an integer is read as its
    /// decimal text. Any other value is treated as missing (Django's
    /// `pk.to_python` would raise on it).
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::auth::DjangoAuth;
    /// use session_cookie::{SecretKeys, Session};
    ///
    /// let auth = DjangoAuth::new(&SecretKeys::new("k")?);
    /// let mut session = Session::new();
    /// assert!(auth.read(&session).is_none());
    /// session.insert("_auth_user_id", "1")?;
    /// session.insert("_auth_user_backend", "some.other.Backend")?;
    /// assert!(auth.read(&session).is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn read(&self, session: &Session) -> Option<Claimed> {
        let user_id = stored_user_id(session)?;
        let backend = session.get::<String>(BACKEND_SESSION_KEY).ok().flatten()?;
        if !self.backends.contains(&backend) {
            return None;
        }
        let hash = session
            .get::<String>(HASH_SESSION_KEY)
            .ok()
            .flatten()
            .filter(|hash| !hash.is_empty());
        Some(Claimed {
            user_id,
            backend,
            hash,
        })
    }

    /// The second half of Django's `get_user`, given what the lookup of
    /// [`Claimed::user_id`] found (`None`: no such user):
    ///
    /// - no such user, or an inactive one (`ModelBackend.get_user` returns
    ///   `None` for it): anonymous, session left alone;
    /// - the session's hash is that of the user's password hash under
    ///   `SECRET_KEY`: logged in;
    /// - under one of `SECRET_KEY_FALLBACKS`: logged in, and the hash is
    ///   replaced by the current one (`rehashed`);
    /// - no hash, or a wrong one (the password changed): anonymous, and the
    ///   session is flushed.
    ///
    /// # Security
    ///
    /// Pass the record of the user [`Claimed::user_id`] names, freshly
    /// loaded: the password hash is what logs out other sessions after a
    /// password change.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::auth::{DjangoAuth, Outcome, UserRecord};
    /// use session_cookie::{SecretKeys, Session};
    ///
    /// let auth = DjangoAuth::new(&SecretKeys::new("k")?);
    /// let mut session = Session::new();
    /// auth.login(&mut session, "5", "hash-of-password")?;
    /// let claimed = auth.read(&session).expect("claimed");
    ///
    /// let inactive = UserRecord::new("hash-of-password", false);
    /// assert_eq!(auth.verify(&mut session, &claimed, Some(&inactive)), Outcome::Anonymous { flushed: false });
    /// assert_eq!(auth.verify(&mut session, &claimed, None), Outcome::Anonymous { flushed: false });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify(
        &self,
        session: &mut Session,
        claimed: &Claimed,
        user: Option<&UserRecord>,
    ) -> Outcome {
        let Some(user) = user.filter(|user| user.is_active) else {
            return Outcome::Anonymous { flushed: false };
        };
        let check = claimed.hash.as_deref().map_or(HashCheck::Mismatch, |hash| {
            self.check_session_auth_hash(&user.password_hash, hash)
        });
        match check {
            HashCheck::Current => Outcome::LoggedIn { rehashed: false },
            HashCheck::Fallback => {
                // Django: cycle_key(), then the current hash. For cookie
                // sessions cycling the key is sending the cookie again.
                session.mark_modified();
                let current = self.session_auth_hash(&user.password_hash);
                match session.insert(HASH_SESSION_KEY, current) {
                    Ok(()) => Outcome::LoggedIn { rehashed: true },
                    // A string always serializes; should it not, the session
                    // is not trusted to hold a user.
                    Err(_) => {
                        session.flush();
                        Outcome::Anonymous { flushed: true }
                    }
                }
            }
            HashCheck::Mismatch => {
                session.flush();
                Outcome::Anonymous { flushed: true }
            }
        }
    }

    /// Both halves of `get_user` with a synchronous lookup.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::auth::{DjangoAuth, Outcome, UserRecord};
    /// use session_cookie::{SecretKeys, Session};
    ///
    /// let auth = DjangoAuth::new(&SecretKeys::new("k")?);
    /// let mut session = Session::new();
    /// assert_eq!(auth.get_user(&mut session, |_| None), Outcome::Anonymous { flushed: false });
    /// auth.login(&mut session, "5", "pw")?;
    /// let outcome = auth.get_user(&mut session, |id| (id == "5").then(|| UserRecord::new("pw", true)));
    /// assert_eq!(outcome, Outcome::LoggedIn { rehashed: false });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn get_user<F>(&self, session: &mut Session, lookup: F) -> Outcome
    where
        F: FnOnce(&str) -> Option<UserRecord>,
    {
        match self.read(session) {
            None => Outcome::Anonymous { flushed: false },
            Some(claimed) => {
                let user = lookup(claimed.user_id());
                self.verify(session, &claimed, user.as_ref())
            }
        }
    }

    /// Django's `login(request, user)` for a user whose password was just
    /// checked, recording the first configured backend. See
    /// [`DjangoAuth::login_with_backend`].
    ///
    /// # Errors
    ///
    /// As [`DjangoAuth::login_with_backend`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::auth::DjangoAuth;
    /// use session_cookie::{SecretKeys, Session};
    ///
    /// let auth = DjangoAuth::new(&SecretKeys::new("k")?);
    /// let mut session = Session::new();
    /// session.insert("cart", [1, 2])?;
    /// let csrf = auth.login(&mut session, "42", "pw-hash")?;
    /// assert_eq!(session.get::<String>("_auth_user_id")?.as_deref(), Some("42"));
    /// assert_eq!(session.get::<Vec<u8>>("cart")?, Some(vec![1, 2])); // kept, as in Django
    /// # let _ = csrf;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn login(
        &self,
        session: &mut Session,
        user_id: &str,
        password_hash: &str,
    ) -> Result<CsrfSecret, EncodeError> {
        let backend = self
            .backends
            .first()
            .map_or(MODEL_BACKEND, String::as_str)
            .to_owned();
        self.login_with_backend(session, user_id, password_hash, &backend)
    }

    /// Django's `login(request, user, backend)`:
    ///
    /// - when the session already holds a user and it is another one, or
    ///   its hash is not this user's current one (compared in constant
    ///   time), the session is flushed: nothing of another login survives;
    /// - when it holds no user, its data is kept and the session is marked
    ///   modified (Django's `cycle_key()`; for cookie sessions, a new cookie);
    /// - then `_auth_user_id`, `_auth_user_backend` and `_auth_user_hash`
    ///   are set;
    /// - and a new CSRF secret is made (Django's `rotate_token`), which the
    ///   caller must send as the `csrftoken` cookie.
    ///
    /// `backend` is recorded as given; a backend that is not configured
    /// makes the session anonymous on the next request, as in Django.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Random`] when the random source fails (the session is
    /// then flushed: no half-done login); [`EncodeError::Serialize`] cannot
    /// happen for these string values.
    ///
    /// # Security
    ///
    /// Check the password before (for example with
    /// [`check_password`](super::password::check_password)), and send the
    /// returned CSRF secret: a token from before the login must not work
    /// after it.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::auth::DjangoAuth;
    /// use session_cookie::{SecretKeys, Session};
    ///
    /// let auth = DjangoAuth::new(&SecretKeys::new("k")?);
    /// let mut session = Session::new();
    /// auth.login_with_backend(&mut session, "1", "pw-a", "myapp.Backend")?;
    /// session.insert("theme", "dark")?;
    /// auth.login(&mut session, "2", "pw-b")?; // another user: flushed first
    /// assert!(!session.contains("theme"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn login_with_backend(
        &self,
        session: &mut Session,
        user_id: &str,
        password_hash: &str,
        backend: &str,
    ) -> Result<CsrfSecret, EncodeError> {
        let session_auth_hash = self.session_auth_hash(password_hash);
        if session.contains(SESSION_KEY) {
            let same_user = stored_user_id(session).is_some_and(|stored| stored == user_id);
            let stored_hash = session
                .get::<String>(HASH_SESSION_KEY)
                .ok()
                .flatten()
                .unwrap_or_default();
            let same_hash: bool = stored_hash
                .as_bytes()
                .ct_eq(session_auth_hash.as_bytes())
                .into();
            if !same_user || !same_hash {
                session.flush();
            }
        } else {
            session.mark_modified();
        }
        let set = |session: &mut Session| -> Result<CsrfSecret, EncodeError> {
            session.insert(SESSION_KEY, user_id)?;
            session.insert(BACKEND_SESSION_KEY, backend)?;
            session.insert(HASH_SESSION_KEY, &session_auth_hash)?;
            CsrfSecret::generate()
        };
        set(session).inspect_err(|_| session.flush())
    }
}

/// Django's `logout(request)`: flushes the session, which ends the login and
/// drops everything else in it (delete the cookie). Django does not rotate
/// the CSRF token here; neither does this.
///
/// # Examples
///
/// ```
/// use session_cookie::django::auth::{DjangoAuth, logout};
/// use session_cookie::{SecretKeys, Session};
///
/// let mut session = Session::new();
/// DjangoAuth::new(&SecretKeys::new("k")?).login(&mut session, "1", "pw")?;
/// logout(&mut session);
/// assert!(session.is_empty() && session.is_modified());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn logout(session: &mut Session) {
    session.flush();
}

/// `_auth_user_id` as text: Django writes `pk.value_to_string(user)`, a
/// string; an integer (written by other code) is taken in decimal.
fn stored_user_id(session: &Session) -> Option<String> {
    if let Ok(Some(id)) = session.get::<String>(SESSION_KEY) {
        return Some(id);
    }
    if let Ok(Some(id)) = session.get::<i64>(SESSION_KEY) {
        return Some(id.to_string());
    }
    session
        .get::<u64>(SESSION_KEY)
        .ok()
        .flatten()
        .map(|id| id.to_string())
}

impl fmt::Debug for DjangoAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DjangoAuth")
            .field("keys", &self.keys.len())
            .field("backends", &self.backends)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const PW_A: &str = "pbkdf2_sha256$1000000$saltsaltsaltsaltsalt12$aaaa";
    const PW_B: &str = "pbkdf2_sha256$1000000$saltsaltsaltsaltsalt12$bbbb";

    fn auth() -> DjangoAuth {
        DjangoAuth::new(
            &SecretKeys::new("current-secret")
                .unwrap()
                .with_fallback("old-secret"),
        )
    }

    fn old_auth() -> DjangoAuth {
        DjangoAuth::new(&SecretKeys::new("old-secret").unwrap())
    }

    fn logged_in(auth: &DjangoAuth, user_id: &str, pw: &str) -> Session {
        let mut session = Session::new();
        session.insert("cart", vec![1, 2, 3]).unwrap();
        auth.login(&mut session, user_id, pw).unwrap();
        session
    }

    #[test]
    fn login_keeps_anonymous_data_and_marks_modified() {
        let session = logged_in(&auth(), "7", PW_A);
        assert!(session.is_modified());
        assert_eq!(session.get::<Vec<u8>>("cart").unwrap(), Some(vec![1, 2, 3]));
        assert_eq!(
            session.get::<String>(SESSION_KEY).unwrap().as_deref(),
            Some("7")
        );
        assert_eq!(
            session
                .get::<String>(BACKEND_SESSION_KEY)
                .unwrap()
                .as_deref(),
            Some(MODEL_BACKEND)
        );
        assert_eq!(
            session.get::<String>(HASH_SESSION_KEY).unwrap(),
            Some(auth().session_auth_hash(PW_A))
        );
    }

    #[test]
    fn login_flushes_when_another_user_is_present() {
        let mut session = logged_in(&auth(), "7", PW_A);
        auth().login(&mut session, "8", PW_B).unwrap();
        assert!(!session.contains("cart"));
        assert_eq!(
            session.get::<String>(SESSION_KEY).unwrap().as_deref(),
            Some("8")
        );
    }

    #[test]
    fn login_flushes_when_the_same_user_has_a_stale_hash() {
        let mut session = logged_in(&auth(), "7", PW_A);
        auth().login(&mut session, "7", PW_B).unwrap();
        assert!(!session.contains("cart"));
        // A hash from a fallback key is stale for login too (Django compares
        // with the current hash only).
        let mut session = logged_in(&old_auth(), "7", PW_A);
        auth().login(&mut session, "7", PW_A).unwrap();
        assert!(!session.contains("cart"));
    }

    #[test]
    fn login_keeps_data_when_the_same_user_logs_in_again() {
        let mut session = logged_in(&auth(), "7", PW_A);
        auth().login(&mut session, "7", PW_A).unwrap();
        assert!(session.contains("cart"));
    }

    #[test]
    fn login_with_a_user_key_but_no_hash_flushes() {
        let mut session = Session::new();
        session.insert(SESSION_KEY, "7").unwrap();
        session.insert("cart", 1).unwrap();
        auth().login(&mut session, "7", PW_A).unwrap();
        assert!(!session.contains("cart"));
    }

    #[test]
    fn login_compares_integer_ids_as_text() {
        let mut session = Session::new();
        session.insert(SESSION_KEY, 7).unwrap();
        session
            .insert(HASH_SESSION_KEY, auth().session_auth_hash(PW_A))
            .unwrap();
        session.insert("cart", 1).unwrap();
        auth().login(&mut session, "7", PW_A).unwrap();
        assert!(session.contains("cart"));
    }

    #[test]
    fn login_rotates_the_csrf_secret() {
        let mut session = Session::new();
        let first = auth().login(&mut session, "7", PW_A).unwrap();
        let second = auth().login(&mut session, "7", PW_A).unwrap();
        assert_ne!(first, second);
    }

    #[test]
    fn verify_current_hash_logs_in_without_changes() {
        let auth = auth();
        let mut session = logged_in(&auth, "7", PW_A);
        let claimed = auth.read(&session).unwrap();
        let before = session.clone();
        let user = UserRecord::new(PW_A, true);
        assert_eq!(
            auth.verify(&mut session, &claimed, Some(&user)),
            Outcome::LoggedIn { rehashed: false }
        );
        assert_eq!(session, before);
    }

    #[test]
    fn verify_with_a_fallback_hash_asks_for_rehash() {
        let auth = auth();
        let mut session = logged_in(&old_auth(), "7", PW_A);
        let claimed = auth.read(&session).unwrap();
        let user = UserRecord::new(PW_A, true);
        assert_eq!(
            auth.verify(&mut session, &claimed, Some(&user)),
            Outcome::LoggedIn { rehashed: true }
        );
        assert!(session.is_modified());
        assert!(session.contains("cart"));
        assert_eq!(
            session.get::<String>(HASH_SESSION_KEY).unwrap(),
            Some(auth.session_auth_hash(PW_A))
        );
        // The next request verifies under the current key.
        let claimed = auth.read(&session).unwrap();
        assert_eq!(
            auth.verify(&mut session, &claimed, Some(&user)),
            Outcome::LoggedIn { rehashed: false }
        );
    }

    #[test]
    fn verify_with_a_changed_password_flushes() {
        let auth = auth();
        let mut session = logged_in(&auth, "7", PW_A);
        let claimed = auth.read(&session).unwrap();
        let user = UserRecord::new(PW_B, true);
        assert_eq!(
            auth.verify(&mut session, &claimed, Some(&user)),
            Outcome::Anonymous { flushed: true }
        );
        assert!(session.is_empty());
    }

    #[test]
    fn verify_with_missing_or_empty_hash_flushes() {
        let auth = auth();
        for hash in [None, Some(""), Some("not-a-hash")] {
            let mut session = Session::new();
            session.insert(SESSION_KEY, "7").unwrap();
            session.insert(BACKEND_SESSION_KEY, MODEL_BACKEND).unwrap();
            if let Some(hash) = hash {
                session.insert(HASH_SESSION_KEY, hash).unwrap();
            }
            let user = UserRecord::new(PW_A, true);
            let outcome = auth.get_user(&mut session, |_| Some(user));
            assert_eq!(outcome, Outcome::Anonymous { flushed: true }, "{hash:?}");
            assert!(session.is_empty());
        }
    }

    /// Django's `ModelBackend.get_user` returns `None` for an inactive user,
    /// and `get_user` then neither verifies nor flushes.
    #[test]
    fn inactive_user_is_anonymous_and_the_session_is_kept() {
        let auth = auth();
        let mut session = logged_in(&auth, "7", PW_A);
        let before = session.clone();
        let outcome = auth.get_user(&mut session, |_| Some(UserRecord::new(PW_A, false)));
        assert_eq!(outcome, Outcome::Anonymous { flushed: false });
        assert_eq!(session, before);
    }

    /// Django's `get_user` skips a backend that is not in
    /// `AUTHENTICATION_BACKENDS` without flushing.
    #[test]
    fn unknown_backend_is_anonymous_and_never_looked_up() {
        let auth = auth();
        let mut session = Session::new();
        auth.login_with_backend(&mut session, "7", PW_A, "gone.Backend")
            .unwrap();
        let outcome = auth.get_user(&mut session, |_| unreachable!("no lookup"));
        assert_eq!(outcome, Outcome::Anonymous { flushed: false });
        assert!(session.contains(SESSION_KEY));
        let other = auth.with_backends(["gone.Backend"]);
        let outcome = other.get_user(&mut session, |_| Some(UserRecord::new(PW_A, true)));
        assert_eq!(outcome, Outcome::LoggedIn { rehashed: false });
    }

    #[test]
    fn logout_flushes() {
        let mut session = logged_in(&auth(), "7", PW_A);
        logout(&mut session);
        assert!(session.is_empty());
        assert!(session.is_modified());
    }

    #[test]
    fn debug_output_hides_hashes_and_keys() {
        let auth = auth();
        let session = logged_in(&auth, "7", PW_A);
        let claimed = auth.read(&session).unwrap();
        let shown = format!("{auth:?} {claimed:?} {:?}", UserRecord::new(PW_A, true));
        assert!(!shown.contains("secret"), "{shown}");
        assert!(!shown.contains(&auth.session_auth_hash(PW_A)), "{shown}");
        assert!(!shown.contains("pbkdf2"), "{shown}");
    }
}
