//! [`SessionHandle`]: a request's session, decoded on first use, and the
//! decision of what the response says about it.

use core::fmt;
use core::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use cookie::time::OffsetDateTime;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Shared;
use super::chunk;
use crate::error::{DecodeError, EncodeError};
use crate::session::{Expiry, Session};
use crate::time::UnixTime;

/// The session of one request, shared by the layer and the handler.
///
/// The [`SessionLayer`](super::SessionLayer) puts one into every request's
/// extensions (with the `axum` feature it is also an extractor). The cookie
/// is verified and decoded the first time the handler touches the session,
/// never before: a handler that does not use the session costs no
/// cryptography, and its response gets no `Set-Cookie` and no `Vary`.
/// A cookie that does not verify, has expired, or whose chunks do not fit
/// together is an empty session.
///
/// The methods mirror [`Session`]'s; [`SessionHandle::lock`] gives the
/// [`Session`] itself for everything else. Clones share one session, and
/// what matters is its state when the handler's response passes back
/// through the layer: later changes (from a spawned task) are not written.
///
/// # Examples
///
/// ```
/// use session_cookie::http::SessionHandle;
///
/// async fn login(session: SessionHandle) -> &'static str {
///     session.insert("user_id", 42).ok();
///     "welcome"
/// }
///
/// async fn home(session: SessionHandle) -> String {
///     match session.get::<u64>("user_id").ok().flatten() {
///         Some(id) => format!("hello, user {id}"),
///         None => "hello, stranger".to_owned(),
///     }
/// }
/// ```
#[derive(Clone)]
pub struct SessionHandle {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    now: UnixTime,
    state: Mutex<State>,
}

struct State {
    /// The request's (reassembled) cookie value, until it is decoded.
    pending: Option<String>,
    loaded: bool,
    session: Session,
    /// First-issue time of the decoded session, kept through re-issues.
    origin: Option<UnixTime>,
    needs_reissue: bool,
}

impl State {
    fn load(&mut self, shared: &Shared, now: UnixTime) {
        if self.loaded {
            return;
        }
        self.loaded = true;
        if let Some(value) = self.pending.take() {
            // Any error is an empty session, as Django's `load()` has it.
            if let Ok(decoded) = shared.codec.decode_at(&value, now) {
                self.origin = Some(decoded.origin());
                self.needs_reissue = decoded.needs_reissue();
                self.session = decoded.into_value();
            }
        }
    }
}

/// Exclusive access to a request's [`Session`], from
/// [`SessionHandle::lock`]. Do not hold it across an `.await`.
pub struct SessionGuard<'a> {
    state: MutexGuard<'a, State>,
}

impl Deref for SessionGuard<'_> {
    type Target = Session;

    fn deref(&self) -> &Session {
        &self.state.session
    }
}

impl DerefMut for SessionGuard<'_> {
    fn deref_mut(&mut self) -> &mut Session {
        &mut self.state.session
    }
}

impl fmt::Debug for SessionGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionGuard").finish_non_exhaustive()
    }
}

impl fmt::Debug for SessionHandle {
    /// Prints no session content: it may hold what the cookie's encryption
    /// protects.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionHandle").finish_non_exhaustive()
    }
}

/// What the response must carry for the session.
#[derive(Debug, Default)]
pub(crate) struct Outcome {
    pub(crate) set_cookies: Vec<String>,
    pub(crate) vary: bool,
}

/// Why a response's session could not be written.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// The codec failed, or the value needs too many cookies.
    Encode(EncodeError),
    /// The codec wrote a value that is not RFC 6265 `cookie-octet`s.
    Value,
}

impl From<EncodeError> for WriteError {
    fn from(err: EncodeError) -> Self {
        Self::Encode(err)
    }
}

/// RFC 6265 §4.1.1 `cookie-octet`: what a cookie value may hold unquoted.
fn cookie_octets(value: &str) -> bool {
    value
        .bytes()
        .all(|b| matches!(b, 0x21 | 0x23..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E))
}

/// Which of the session's cookies the request carried.
#[derive(Debug, Default)]
pub(crate) struct RequestCookies {
    pub(crate) first: bool,
    /// Indices (1 and up) of the `name.I` cookies present.
    pub(crate) chunks: Vec<usize>,
}

impl RequestCookies {
    fn any(&self) -> bool {
        self.first || !self.chunks.is_empty()
    }
}

impl SessionHandle {
    pub(crate) fn new(shared: Arc<Shared>, value: Option<String>, now: UnixTime) -> Self {
        Self {
            inner: Arc::new(Inner {
                shared,
                now,
                state: Mutex::new(State {
                    pending: value,
                    loaded: false,
                    session: Session::new(),
                    origin: None,
                    needs_reissue: false,
                }),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // A handler that panicked while holding the lock leaves a session
        // that is still a valid map; keep using it.
        self.inner
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The session, decoded from the cookie if this is the first use.
    ///
    /// # Examples
    ///
    /// ```
    /// # use session_cookie::http::SessionHandle;
    /// fn visits(session: &SessionHandle) -> u64 {
    ///     let mut session = session.lock();
    ///     let visits = session.get_or("visits", 0u64).unwrap_or(0) + 1;
    ///     session.insert("visits", visits).ok();
    ///     visits
    /// }
    /// ```
    #[must_use]
    pub fn lock(&self) -> SessionGuard<'_> {
        let mut state = self.state();
        state.load(&self.inner.shared, self.inner.now);
        // Handing out the session is using it: the response depends on
        // the cookie (`Vary: Cookie`) even if the caller only serializes it.
        let _ = state.session.is_empty();
        SessionGuard { state }
    }

    /// [`Session::get`].
    ///
    /// # Errors
    ///
    /// [`DecodeError::BadPayload`] when the stored value is not a `T`.
    pub fn get<T: DeserializeOwned + 'static>(&self, key: &str) -> Result<Option<T>, DecodeError> {
        self.lock().get(key)
    }

    /// [`Session::get_or`]: `default` when the key is absent.
    ///
    /// # Errors
    ///
    /// [`DecodeError::BadPayload`] when the stored value is not a `T`.
    pub fn get_or<T: DeserializeOwned + 'static>(
        &self,
        key: &str,
        default: T,
    ) -> Result<T, DecodeError> {
        self.lock().get_or(key, default)
    }

    /// [`Session::insert`].
    ///
    /// # Errors
    ///
    /// [`EncodeError::Serialize`] when `value` is not representable as JSON.
    pub fn insert<T: Serialize>(
        &self,
        key: impl Into<String>,
        value: T,
    ) -> Result<(), EncodeError> {
        self.lock().insert(key, value)
    }

    /// [`Session::remove`]: whether the key was there.
    pub fn remove(&self, key: &str) -> bool {
        self.lock().remove(key)
    }

    /// [`Session::contains`].
    #[must_use]
    pub fn contains(&self, key: &str) -> bool {
        self.lock().contains(key)
    }

    /// [`Session::is_empty`].
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.lock().is_empty()
    }

    /// [`Session::clear`]: the response deletes the cookie.
    pub fn clear(&self) {
        self.lock().clear();
    }

    /// [`Session::flush`] (logout): the response deletes the cookie and
    /// every chunk of it.
    pub fn flush(&self) {
        self.lock().flush();
    }

    /// [`Session::set_expiry`]: when the browser should drop the cookie.
    pub fn set_expiry(&self, expiry: Expiry) {
        self.lock().set_expiry(expiry);
    }

    /// [`Session::mark_modified`]: re-issue the cookie with this response.
    pub fn mark_modified(&self) {
        self.lock().mark_modified();
    }

    /// How many cookies the session would take if written now: 1 when it
    /// fits in one, more when it would be chunked.
    ///
    /// Handlers that store user-sized data can check with it, and refuse
    /// the data instead of failing the response.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::EncodeError;
    /// use session_cookie::http::SessionHandle;
    ///
    /// fn save_draft(session: &SessionHandle, draft: &str) -> Result<(), String> {
    ///     session.insert("draft", draft).map_err(|err| err.to_string())?;
    ///     if let Err(EncodeError::TooLarge { .. }) = session.cookies_needed() {
    ///         session.remove("draft");
    ///         return Err("too long to keep in the session".to_owned());
    ///     }
    ///     Ok(())
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`EncodeError::TooLarge`] when it needs more cookies than
    /// [`SessionConfig::max_chunks`](super::SessionConfig::max_chunks)
    /// (the response would then fail), naming the session's largest keys;
    /// [`EncodeError::Serialize`] when it cannot be written as JSON.
    pub fn cookies_needed(&self) -> Result<usize, EncodeError> {
        let session = self.lock();
        let shared = &self.inner.shared;
        let len = shared.codec.encoded_len(&session)?;
        let config = &shared.config;
        let max = config.max_value_len();
        if len > max {
            return Err(too_large(config.name(), len, max, &session));
        }
        // Only the length and the first character matter for the count.
        let probe = "x".repeat(len);
        chunk::cookies_needed(config.name(), &probe, config.max_chunks())
            .ok_or_else(|| too_large(config.name(), len, max, &session))
    }

    /// Decides the response's `Set-Cookie` headers and `Vary`, following
    /// Django's `SessionMiddleware.process_response`.
    pub(crate) fn outcome(
        &self,
        request: &RequestCookies,
        server_error: bool,
    ) -> Result<Outcome, WriteError> {
        let shared = &self.inner.shared;
        let config = &shared.config;
        let mut state = self.state();
        if !state.loaded {
            // Untouched: nothing to say, unless every response re-issues.
            if !(config.save_every_request() && request.any()) {
                return Ok(Outcome::default());
            }
            state.load(shared, self.inner.now);
        }
        // Read the flags before anything below reads the session.
        let accessed = state.session.is_accessed();
        let modified = state.session.is_modified();
        let mut outcome = Outcome {
            set_cookies: Vec::new(),
            vary: accessed,
        };
        let name = config.name();
        if state.session.is_empty() {
            if request.any() {
                outcome.vary = true;
                if request.first {
                    outcome.set_cookies.push(config.delete_cookie(name));
                }
                for &index in &request.chunks {
                    let chunk = chunk::chunk_name(name, index);
                    outcome.set_cookies.push(config.delete_cookie(&chunk));
                }
            }
            return Ok(outcome);
        }
        let save = modified || state.needs_reissue || config.save_every_request();
        if !save || server_error {
            return Ok(outcome);
        }
        let now = (shared.clock)();
        let value = shared.codec.encode_at(&state.session, state.origin, now)?;
        if !cookie_octets(&value) {
            return Err(WriteError::Value);
        }
        let pieces = chunk::split(name, &value, chunk::new_generation, config.max_chunks())?
            .ok_or_else(|| too_large(name, value.len(), config.max_value_len(), &state.session))?;
        let now = OffsetDateTime::from_unix_timestamp(now.as_secs())
            .unwrap_or(OffsetDateTime::UNIX_EPOCH);
        let max_age = if state
            .session
            .expires_at_browser_close(config.expire_at_browser_close())
        {
            None
        } else {
            Some(state.session.expiry_age_at(now, config.age()))
        };
        for (index, piece) in pieces.iter().enumerate() {
            let chunk = chunk::chunk_name(name, index);
            outcome
                .set_cookies
                .push(config.set_cookie(&chunk, piece, max_age, now));
        }
        for &index in &request.chunks {
            if index >= pieces.len() {
                let chunk = chunk::chunk_name(name, index);
                outcome.set_cookies.push(config.delete_cookie(&chunk));
            }
        }
        Ok(outcome)
    }
}

/// The error for a session that does not fit in the allowed cookies; the
/// lengths count `name=` as [`EncodeError::TooLarge`] does.
fn too_large(name: &str, value_len: usize, max_value_len: usize, session: &Session) -> EncodeError {
    EncodeError::TooLarge {
        len: name.len() + 1 + value_len,
        limit: name.len() + 1 + max_value_len,
        largest_keys: session.largest_keys(),
    }
}
