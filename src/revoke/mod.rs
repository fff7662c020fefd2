//! Revocation of stateless sessions: logout that holds for every copy of
//! a cookie, on one node ([`MemoryStore`]) or across a fleet
//! ([`RedisStore`], feature `redis`).
//!
//! A cookie session cannot be taken back by deleting it from the browser:
//! a copy (a stolen one, a shared computer's, a proxy log's) keeps working
//! until it expires. Every native token carries a random [`SessionId`]
//! that survives re-issues, and its first-issue time; a revocation store
//! keeps one small record per ended session, only until any token of it
//! would have expired anyway ([`Codec::accepted_until`]).
//!
//! Two kinds of record:
//!
//! - **a session**: its id is refused until its last possible expiry. The
//!   engine records it when the handler empties a verified session
//!   (logout: [`SessionHandle::flush`]);
//! - **a subject** (the user id the application names, read from the
//!   session key given to [`Revocation::with_subject_key`]): every session
//!   of that subject first issued at or before a moment is refused ("log
//!   out everywhere": [`SessionHandle::flush_everywhere`], or
//!   [`Revocation::revoke_subject_at`] from an admin task).
//!
//! # Whole seconds
//!
//! The native format's times are whole seconds, and so is the subject
//! rule: a session first issued in the same second as a "log out
//! everywhere" is refused with the others, because nothing in the token
//! says whether it came before or after within that second. A login in
//! that same second therefore has to be repeated a second later; a login
//! any later works. Logging in starts the session anew
//! ([`SessionHandle::cycle_id`]), so that an anonymous session from before
//! the revocation does not carry its old first-issue time into the login.
//!
//! # When the store cannot be reached
//!
//! [`WhenUnreachable::FailClosed`] (the default) treats a session whose
//! check got no answer as anonymous for that request, and leaves its
//! cookie alone (a form's CSRF token written into the empty stand-in does
//! not replace it) so that it works again once the store answers: during an
//! outage users look logged out, but no revoked session is ever accepted,
//! which is what a logout promises (OWASP ASVS V3.3.1).
//! [`WhenUnreachable::FailOpen`] accepts the session unchecked: the site
//! keeps working, and copies of logged-out cookies work too for as long as
//! the outage lasts. A logout whose record cannot be written still deletes
//! the browser's cookie, and is reported as a [`SessionWriteError`].
//!
//! [`RedisStore`]: crate::revoke::RedisStore
//! [`SessionHandle::flush`]: crate::engine::SessionHandle::flush
//! [`SessionHandle::flush_everywhere`]: crate::engine::SessionHandle::flush_everywhere
//! [`SessionHandle::cycle_id`]: crate::engine::SessionHandle::cycle_id
//! [`SessionWriteError`]: crate::engine::SessionWriteError
//!
//! # Examples
//!
//! ```
//! use session_cookie::engine::{SessionConfig, SessionEngine};
//! use session_cookie::revoke::{MemoryStore, Revocation};
//! use session_cookie::{MasterKey, NativeConfig, NativeKeyRing, Session};
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let ring = NativeKeyRing::new(MasterKey::generate("k1")?);
//! let engine = SessionEngine::native(&ring, NativeConfig::ENCRYPTED, SessionConfig::DJANGO)?
//!     .with_revocation(Revocation::new(MemoryStore::new(100_000)).with_subject_key("user_id"));
//!
//! let mut logged_in = Session::new();
//! logged_in.insert("user_id", 42)?;
//! let cookie = engine.cookie_header(&logged_in)?; // a copy of the cookie
//!
//! // Logout.
//! let request = engine.start([cookie.as_bytes()]);
//! request.handle().load().await;
//! request.handle().flush();
//! request.finish(303).await;
//!
//! // The copy is an anonymous session now.
//! let replay = engine.start([cookie.as_bytes()]);
//! replay.handle().load().await;
//! assert!(replay.handle().is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod memory;
#[cfg(feature = "redis")]
mod redis;

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use std::borrow::Cow;
use std::sync::Arc;

use serde::de::{self, Deserializer, Visitor};

use crate::codec::{Codec, SessionId};
use crate::error::Escaped;
use crate::session::Session;
use crate::time::UnixTime;

pub use memory::MemoryStore;
#[cfg(feature = "redis")]
pub use redis::{RedisConfig, RedisConfigError, RedisStore};

/// What a [`RevocationStore`] call returns: a boxed future, so that stores
/// can be chosen at run time (`Arc<dyn RevocationStore>`) and any async
/// runtime can drive them.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Where revocation records live: one node's memory, or a store the whole
/// fleet shares.
///
/// Implementations only keep and return records; the rule that decides
/// whether a session is revoked is [`Lookup::revokes`], the same for every
/// store. Every call gets the engine's `now`, so that a store that expires
/// records itself can count the time to live from the same clock.
///
/// # Examples
///
/// A store that answers nothing, as a test double for an outage:
///
/// ```
/// use session_cookie::revoke::{Lookup, RevocationStore, StoreError, StoreFuture};
/// use session_cookie::{SessionId, UnixTime};
///
/// struct Down;
///
/// impl RevocationStore for Down {
///     fn revoke_session(&self, _: SessionId, _: Option<UnixTime>, _: UnixTime) -> StoreFuture<'_, ()> {
///         Box::pin(async { Err(StoreError::unavailable("down for the test")) })
///     }
///     fn revoke_subject<'a>(&'a self, _: &'a str, _: UnixTime, _: Option<UnixTime>, _: UnixTime) -> StoreFuture<'a, ()> {
///         Box::pin(async { Err(StoreError::unavailable("down for the test")) })
///     }
///     fn lookup<'a>(&'a self, _: Option<SessionId>, _: Option<&'a str>, _: UnixTime) -> StoreFuture<'a, Lookup> {
///         Box::pin(async { Err(StoreError::unavailable("down for the test")) })
///     }
/// }
/// ```
pub trait RevocationStore: Send + Sync {
    /// Records that the session `id` is refused until `until` (`None`: for
    /// ever, when nothing bounds its tokens' lifetime).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the record was not kept.
    fn revoke_session(
        &self,
        id: SessionId,
        until: Option<UnixTime>,
        now: UnixTime,
    ) -> StoreFuture<'_, ()>;

    /// Records that every session of `subject` first issued at or before
    /// `through` is refused, keeping the record until `until` (`None`: for
    /// ever). A later call for the same subject moves `through` forward,
    /// never back.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the record was not kept.
    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        through: UnixTime,
        until: Option<UnixTime>,
        now: UnixTime,
    ) -> StoreFuture<'a, ()>;

    /// What the store holds about one session: whether its id is revoked,
    /// and its subject's cutoff, in one round trip.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the store did not answer.
    fn lookup<'a>(
        &'a self,
        id: Option<SessionId>,
        subject: Option<&'a str>,
        now: UnixTime,
    ) -> StoreFuture<'a, Lookup>;
}

impl<S: RevocationStore + ?Sized> RevocationStore for Arc<S> {
    fn revoke_session(
        &self,
        id: SessionId,
        until: Option<UnixTime>,
        now: UnixTime,
    ) -> StoreFuture<'_, ()> {
        (**self).revoke_session(id, until, now)
    }

    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        through: UnixTime,
        until: Option<UnixTime>,
        now: UnixTime,
    ) -> StoreFuture<'a, ()> {
        (**self).revoke_subject(subject, through, until, now)
    }

    fn lookup<'a>(
        &'a self,
        id: Option<SessionId>,
        subject: Option<&'a str>,
        now: UnixTime,
    ) -> StoreFuture<'a, Lookup> {
        (**self).lookup(id, subject, now)
    }
}

/// A store's answer about one session.
///
/// # Examples
///
/// ```
/// use session_cookie::UnixTime;
/// use session_cookie::revoke::Lookup;
///
/// let everywhere = Lookup::new(false, Some(UnixTime::from_secs(1_000)));
/// assert!(everywhere.revokes(UnixTime::from_secs(1_000)), "same second");
/// assert!(!everywhere.revokes(UnixTime::from_secs(1_001)), "a later login");
/// assert!(Lookup::new(true, None).revokes(UnixTime::from_secs(5_000)));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Lookup {
    session_revoked: bool,
    subject_through: Option<UnixTime>,
}

impl Lookup {
    /// `session_revoked`: the session's id has a record;
    /// `subject_through`: its subject's sessions first issued up to then
    /// are refused.
    #[must_use]
    pub const fn new(session_revoked: bool, subject_through: Option<UnixTime>) -> Self {
        Self {
            session_revoked,
            subject_through,
        }
    }

    /// Whether the session's id has a record.
    #[must_use]
    pub const fn session_revoked(&self) -> bool {
        self.session_revoked
    }

    /// Its subject's cutoff, if there is one.
    #[must_use]
    pub const fn subject_through(&self) -> Option<UnixTime> {
        self.subject_through
    }

    /// The rule: a session is refused when its id is revoked, or when it
    /// was first issued at or before its subject's cutoff (whole seconds:
    /// the same second counts as before, see the [module](self) docs).
    #[must_use]
    pub fn revokes(&self, first_issued_at: UnixTime) -> bool {
        self.session_revoked
            || self
                .subject_through
                .is_some_and(|through| first_issued_at.as_secs() <= through.as_secs())
    }
}

/// Why a revocation store did not answer or did not keep a record.
///
/// # Examples
///
/// ```
/// use session_cookie::revoke::StoreError;
///
/// let err = StoreError::unavailable("connection refused");
/// assert_eq!(err.to_string(), "the revocation store did not answer: connection refused");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreError {
    /// The store could not be reached, or it failed.
    Unavailable {
        /// The store's reason, with control characters escaped when shown.
        reason: String,
    },
    /// A bounded store is full of records that are all still needed.
    Full {
        /// How many records it holds at most.
        capacity: usize,
    },
}

impl StoreError {
    /// [`StoreError::Unavailable`] with `reason`.
    #[must_use]
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self::Unavailable {
            reason: reason.into(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unavailable { reason } => write!(
                f,
                "the revocation store did not answer: {}",
                Escaped(reason)
            ),
            Self::Full { capacity } => write!(
                f,
                "the revocation store is full: {capacity} records, none expired yet"
            ),
        }
    }
}

impl std::error::Error for StoreError {}

/// What to do with a session whose revocation check got no answer.
///
/// # Examples
///
/// ```
/// use session_cookie::revoke::WhenUnreachable;
///
/// assert_eq!(WhenUnreachable::default(), WhenUnreachable::FailClosed);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum WhenUnreachable {
    /// The session is anonymous for this request, and its cookie is kept:
    /// what the handler writes into the empty session does not replace it,
    /// unless the handler starts a new session
    /// ([`SessionHandle::cycle_id`](crate::engine::SessionHandle::cycle_id), a
    /// login) or logs out. No revoked session is ever accepted. The default.
    #[default]
    FailClosed,
    /// The session is accepted unchecked: copies of logged-out cookies
    /// work while the store is down.
    FailOpen,
}

/// An engine's revocation settings: the store, the session key that names
/// the subject, and what an unanswered check means. Give it to
/// [`SessionEngine::with_revocation`](crate::engine::SessionEngine::with_revocation).
///
/// # Examples
///
/// ```
/// use session_cookie::revoke::{MemoryStore, Revocation, WhenUnreachable};
///
/// let revocation = Revocation::new(MemoryStore::new(10_000))
///     .with_subject_key("user_id")
///     .when_unreachable(WhenUnreachable::FailClosed);
/// assert_eq!(revocation.subject_key(), Some("user_id"));
/// ```
#[derive(Clone)]
pub struct Revocation {
    store: Arc<dyn RevocationStore>,
    subject_key: Option<Cow<'static, str>>,
    when_unreachable: WhenUnreachable,
}

impl fmt::Debug for Revocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Revocation")
            .field("subject_key", &self.subject_key)
            .field("when_unreachable", &self.when_unreachable)
            .finish_non_exhaustive()
    }
}

impl Revocation {
    /// Revocation through `store`: sessions by id only, until a subject
    /// key is given; unanswered checks fail closed.
    #[must_use]
    pub fn new(store: impl RevocationStore + 'static) -> Self {
        Self {
            store: Arc::new(store),
            subject_key: None,
            when_unreachable: WhenUnreachable::FailClosed,
        }
    }

    /// The session key whose value names the session's subject (the user
    /// id: a string, or an integer written in decimal): what "log out
    /// everywhere" revokes. Sessions without it have no subject.
    #[must_use]
    pub fn with_subject_key(self, key: impl Into<Cow<'static, str>>) -> Self {
        Self {
            subject_key: Some(key.into()),
            ..self
        }
    }

    /// What a check that got no answer means (default: fail closed).
    #[must_use]
    pub fn when_unreachable(self, when_unreachable: WhenUnreachable) -> Self {
        Self {
            when_unreachable,
            ..self
        }
    }

    /// See [`Revocation::with_subject_key`].
    #[must_use]
    pub fn subject_key(&self) -> Option<&str> {
        self.subject_key.as_deref()
    }

    /// See [`Revocation::when_unreachable`].
    #[must_use]
    pub fn unreachable_policy(&self) -> WhenUnreachable {
        self.when_unreachable
    }

    /// The store.
    #[must_use]
    pub fn store(&self) -> &dyn RevocationStore {
        &*self.store
    }

    /// The subject of `session`: the value at the subject key, if it is a
    /// string or an integer.
    pub(crate) fn subject_of(&self, session: &Session) -> Option<String> {
        let key = self.subject_key.as_deref()?;
        session
            .peek::<Subject>(key)
            .ok()
            .flatten()
            .map(|subject| subject.0)
    }

    /// Refuses every session of `subject` first issued at or before `now`
    /// (whole seconds), from outside a request: an administrator ending a
    /// user's sessions, or a password change. `codec` is the engine's
    /// (it says how long the record must be kept).
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the record was not kept.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::revoke::{MemoryStore, Revocation};
    /// use session_cookie::{MasterKey, NativeCodec, NativeConfig, NativeKeyRing, UnixTime};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let codec = NativeCodec::new(&NativeKeyRing::new(MasterKey::generate("k1")?), NativeConfig::SIGNED)?;
    /// let revocation = Revocation::new(MemoryStore::new(1_000)).with_subject_key("user_id");
    /// let now = UnixTime::from_secs(1_700_000_000);
    /// revocation.revoke_subject_at(&codec, "42", now).await?;
    /// let lookup = revocation.store().lookup(None, Some("42"), now).await?;
    /// assert!(lookup.revokes(now));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn revoke_subject_at(
        &self,
        codec: &(impl Codec + ?Sized),
        subject: &str,
        now: UnixTime,
    ) -> Result<(), StoreError> {
        let through = UnixTime::from_secs(now.as_secs());
        // Every session first issued up to `through` may still be
        // re-issued until the codec's absolute lifetime ends.
        let until = codec.accepted_until(through, None);
        self.store
            .revoke_subject(subject, through, until, now)
            .await
    }
}

/// A subject as the session holds it: a string, or an integer (written in
/// decimal, so that `42` and `"42"` name the same user).
struct Subject(String);

impl<'de> de::Deserialize<'de> for Subject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SubjectVisitor;

        impl Visitor<'_> for SubjectVisitor {
            type Value = Subject;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an integer")
            }

            fn visit_str<E: de::Error>(self, value: &str) -> Result<Subject, E> {
                Ok(Subject(value.to_owned()))
            }

            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Subject, E> {
                Ok(Subject(value.to_string()))
            }

            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Subject, E> {
                Ok(Subject(value.to_string()))
            }
        }

        deserializer.deserialize_any(SubjectVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_subject_is_a_string_or_an_integer() {
        let revocation = Revocation::new(MemoryStore::new(10)).with_subject_key("user_id");
        let subject = |json: &str| {
            let session = Session::from_json_bytes(json.as_bytes().into()).unwrap();
            revocation.subject_of(&session)
        };
        assert_eq!(subject(r#"{"user_id":42}"#).as_deref(), Some("42"));
        assert_eq!(subject(r#"{"user_id":-7}"#).as_deref(), Some("-7"));
        assert_eq!(subject(r#"{"user_id":"alice"}"#).as_deref(), Some("alice"));
        assert_eq!(subject(r#"{"user_id":1.5}"#), None);
        assert_eq!(subject(r#"{"user_id":[1]}"#), None);
        assert_eq!(subject(r#"{"other":1}"#), None);
        let without_key = Revocation::new(MemoryStore::new(10));
        let session = Session::from_json_bytes(br#"{"user_id":42}"#.as_slice().into()).unwrap();
        assert_eq!(without_key.subject_of(&session), None);
    }

    #[test]
    fn errors_escape_what_a_store_says() {
        let err = StoreError::unavailable("refused\u{1b}]0;x\u{7}");
        assert!(!err.to_string().chars().any(char::is_control));
    }
}
