//! [`SessionHandle`]: a request's session, decoded on first use, and the
//! decision of what the response says about it.

use core::fmt;
use core::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use cookie::time::OffsetDateTime;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::chunk;
use super::request::RequestCookies;
use super::{Shared, report_check};
use crate::codec::{Lineage, SessionId};
use crate::error::{DecodeError, EncodeError};
use crate::revoke::{Revocation, StoreError, WhenUnreachable};
use crate::session::{Expiry, Session};
use crate::time::UnixTime;

/// The session of one request, shared by the engine and the handler.
///
/// [`SessionEngine::start`](super::SessionEngine::start) makes one for
/// every request; the tower layer puts it into the request's extensions
/// (with the `axum` feature it is also an extractor). The cookie
/// is verified and decoded the first time the handler touches the session,
/// never before: a handler that does not use the session costs no
/// cryptography, and its response gets no `Set-Cookie` and no `Vary`.
/// A cookie that does not verify, has expired, or whose chunks do not fit
/// together is an empty session.
///
/// The methods mirror [`Session`]'s; [`SessionHandle::lock`] gives the
/// [`Session`] itself for everything else. Clones share one session, and
/// what matters is its state when the handler's response passes back
/// through the engine: later changes (from a spawned task) are not written.
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
    /// The request's (reassembled) candidate cookie values, in the order
    /// the browser sent them, until they are decoded.
    pending: Vec<String>,
    loaded: bool,
    /// Whether one of the candidates verified.
    verified: bool,
    session: Session,
    /// What the next token of this session keeps (id, first-issue time);
    /// `None` for a new session, or after [`SessionHandle::cycle_id`].
    lineage: Option<Lineage>,
    /// The verified session's own lineage, unless it was revoked: what a
    /// logout revokes.
    decoded: Option<Lineage>,
    needs_reissue: bool,
    /// Whether the decoded session waits for its revocation check (asked
    /// about `decoded` and `subject`).
    unchecked: bool,
    /// The decoded session's subject (with a revocation store).
    subject: Option<String>,
    /// A session whose check got no answer under fail-closed: anonymous for
    /// this request, and its cookie is left as it is.
    withheld: bool,
    /// [`SessionHandle::cycle_id`] was called: a new session is meant.
    cycled: bool,
    /// The subject whose sessions [`SessionHandle::flush_everywhere`] ends.
    everywhere: Option<String>,
}

impl State {
    /// Decodes the candidates, once. With a revocation store the session
    /// then waits for its check ([`SessionHandle::load`]).
    fn load(&mut self, shared: &Shared, now: UnixTime) {
        if self.loaded {
            return;
        }
        self.loaded = true;
        // The first candidate that verifies is the session; when none does
        // it is empty, as Django's `load()` has it. A copy planted beside
        // the real cookie (`docs/chunking.md` §3) costs one more MAC check,
        // at most `MAX_CANDIDATES` in all.
        for value in core::mem::take(&mut self.pending) {
            if let Ok(decoded) = shared.codec.decode_at(&value, now) {
                self.verified = true;
                self.lineage = Some(decoded.lineage());
                self.decoded = Some(decoded.lineage());
                self.needs_reissue = decoded.needs_reissue();
                self.session = decoded.into_value();
                break;
            }
        }
        if let (Some(revocation), Some(lineage)) = (&shared.revocation, self.decoded) {
            self.subject = revocation.subject_of(&self.session);
            self.unchecked = lineage.session_id().is_some() || self.subject.is_some();
        }
    }

    /// The session as the handler may see it: decoded, and a check still
    /// waiting (sync use before [`SessionHandle::load`]) settled as if the
    /// store had not answered.
    fn ready(&mut self, shared: &Shared, now: UnixTime) {
        self.load(shared, now);
        if core::mem::take(&mut self.unchecked) {
            self.unanswered(shared);
        }
    }

    fn unanswered(&mut self, shared: &Shared) {
        let policy = shared
            .revocation
            .as_ref()
            .map(Revocation::unreachable_policy);
        if policy != Some(WhenUnreachable::FailOpen) {
            self.withheld = true;
            self.hide();
        }
    }

    /// The handler sees an empty session, and a login in this request
    /// starts a new one. `decoded` stays: a logout of a withheld session
    /// still revokes it.
    fn hide(&mut self) {
        self.session = Session::new();
        self.lineage = None;
        self.needs_reissue = false;
    }

    /// Drops a revoked session.
    fn forget(&mut self) {
        self.hide();
        self.decoded = None;
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
    /// Why the session was not written; `set_cookies` is then empty.
    pub(crate) error: Option<WriteError>,
    /// What the revocation store must record before the response goes.
    pub(crate) revoke: Option<Revoke>,
}

/// The records a logout leaves in the revocation store.
#[derive(Debug)]
pub(crate) struct Revoke {
    /// The ended session (when its format gives it an id).
    pub(crate) session: Option<(SessionId, UnixTime)>,
    /// "Log out everywhere": the subject whose sessions end.
    pub(crate) subject: Option<String>,
}

/// Why a response's session could not be written.
#[derive(Debug)]
pub(crate) enum WriteError {
    /// The codec failed, or the value needs too many cookies.
    Encode(EncodeError),
    /// A logout's revocation record was not kept: copies of the cookie
    /// still work (the browser's own cookie is deleted all the same).
    Revocation(StoreError),
    /// The codec wrote a value that is not RFC 6265 `cookie-octet`s, or a
    /// header came out longer than [`chunk::COOKIE_LIMIT`].
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

impl SessionHandle {
    pub(crate) fn new(shared: Arc<Shared>, candidates: Vec<String>, now: UnixTime) -> Self {
        Self {
            inner: Arc::new(Inner {
                shared,
                now,
                state: Mutex::new(State {
                    pending: candidates,
                    loaded: false,
                    verified: false,
                    session: Session::new(),
                    lineage: None,
                    decoded: None,
                    needs_reissue: false,
                    unchecked: false,
                    subject: None,
                    withheld: false,
                    cycled: false,
                    everywhere: None,
                }),
            }),
        }
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.inner.shared
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
        state.ready(&self.inner.shared, self.inner.now);
        // Handing out the session is using it: the response depends on
        // the cookie (`Vary: Cookie`) even if the caller only serializes it.
        let _ = state.session.is_empty();
        SessionGuard { state }
    }

    /// Decodes the cookie and, when the engine has a revocation store
    /// ([`SessionEngine::with_revocation`](super::SessionEngine::with_revocation)),
    /// asks the store whether the session was revoked: one round trip,
    /// only for a request whose cookie verified. The extractors of the
    /// axum, actix-web and Rocket adapters call it before the handler
    /// runs; call it yourself where you take the handle from elsewhere.
    /// Later calls do nothing.
    ///
    /// A revoked session is an empty session, and the response deletes its
    /// cookie. Without a store this is the same as the first synchronous
    /// use. With one, a synchronous use before `load` has finished counts
    /// as a check the store did not answer
    /// ([`WhenUnreachable`](crate::revoke::WhenUnreachable)).
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::SessionHandle;
    ///
    /// async fn user_id(session: &SessionHandle) -> Option<u64> {
    ///     session.load().await;
    ///     session.get("user_id").ok().flatten()
    /// }
    /// ```
    pub async fn load(&self) {
        let shared = &self.inner.shared;
        let asked = {
            let mut state = self.state();
            state.load(shared, self.inner.now);
            // Copied out: the lock is not held across the store's answer.
            state
                .decoded
                .filter(|_| state.unchecked)
                .map(|lineage| (lineage, state.subject.clone()))
        };
        let (Some((lineage, subject)), Some(revocation)) = (asked, &shared.revocation) else {
            return;
        };
        let answer = revocation
            .store()
            .lookup(lineage.session_id(), subject.as_deref(), self.inner.now)
            .await;
        let mut state = self.state();
        // A synchronous use while the store was asked has settled it.
        if !core::mem::take(&mut state.unchecked) {
            return;
        }
        match answer {
            Ok(lookup) if lookup.revokes(lineage.first_issued_at()) => state.forget(),
            Ok(_) => {}
            Err(err) => {
                report_check(shared, &err);
                state.unanswered(shared);
            }
        }
    }

    /// [`Session::flush`] and, with a revocation store, "log out
    /// everywhere": every session of this session's subject (the value
    /// at [`Revocation::with_subject_key`](crate::revoke::Revocation::with_subject_key))
    /// first issued up to now is refused from the response on, on every
    /// node that shares the store, this one included. Without a store or
    /// a subject it is [`SessionHandle::flush`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::SessionHandle;
    ///
    /// fn log_out_everywhere(session: &SessionHandle) {
    ///     session.flush_everywhere();
    /// }
    /// ```
    pub fn flush_everywhere(&self) {
        let shared = &self.inner.shared;
        let mut state = self.state();
        state.ready(shared, self.inner.now);
        if let Some(revocation) = &shared.revocation {
            // A session withheld for want of an answer still names its
            // subject, so that its logout is still attempted.
            state.everywhere = revocation
                .subject_of(&state.session)
                .or_else(|| state.subject.clone());
        }
        state.session.flush();
    }

    /// Starts the session anew with its data: the next cookie gets a new
    /// [`SessionId`] and a first-issue time of now (Django's
    /// `cycle_key()`). Call it at login, so that the logged-in session
    /// does not inherit the id or the first-issue time of the anonymous
    /// session before it: "log out everywhere" refuses sessions by their
    /// first-issue time, and a login after it must start after it.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::SessionHandle;
    ///
    /// fn login(session: &SessionHandle, user_id: u64) {
    ///     session.cycle_id();
    ///     session.insert("user_id", user_id).ok();
    /// }
    /// ```
    pub fn cycle_id(&self) {
        let mut state = self.state();
        state.ready(&self.inner.shared, self.inner.now);
        state.lineage = None;
        state.cycled = true;
        state.session.mark_modified();
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
    /// Handlers that store user-sized data can check with it, or with
    /// [`SessionHandle::try_insert`], and refuse the data instead of losing
    /// the write.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::http::SessionHandle;
    ///
    /// fn cookie_count(session: &SessionHandle) -> String {
    ///     match session.cookies_needed() {
    ///         Ok(count) => format!("kept in {count} cookies"),
    ///         Err(err) => format!("not kept: {err}"),
    ///     }
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`EncodeError::TooLarge`] when it does not fit in what
    /// [`SessionConfig`](super::SessionConfig) allows
    /// ([`max_value_len`](super::SessionConfig::max_value_len)), naming
    /// the session's largest keys; [`EncodeError::Serialize`] when it
    /// cannot be written as JSON.
    pub fn cookies_needed(&self) -> Result<usize, EncodeError> {
        let session = self.lock();
        self.measure(&session)
    }

    /// [`Session::insert`], but only if the session can still be written
    /// afterwards: when the encoded session would be longer than the engine
    /// can write ([`SessionConfig::max_value_len`](super::SessionConfig::max_value_len)),
    /// the session is left exactly as it was (value, flags) and the error
    /// says by how much.
    ///
    /// The check encodes the session once (with the codec's
    /// [`encoded_len`](crate::Codec::encoded_len); the native
    /// format measures without its cryptography).
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::EncodeError;
    /// use session_cookie::http::SessionHandle;
    ///
    /// fn save_draft(session: &SessionHandle, draft: &str) -> Result<(), String> {
    ///     match session.try_insert("draft", draft) {
    ///         Ok(()) => Ok(()),
    ///         Err(EncodeError::TooLarge { len, limit, .. }) => {
    ///             Err(format!("this draft needs {len} bytes of cookies; {limit} fit"))
    ///         }
    ///         Err(err) => Err(err.to_string()),
    ///     }
    /// }
    /// ```
    ///
    /// # Errors
    ///
    /// [`EncodeError::TooLarge`] when the session would not fit, naming its
    /// largest keys (with `value` in place); [`EncodeError::Serialize`]
    /// when `value` is not representable as JSON. In both cases nothing
    /// changed.
    pub fn try_insert<T: Serialize>(
        &self,
        key: impl Into<String>,
        value: T,
    ) -> Result<(), EncodeError> {
        let key = key.into();
        let mut session = self.lock();
        let mut candidate = (*session).clone();
        candidate.insert(key.clone(), &value)?;
        self.measure(&candidate)?;
        session.insert(key, value)
    }

    /// The number of cookies `session` takes, or why it cannot be written.
    fn measure(&self, session: &Session) -> Result<usize, EncodeError> {
        let shared = &self.inner.shared;
        let len = shared.codec.encoded_len(session)?;
        let config = &shared.config;
        let layout = config.layout();
        layout
            .cookies_needed(len)
            .ok_or_else(|| too_large(config.name(), len, layout.max_value_len(), session))
    }

    /// Decides the response's `Set-Cookie` headers and `Vary`, following
    /// Django's `SessionMiddleware.process_response`.
    pub(crate) fn outcome(&self, request: &RequestCookies, server_error: bool) -> Outcome {
        let shared = &self.inner.shared;
        let config = &shared.config;
        let mut state = self.state();
        // Untouched: nothing to say, unless every response re-issues.
        let reissue_untouched = config.save_every_request() && request.any();
        if !(state.loaded || reissue_untouched) {
            return Outcome::default();
        }
        // Decoded and checked (the adapters have loaded it by now when the
        // handler used it; a re-issue of an untouched one needs both too).
        state.ready(shared, self.inner.now);
        // Read the flags before anything below reads the session.
        let accessed = state.session.is_accessed();
        let modified = state.session.is_modified();
        let mut outcome = Outcome {
            set_cookies: Vec::new(),
            vary: accessed,
            error: None,
            revoke: None,
        };
        let name = config.name();
        if state.session.is_empty() {
            // A standing session the handler emptied (logout) is revoked,
            // so that no copy of its cookie brings it back.
            if shared.revocation.is_some() && modified {
                let session = state
                    .decoded
                    .and_then(|lineage| Some((lineage.session_id()?, lineage.first_issued_at())));
                let subject = state.everywhere.take();
                if session.is_some() || subject.is_some() {
                    outcome.revoke = Some(Revoke { session, subject });
                }
            }
            if request.any() {
                outcome.vary = true;
                // A read that verified nothing deletes the cookies only when
                // each name came once. With copies (another path or domain,
                // perhaps planted: `docs/chunking.md` §3) the deletion could
                // hit a cookie that is not the one that failed: the user's
                // own, beside the junk. A withheld session's cookie may be
                // valid: it is kept for when the store answers again,
                // unless the handler logged out.
                let delete = state.verified || !request.has_copies();
                if delete && (!state.withheld || modified) {
                    if request.has_head() {
                        outcome.set_cookies.push(config.delete_cookie(name));
                    }
                    for index in request.chunk_indices() {
                        let chunk = chunk::chunk_name(name, index);
                        outcome.set_cookies.push(config.delete_cookie(&chunk));
                    }
                }
            }
            return outcome;
        }
        let save = modified || state.needs_reissue || config.save_every_request();
        // A withheld session's cookie is the user's real session, valid as
        // soon as the store answers again: what the handler wrote into the
        // empty stand-in (a form's CSRF token) does not replace it, unless
        // the handler started a new session on purpose (a login).
        if !save || server_error || (state.withheld && !state.cycled) {
            return outcome;
        }
        match self.write(&state, request) {
            Ok(set_cookies) => outcome.set_cookies = set_cookies,
            Err(err) => outcome.error = Some(err),
        }
        outcome
    }

    /// The `Set-Cookie` headers that write the session: its cookies, then
    /// deletions of the request's chunks the new value no longer needs.
    /// Every header is at most [`chunk::COOKIE_LIMIT`] bytes.
    fn write(&self, state: &State, request: &RequestCookies) -> Result<Vec<String>, WriteError> {
        let shared = &self.inner.shared;
        let config = &shared.config;
        let name = config.name();
        let now = (shared.clock)();
        let value = shared.codec.encode_at(&state.session, state.lineage, now)?;
        if !cookie_octets(&value) {
            return Err(WriteError::Value);
        }
        let layout = config.layout();
        let pieces = chunk::split(&layout, &value, chunk::new_generation)?
            .ok_or_else(|| too_large(name, value.len(), layout.max_value_len(), &state.session))?;
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
        let mut set_cookies = Vec::with_capacity(pieces.len());
        for (index, piece) in pieces.iter().enumerate() {
            let chunk = chunk::chunk_name(name, index);
            set_cookies.push(config.set_cookie(&chunk, piece, max_age, now));
        }
        for index in request.chunk_indices() {
            if index >= pieces.len() {
                let chunk = chunk::chunk_name(name, index);
                set_cookies.push(config.delete_cookie(&chunk));
            }
        }
        // The layout keeps every header in the limit; a header that is not
        // (a date past year 9999?) is not sent at all.
        if set_cookies
            .iter()
            .any(|header| header.len() > chunk::COOKIE_LIMIT)
        {
            return Err(WriteError::Value);
        }
        Ok(set_cookies)
    }
}

/// The error for a session that does not fit in the allowed cookies; the
/// lengths count `name=` as [`EncodeError::TooLarge`] does.
pub(crate) fn too_large(
    name: &str,
    value_len: usize,
    max_value_len: usize,
    session: &Session,
) -> EncodeError {
    let pair = |len: usize| name.len().saturating_add(1).saturating_add(len);
    EncodeError::TooLarge {
        len: pair(value_len),
        limit: pair(max_value_len),
        largest_keys: session.largest_keys(),
    }
}
