//! A framework-free session engine: Django's `SessionMiddleware` once, for
//! every web framework. An adapter (the tower layer, actix-web, Rocket, or
//! a page of code for any other framework) gives it the request's `Cookie`
//! header values as bytes, hands the handler the [`SessionHandle`], and
//! after the handler sends the [`ResponseCookies`] it decides: the
//! `Set-Cookie` header values and whether to add `Vary: Cookie`. No HTTP,
//! tower or runtime type is in this API.
//!
//! ```text
//! request ──► SessionEngine::start(cookie headers) ──► RequestSession
//!             │ reads `name`, `name.1`, … as bytes     │ .handle(): the handler's
//!             │ (no crypto yet)                        │ session, decoded on first use
//!             │                                        │ (.load().await: and checked
//!             │                                        │ against a revocation store)
//! response ◄──┤ RequestSession::finish(status).await ◄─┘
//!             │ ResponseCookies: Set-Cookie values (delete if emptied,
//!             │ write, chunked, if modified or due for re-issue, never on
//!             │ a 5xx), Vary: Cookie if the session was touched
//! ```
//!
//! On the response, in Django's order:
//!
//! - a session the handler never touched changes nothing (unless
//!   [`SessionConfig::with_save_every_request`]);
//! - a touched session adds `Vary: Cookie`;
//! - an empty session whose request carried the cookie deletes it, and
//!   every chunk of it;
//! - a non-empty session is written when it was modified, when the codec
//!   says the cookie needs re-issuing (verified by a non-active key, or past
//!   half its idle lifetime), or on every request if so configured; but not
//!   on a 5xx response. Chunks the new value no longer needs are deleted.
//!
//! A session that cannot be written (too large for what [`SessionConfig`]
//! allows, or any other encoding failure) sends no cookie: the browser
//! keeps the cookies it has. [`ResponseCookies::error`] says why, the
//! error goes to [`SessionEngine::with_on_write_error`]'s callback and,
//! with the `tracing` feature, to `tracing` as an error event; with
//! [`SessionEngine::with_error_response`] the adapter turns the response
//! into an empty 500. Handlers avoid all of that by checking first:
//! [`SessionHandle::try_insert`], [`SessionHandle::cookies_needed`].
//!
//! Sessions too large for one cookie are split across several
//! (`docs/chunking.md`): each piece names its write's random generation,
//! and the codec's MAC covers the whole reassembled value.
//!
//! # Examples
//!
//! An adapter's whole job, for any framework (the two awaits run on any
//! executor; without a revocation store they finish at once):
//!
//! ```
//! use session_cookie::engine::{SessionConfig, SessionEngine};
//! use session_cookie::{DjangoCodec, SecretKeys};
//!
//! # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
//! let engine = SessionEngine::new(DjangoCodec::sessions(&SecretKeys::new("django-secret")?), SessionConfig::DJANGO)?;
//! // On the request: every `Cookie` header value, as bytes.
//! let request = engine.start([b"csrftoken=abc; other=\xff".as_slice()]);
//! // Where the handler asks for its session (the extractor): verify it,
//! // and ask the revocation store if there is one.
//! request.handle().load().await;
//! // The handler uses the session.
//! request.handle().insert("user_id", 42)?;
//! // On the response: its status; then send what the engine decided.
//! let cookies = request.finish(200).await;
//! assert!(cookies.vary_cookie());
//! assert!(cookies.set_cookie()[0].starts_with("sessionid="));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub(crate) mod chunk;
mod config;
mod handle;
pub(crate) mod request;

use core::fmt;
use std::sync::Arc;

use crate::codec::{Codec, DjangoCodec, DjangoConfig, Limits, NativeCodec, NativeConfig};
use crate::error::EncodeError;
use crate::key::{NativeKeyRing, SecretKeys};
use crate::revoke::{Revocation, StoreError};
use crate::session::Session;
use crate::time::UnixTime;

pub use config::{
    ConfigError, DEFAULT_MAX_CHUNKS, DEFAULT_MAX_REQUEST_BYTES, MAX_CHUNKS, SameSite, SessionConfig,
};
pub use handle::{SessionGuard, SessionHandle};

use handle::{Outcome, Revoke, WriteError};
use request::RequestCookies;

/// A callback for sessions that could not be written.
type WriteErrorHook = Arc<dyn Fn(&SessionWriteError) + Send + Sync>;

/// What every request of one engine shares.
#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) codec: Arc<dyn Codec>,
    pub(crate) config: SessionConfig,
    pub(crate) clock: Arc<dyn Fn() -> UnixTime + Send + Sync>,
    pub(crate) revocation: Option<Revocation>,
    on_write_error: Option<WriteErrorHook>,
    error_response: bool,
}

/// Django's `SessionMiddleware`, without a framework: a codec, the cookie
/// settings, and what to do with sessions that cannot be written. Build
/// one at start-up, share it (it is cheap to clone), and call
/// [`SessionEngine::start`] on every request.
///
/// # Examples
///
/// ```
/// use session_cookie::engine::{SessionConfig, SessionEngine};
/// use session_cookie::{MasterKey, NativeConfig, NativeKeyRing};
///
/// let ring = NativeKeyRing::new(MasterKey::generate("2026-11")?);
/// let engine = SessionEngine::native(
///     &ring,
///     NativeConfig::ENCRYPTED,
///     SessionConfig::DJANGO.with_name("__Host-session"),
/// )?;
/// # let _ = engine;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SessionEngine {
    shared: Arc<Shared>,
}

impl fmt::Debug for SessionEngine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionEngine")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl SessionEngine {
    /// An engine that reads and writes cookies with `codec`, used as it is.
    ///
    /// A [`NativeCodec`] refuses to write more than its own size budget
    /// (4096 bytes by default), so it never chunks; build native layers
    /// with [`SessionEngine::native`], which sizes the codec for the engine.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when the cookie name, path or domain is invalid.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::{SessionConfig, SessionEngine};
    /// use session_cookie::{DjangoCodec, SecretKeys};
    ///
    /// let codec = DjangoCodec::sessions(&SecretKeys::new("django-secret-key")?);
    /// let engine = SessionEngine::new(codec, SessionConfig::DJANGO)?;
    /// assert_eq!(engine.config().name(), "sessionid");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(codec: impl Codec + 'static, config: SessionConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            shared: Arc::new(Shared {
                codec: Arc::new(codec),
                config,
                clock: Arc::new(UnixTime::now),
                revocation: None,
                on_write_error: None,
                error_response: false,
            }),
        })
    }

    /// An engine with the native format (signed or encrypted per `codec`).
    ///
    /// `config` decides three of the codec's settings, so the two cannot
    /// disagree: the cookie name the tokens are bound to, the maximum age
    /// ([`SessionConfig::age`], Django's `SESSION_COOKIE_AGE`, is also the
    /// server's idle limit), and the size budget and decoding length limit
    /// (room for [`SessionConfig::max_chunks`] cookies; the other
    /// [`Limits`] are the defaults). The rest (mode, purpose, absolute
    /// lifetime, compression, padding) comes from `codec`.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when the cookie name, path or domain is invalid, or
    /// the codec refuses the purpose ([`ConfigError::Key`]).
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::{SessionConfig, SessionEngine};
    /// use session_cookie::{MasterKey, NativeConfig, NativeKeyRing};
    ///
    /// let ring = NativeKeyRing::new(MasterKey::generate("k1")?);
    /// let engine = SessionEngine::native(&ring, NativeConfig::ENCRYPTED, SessionConfig::DJANGO)?;
    /// assert_eq!(engine.config().max_chunks(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn native(
        ring: &NativeKeyRing,
        codec: NativeConfig,
        config: SessionConfig,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        let max_value_len = config.max_value_len();
        let limits = Limits::DEFAULT
            .with_max_cookie_len(max_value_len.max(Limits::DEFAULT.max_cookie_len()));
        let codec = codec
            .with_cookie_name(config.name().to_owned())
            .with_max_age(Some(config.age()))
            .with_max_cookie_bytes(config.name().len() + 1 + max_value_len)
            .with_limits(limits);
        Self::new(NativeCodec::new(ring, codec)?, config)
    }

    /// An engine with Django's `signed_cookies` format, sharing sessions with
    /// a Django site that has the same `SECRET_KEY` and settings.
    ///
    /// `config`'s age becomes the codec's maximum age (one setting, as
    /// Django's `SESSION_COOKIE_AGE`), and the codec's cookie length limit
    /// is raised to what [`SessionConfig::max_chunks`] cookies hold. Django
    /// itself cannot read chunked cookies: keep `max_chunks` at 1 when it
    /// shares the cookie.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when the cookie name, path or domain is invalid.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::{SessionConfig, SessionEngine};
    /// use session_cookie::{DjangoConfig, SecretKeys};
    ///
    /// let ring = SecretKeys::new("django-secret-key")?.with_fallback("old-django-secret-key");
    /// let engine = SessionEngine::django(&ring, DjangoConfig::SESSIONS, SessionConfig::DJANGO.with_max_chunks(1))?;
    /// # let _ = engine;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn django(
        ring: &SecretKeys,
        codec: DjangoConfig,
        config: SessionConfig,
    ) -> Result<Self, ConfigError> {
        config.validate()?;
        let limits = codec.limits();
        let limits =
            limits.with_max_cookie_len(limits.max_cookie_len().max(config.max_value_len()));
        let codec = codec.with_max_age(Some(config.age())).with_limits(limits);
        Self::new(DjangoCodec::new(ring, codec), config)
    }

    /// Reads the time from `clock` instead of the system clock: for tests
    /// that step through time.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::{SessionConfig, SessionEngine};
    /// use session_cookie::{DjangoCodec, SecretKeys, UnixTime};
    ///
    /// let codec = DjangoCodec::sessions(&SecretKeys::new("django-secret-key")?);
    /// let engine = SessionEngine::new(codec, SessionConfig::DJANGO)?
    ///     .with_clock(|| UnixTime::from_secs(1_700_000_000));
    /// # let _ = engine;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_clock(self, clock: impl Fn() -> UnixTime + Send + Sync + 'static) -> Self {
        self.with_shared(|shared| shared.clock = Arc::new(clock))
    }

    /// Revokes sessions through `revocation`'s store: a logout (a verified
    /// session the handler empties: [`SessionHandle::flush`]) records the
    /// session's id, [`SessionHandle::flush_everywhere`] its subject, and
    /// every request whose cookie verifies asks the store once
    /// ([`SessionHandle::load`]); a revoked session is an empty one whose
    /// cookie the response deletes. See [`crate::revoke`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::{SessionConfig, SessionEngine};
    /// use session_cookie::revoke::{MemoryStore, Revocation};
    /// use session_cookie::{MasterKey, NativeConfig, NativeKeyRing};
    ///
    /// let ring = NativeKeyRing::new(MasterKey::generate("k1")?);
    /// let engine = SessionEngine::native(&ring, NativeConfig::ENCRYPTED, SessionConfig::DJANGO)?
    ///     .with_revocation(Revocation::new(MemoryStore::new(100_000)).with_subject_key("user_id"));
    /// # let _ = engine;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_revocation(self, revocation: Revocation) -> Self {
        self.with_shared(|shared| shared.revocation = Some(revocation))
    }

    /// The revocation settings, if any: for revoking a subject's sessions
    /// outside a request ([`Revocation::revoke_subject_at`]).
    #[must_use]
    pub fn revocation(&self) -> Option<&Revocation> {
        self.shared.revocation.as_ref()
    }

    /// Refuses every session of `subject` first issued up to now, on every
    /// node sharing the store: an administrator ending a user's sessions,
    /// or a password change. Without a revocation store, does nothing and
    /// says so.
    ///
    /// # Errors
    ///
    /// [`StoreError`] when the record was not kept, or
    /// [`StoreError::Unavailable`] when the engine has no store.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::{SessionConfig, SessionEngine};
    /// use session_cookie::revoke::{MemoryStore, Revocation};
    /// use session_cookie::{MasterKey, NativeConfig, NativeKeyRing};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let ring = NativeKeyRing::new(MasterKey::generate("k1")?);
    /// let engine = SessionEngine::native(&ring, NativeConfig::ENCRYPTED, SessionConfig::DJANGO)?
    ///     .with_revocation(Revocation::new(MemoryStore::new(1_000)).with_subject_key("user_id"));
    /// engine.revoke_subject("42").await?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # })?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub async fn revoke_subject(&self, subject: &str) -> Result<(), StoreError> {
        let revocation = self
            .shared
            .revocation
            .as_ref()
            .ok_or_else(|| StoreError::unavailable("the engine has no revocation store"))?;
        let now = (self.shared.clock)();
        revocation
            .revoke_subject_at(&*self.shared.codec, subject, now)
            .await
    }

    /// Calls `hook` with every session the engine could not write (the
    /// response then carries no `Set-Cookie`): for logging or metrics. It
    /// runs on the response path, so keep it short; it replaces an earlier
    /// hook. Without the `tracing` feature nothing else reports the error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use session_cookie::engine::{SessionConfig, SessionEngine};
    /// use session_cookie::{DjangoCodec, SecretKeys};
    ///
    /// let failures = Arc::new(AtomicUsize::new(0));
    /// let counter = Arc::clone(&failures);
    /// let codec = DjangoCodec::sessions(&SecretKeys::new("django-secret-key")?);
    /// let engine = SessionEngine::new(codec, SessionConfig::DJANGO)?
    ///     .with_on_write_error(move |err| {
    ///         counter.fetch_add(1, Ordering::Relaxed);
    ///         eprintln!("{err}");
    ///     });
    /// # let _ = engine;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_on_write_error(
        self,
        hook: impl Fn(&SessionWriteError) + Send + Sync + 'static,
    ) -> Self {
        self.with_shared(|shared| shared.on_write_error = Some(Arc::new(hook)))
    }

    /// With `true`, a response whose session could not be written becomes
    /// an empty 500 carrying the [`SessionWriteError`] in its extensions
    /// (the handler's status, headers and body are dropped), so that a
    /// login never looks successful when its session was not saved. With
    /// `false` (the default) the handler's response is kept, without the
    /// cookie. The hook and `tracing` are told either way.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::{SessionConfig, SessionEngine};
    /// use session_cookie::{DjangoCodec, SecretKeys};
    ///
    /// let codec = DjangoCodec::sessions(&SecretKeys::new("django-secret-key")?);
    /// let strict = SessionEngine::new(codec, SessionConfig::DJANGO)?.with_error_response(true);
    /// # let _ = strict;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_error_response(self, error_response: bool) -> Self {
        self.with_shared(|shared| shared.error_response = error_response)
    }

    fn with_shared(self, change: impl FnOnce(&mut Shared)) -> Self {
        let mut shared = Shared::clone(&self.shared);
        change(&mut shared);
        Self {
            shared: Arc::new(shared),
        }
    }

    /// The cookie settings.
    #[must_use]
    pub fn config(&self) -> &SessionConfig {
        &self.shared.config
    }

    /// The start of a request: reads `name` and its chunks from every
    /// `Cookie` header value, as bytes (a pair that does not parse, such
    /// as another cookie's raw UTF-8, is skipped, never the header), and
    /// keeps each copy of the session cookie the browser sent, in order,
    /// for the handle to try on first use. No cryptography runs here.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::{SessionConfig, SessionEngine};
    /// use session_cookie::{DjangoCodec, SecretKeys};
    ///
    /// let engine = SessionEngine::new(DjangoCodec::sessions(&SecretKeys::new("k")?), SessionConfig::DJANGO)?;
    /// let request = engine.start([b"sessionid=junk".as_slice()]);
    /// assert!(request.handle().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn start<'a>(&self, cookie_headers: impl IntoIterator<Item = &'a [u8]>) -> RequestSession {
        let config = &self.shared.config;
        let cookies = RequestCookies::read(cookie_headers, config.name(), config.max_chunks());
        let candidates = cookies.values(config.max_chunks());
        let now = (self.shared.clock)();
        RequestSession {
            handle: SessionHandle::new(Arc::clone(&self.shared), candidates, now),
            cookies,
        }
    }

    /// A request that arrives with `session` in its cookie, for testing a
    /// handler without a server: call the handler with
    /// [`RequestSession::handle`], then read the session it left there, or
    /// [`RequestSession::finish`] to see what the engine would send.
    ///
    /// # Errors
    ///
    /// As [`SessionEngine::cookie_header`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::{SessionConfig, SessionEngine, SessionHandle};
    /// use session_cookie::{DjangoCodec, SecretKeys, Session};
    ///
    /// fn logout(session: &SessionHandle) {
    ///     session.flush();
    /// }
    ///
    /// let engine = SessionEngine::new(DjangoCodec::sessions(&SecretKeys::new("k")?), SessionConfig::DJANGO)?;
    /// let mut logged_in = Session::new();
    /// logged_in.insert("user_id", 42)?;
    /// let request = engine.request_with(&logged_in)?;
    /// logout(request.handle());
    /// assert!(request.handle().is_empty());
    /// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
    /// let cookies = request.finish(303).await;
    /// // The cookie is deleted: emptied, with a zero `Max-Age`.
    /// let deletion = &cookies.set_cookie()[0];
    /// assert!(deletion.starts_with("sessionid=;") && deletion.contains("Max-Age=0"));
    /// # });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn request_with(&self, session: &Session) -> Result<RequestSession, EncodeError> {
        let header = self.cookie_header(session)?;
        Ok(self.start([header.as_bytes()]))
    }

    /// The `Cookie` request header value that carries `session` under this
    /// engine's codec and cookie name (chunked as a browser would send the
    /// chunks): for a test client that sends a request with a chosen
    /// session.
    ///
    /// # Errors
    ///
    /// [`EncodeError`] when the codec cannot write the session, or it does
    /// not fit in the cookies the configuration allows.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::{SessionConfig, SessionEngine};
    /// use session_cookie::{DjangoCodec, SecretKeys, Session};
    ///
    /// let engine = SessionEngine::new(DjangoCodec::sessions(&SecretKeys::new("k")?), SessionConfig::DJANGO)?;
    /// let mut session = Session::new();
    /// session.insert("user_id", 42)?;
    /// let header = engine.cookie_header(&session)?;
    /// assert!(header.starts_with("sessionid="));
    /// let request = engine.start([header.as_bytes()]);
    /// assert_eq!(request.handle().get::<u32>("user_id")?, Some(42));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn cookie_header(&self, session: &Session) -> Result<String, EncodeError> {
        let shared = &self.shared;
        let config = &shared.config;
        let now = (shared.clock)();
        let value = shared.codec.encode_at(session, None, now)?;
        let layout = config.layout();
        let pieces = chunk::split(&layout, &value, chunk::new_generation)?.ok_or_else(|| {
            handle::too_large(config.name(), value.len(), layout.max_value_len(), session)
        })?;
        let pairs: Vec<String> = pieces
            .iter()
            .enumerate()
            .map(|(index, piece)| format!("{}={piece}", chunk::chunk_name(config.name(), index)))
            .collect();
        Ok(pairs.join("; "))
    }
}

/// One request's session: the handle the handler uses, and what the
/// request's cookies were, for the response's decision.
#[derive(Debug)]
pub struct RequestSession {
    handle: SessionHandle,
    cookies: RequestCookies,
}

impl RequestSession {
    /// The handler's session (a cheap clone shares it). Decoded from the
    /// cookie on first use.
    #[must_use]
    pub fn handle(&self) -> &SessionHandle {
        &self.handle
    }

    /// The end of the request: what to send, given the response's status
    /// (a 5xx never saves). With a revocation store, a logout's record is
    /// written here, before the response goes, so that a copy of the
    /// cookie replayed right after is refused. A session that cannot be
    /// written, or a logout that could not be recorded, is reported to the
    /// engine's hook and to `tracing` here.
    pub async fn finish(self, status: u16) -> ResponseCookies {
        match self.decide(status) {
            Decision::Decided(decided) => decided,
            Decision::Recording(recording) => recording.finish().await,
        }
    }

    /// [`RequestSession::finish`] without a future when there is nothing
    /// to record: the decision, or the logout whose revocation records are
    /// still to be written. Only such a logout then costs the tower layer a
    /// boxed future; every other request is decided on the spot.
    pub(crate) fn decide(self, status: u16) -> Decision {
        let outcome = self
            .handle
            .outcome(&self.cookies, (500..600).contains(&status));
        if outcome.revoke.is_some() && self.handle.shared().revocation.is_some() {
            return Decision::Recording(Recording {
                handle: self.handle,
                outcome,
            });
        }
        Decision::Decided(conclude(self.handle.shared(), outcome, None))
    }
}

/// What [`RequestSession::decide`] found.
pub(crate) enum Decision {
    /// What to send.
    Decided(ResponseCookies),
    /// A logout whose records must be written first.
    Recording(Recording),
}

/// A logout's decision, waiting for its records in the revocation store.
pub(crate) struct Recording {
    handle: SessionHandle,
    outcome: Outcome,
}

impl Recording {
    /// Writes the records, then decides as [`RequestSession::finish`] does.
    pub(crate) async fn finish(mut self) -> ResponseCookies {
        let shared = self.handle.shared();
        let mut failed = None;
        if let (Some(revoke), Some(revocation)) = (self.outcome.revoke.take(), &shared.revocation) {
            if let Err(err) = record(shared, revocation, revoke).await {
                failed = Some(WriteError::Revocation(err));
            }
        }
        conclude(shared, self.outcome, failed)
    }
}

/// What to send for `outcome`; `failed` is a logout's record that could
/// not be written (a session that could not be written is reported
/// first).
fn conclude(shared: &Shared, outcome: Outcome, failed: Option<WriteError>) -> ResponseCookies {
    match outcome.error.or(failed) {
        None => ResponseCookies {
            set_cookie: outcome.set_cookies,
            vary_cookie: outcome.vary,
            error: None,
            error_response: false,
        },
        Some(err) => {
            // The browser's cookie is deleted even when the logout's
            // record failed; a session that was not written sends
            // nothing (the set is empty then).
            let err = SessionWriteError(Arc::new(err));
            report(shared, &err);
            ResponseCookies {
                set_cookie: outcome.set_cookies,
                vary_cookie: outcome.vary,
                error: Some(err),
                error_response: shared.error_response,
            }
        }
    }
}

/// Writes a logout's records: the session until its last possible expiry,
/// the subject's cutoff for as long as its sessions may live.
async fn record(
    shared: &Shared,
    revocation: &Revocation,
    revoke: Revoke,
) -> Result<(), StoreError> {
    let now = (shared.clock)();
    if let Some((id, first_issued_at)) = revoke.session {
        // Another node may have re-issued it this very second.
        let until = shared.codec.accepted_until(first_issued_at, Some(now));
        revocation.store().revoke_session(id, until, now).await?;
    }
    if let Some(subject) = revoke.subject {
        revocation
            .revoke_subject_at(&*shared.codec, &subject, now)
            .await?;
    }
    Ok(())
}

/// What the response must carry for the session.
#[derive(Debug, Clone)]
pub struct ResponseCookies {
    set_cookie: Vec<String>,
    vary_cookie: bool,
    error: Option<SessionWriteError>,
    error_response: bool,
}

impl ResponseCookies {
    /// The `Set-Cookie` header values to append, in order: each at most
    /// 4096 bytes, attributes included, and made of visible ASCII only.
    #[must_use]
    pub fn set_cookie(&self) -> &[String] {
        &self.set_cookie
    }

    /// Whether to add `Cookie` to the response's `Vary` (see
    /// [`vary_has_cookie`] for whether it is there already).
    #[must_use]
    pub fn vary_cookie(&self) -> bool {
        self.vary_cookie
    }

    /// Why the session was not written, if it was not.
    #[must_use]
    pub fn error(&self) -> Option<&SessionWriteError> {
        self.error.as_ref()
    }

    /// Whether the adapter must replace the handler's response with an
    /// empty 500 ([`SessionEngine::with_error_response`] and a session that
    /// could not be written).
    #[must_use]
    pub fn error_response(&self) -> bool {
        self.error_response
    }
}

/// Whether a response's `Vary` header values already name `Cookie` (or are
/// `*`), as Django's `patch_vary_headers` checks before adding it.
///
/// # Examples
///
/// ```
/// use session_cookie::engine::vary_has_cookie;
///
/// assert!(vary_has_cookie(["Accept-Encoding, cookie"]));
/// assert!(!vary_has_cookie(["Accept-Encoding"]));
/// ```
pub fn vary_has_cookie<'a>(values: impl IntoIterator<Item = &'a str>) -> bool {
    values
        .into_iter()
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|field| field == "*" || field.eq_ignore_ascii_case("cookie"))
}

/// Tells `tracing` that a revocation check got no answer (the session was
/// then treated as [`WhenUnreachable`](crate::revoke::WhenUnreachable)
/// says).
pub(crate) fn report_check(shared: &Shared, err: &StoreError) {
    #[cfg(feature = "tracing")]
    tracing::warn!(
        error = %err,
        cookie = shared.config.name(),
        "session revocation check unanswered"
    );
    let _ = (shared, err);
}

/// Tells the hook and `tracing` that a session was not written.
fn report(shared: &Shared, err: &SessionWriteError) {
    #[cfg(feature = "tracing")]
    tracing::error!(
        error = %err,
        cookie = shared.config.name(),
        "session cookie not written"
    );
    if let Some(hook) = &shared.on_write_error {
        hook(err);
    }
}

/// Why the session of a response was not written: given to
/// [`SessionEngine::with_on_write_error`]'s hook, and found in the
/// extensions of the response (the handler's, or the 500 that replaced it
/// with [`SessionEngine::with_error_response`]), for an outer layer.
///
/// # Examples
///
/// ```
/// use session_cookie::http::SessionWriteError;
///
/// fn log(response: &http::Response<()>) {
///     if let Some(err) = response.extensions().get::<SessionWriteError>() {
///         eprintln!("{err}");
///     }
/// }
/// ```
#[derive(Debug, Clone)]
pub struct SessionWriteError(Arc<WriteError>);

impl SessionWriteError {
    /// The codec's error, if the codec failed: [`EncodeError::TooLarge`]
    /// (also when the session needs more cookies than allowed) names the
    /// session's largest keys. `None` when the codec wrote a value that is
    /// not a valid cookie value.
    #[must_use]
    pub fn encode_error(&self) -> Option<&EncodeError> {
        match &*self.0 {
            WriteError::Encode(err) => Some(err),
            WriteError::Value | WriteError::Revocation(_) => None,
        }
    }

    /// The revocation store's error, when a logout could not be recorded
    /// (the browser's cookie was deleted; copies of it still work).
    #[must_use]
    pub fn store_error(&self) -> Option<&StoreError> {
        match &*self.0 {
            WriteError::Revocation(err) => Some(err),
            WriteError::Encode(_) | WriteError::Value => None,
        }
    }
}

impl fmt::Display for SessionWriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &*self.0 {
            WriteError::Encode(err) => write!(f, "the session cookie was not written: {err}"),
            WriteError::Value => f.write_str(
                "the session cookie was not written: the codec wrote characters \
                 that a cookie value cannot hold",
            ),
            WriteError::Revocation(err) => {
                write!(
                    f,
                    "the logout was not recorded for other copies of the cookie: {err}"
                )
            }
        }
    }
}

impl std::error::Error for SessionWriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.0 {
            WriteError::Encode(err) => Some(err),
            WriteError::Revocation(err) => Some(err),
            WriteError::Value => None,
        }
    }
}
