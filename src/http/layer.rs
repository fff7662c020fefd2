//! The tower [`Layer`] and [`Service`]: read the session cookies of a
//! request, hand the handler a [`SessionHandle`], and write the response's
//! `Set-Cookie` and `Vary` headers.

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};
use std::sync::Arc;

use http::header::{COOKIE, SET_COOKIE, VARY};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use super::config::{ConfigError, SessionConfig};
use super::handle::{SessionHandle, WriteError};
use super::request::RequestCookies;
use crate::codec::Codec;
use crate::codec::{DjangoCodec, DjangoConfig, Limits, NativeCodec, NativeConfig};
use crate::error::EncodeError;
use crate::key::{NativeKeyRing, SecretKeys};
use crate::time::UnixTime;

/// A callback for sessions that could not be written.
type WriteErrorHook = Arc<dyn Fn(&SessionWriteError) + Send + Sync>;

/// What every request of one layer shares.
#[derive(Clone)]
pub(crate) struct Shared {
    pub(crate) codec: Arc<dyn Codec>,
    pub(crate) config: SessionConfig,
    pub(crate) clock: Arc<dyn Fn() -> UnixTime + Send + Sync>,
    on_write_error: Option<WriteErrorHook>,
    error_response: bool,
}

/// Django's `SessionMiddleware` for tower stacks (axum, hyper, tonic, …):
/// every request gets a [`SessionHandle`], and every response the cookies
/// the session needs.
///
/// On the response, in Django's order:
///
/// - a session the handler never touched changes nothing (unless
///   [`SessionConfig::with_save_every_request`]);
/// - a touched session adds `Vary: Cookie`;
/// - an empty session whose request carried the cookie deletes it, and
///   every chunk of it;
/// - a non-empty session is written when it was modified, when the codec
///   says the cookie needs re-issuing (verified by a non-active key, or past
///   half its idle lifetime), or on every request if so configured; but not
///   on a 5xx response. Chunks the new value no longer needs are deleted.
///
/// A session that cannot be written (too large for what
/// [`SessionConfig`] allows, or any other encoding failure) sends no
/// cookie: the browser keeps the cookies it has. The handler's response
/// goes out as it is (status, headers, body), with the
/// [`SessionWriteError`] in its extensions; the error goes to
/// [`SessionLayer::with_on_write_error`]'s callback and, with the
/// `tracing` feature, to `tracing` as an error event.
/// [`SessionLayer::with_error_response`] turns such responses into an
/// empty 500 instead. Handlers avoid all of that by checking first:
/// [`SessionHandle::try_insert`], [`SessionHandle::cookies_needed`].
///
/// # Examples
///
/// ```
/// use session_cookie::http::{SessionConfig, SessionLayer};
/// use session_cookie::{MasterKey, NativeConfig, NativeKeyRing};
///
/// let ring = NativeKeyRing::new(MasterKey::generate("2026-11")?);
/// let layer = SessionLayer::native(
///     &ring,
///     NativeConfig::ENCRYPTED,
///     SessionConfig::DJANGO.with_name("__Host-session"),
/// )?;
/// // axum: Router::new().route(...).layer(layer)
/// # let _ = layer;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct SessionLayer {
    shared: Arc<Shared>,
}

impl fmt::Debug for SessionLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionLayer")
            .field("config", &self.shared.config)
            .finish_non_exhaustive()
    }
}

impl SessionLayer {
    /// A layer that reads and writes cookies with `codec`, used as it is.
    ///
    /// A [`NativeCodec`] refuses to write more than its own size budget
    /// (4096 bytes by default), so it never chunks; build native layers
    /// with [`SessionLayer::native`], which sizes the codec for the layer.
    ///
    /// # Errors
    ///
    /// [`ConfigError`] when the cookie name, path or domain is invalid.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::http::{SessionConfig, SessionLayer};
    /// use session_cookie::{DjangoCodec, SecretKeys};
    ///
    /// let codec = DjangoCodec::sessions(&SecretKeys::new("django-secret-key")?);
    /// let layer = SessionLayer::new(codec, SessionConfig::DJANGO)?;
    /// assert_eq!(layer.config().name(), "sessionid");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(codec: impl Codec + 'static, config: SessionConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            shared: Arc::new(Shared {
                codec: Arc::new(codec),
                config,
                clock: Arc::new(UnixTime::now),
                on_write_error: None,
                error_response: false,
            }),
        })
    }

    /// A layer with the native format (signed or encrypted per `codec`).
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
    /// use session_cookie::http::{SessionConfig, SessionLayer};
    /// use session_cookie::{MasterKey, NativeConfig, NativeKeyRing};
    ///
    /// let ring = NativeKeyRing::new(MasterKey::generate("k1")?);
    /// let layer = SessionLayer::native(&ring, NativeConfig::ENCRYPTED, SessionConfig::DJANGO)?;
    /// assert_eq!(layer.config().max_chunks(), 2);
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

    /// A layer with Django's `signed_cookies` format, sharing sessions with
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
    /// use session_cookie::http::{SessionConfig, SessionLayer};
    /// use session_cookie::{DjangoConfig, SecretKeys};
    ///
    /// let ring = SecretKeys::new("django-secret-key")?.with_fallback("old-django-secret-key");
    /// let layer = SessionLayer::django(&ring, DjangoConfig::SESSIONS, SessionConfig::DJANGO.with_max_chunks(1))?;
    /// # let _ = layer;
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
    /// use session_cookie::http::{SessionConfig, SessionLayer};
    /// use session_cookie::{DjangoCodec, SecretKeys, UnixTime};
    ///
    /// let codec = DjangoCodec::sessions(&SecretKeys::new("django-secret-key")?);
    /// let layer = SessionLayer::new(codec, SessionConfig::DJANGO)?
    ///     .with_clock(|| UnixTime::from_secs(1_700_000_000));
    /// # let _ = layer;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_clock(self, clock: impl Fn() -> UnixTime + Send + Sync + 'static) -> Self {
        self.with_shared(|shared| shared.clock = Arc::new(clock))
    }

    /// Calls `hook` with every session the layer could not write (the
    /// response then carries no `Set-Cookie`): for logging or metrics. It
    /// runs on the response path, so keep it short; it replaces an earlier
    /// hook. Without the `tracing` feature nothing else reports the error.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    /// use session_cookie::http::{SessionConfig, SessionLayer};
    /// use session_cookie::{DjangoCodec, SecretKeys};
    ///
    /// let failures = Arc::new(AtomicUsize::new(0));
    /// let counter = Arc::clone(&failures);
    /// let codec = DjangoCodec::sessions(&SecretKeys::new("django-secret-key")?);
    /// let layer = SessionLayer::new(codec, SessionConfig::DJANGO)?
    ///     .with_on_write_error(move |err| {
    ///         counter.fetch_add(1, Ordering::Relaxed);
    ///         eprintln!("{err}");
    ///     });
    /// # let _ = layer;
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
    /// use session_cookie::http::{SessionConfig, SessionLayer};
    /// use session_cookie::{DjangoCodec, SecretKeys};
    ///
    /// let codec = DjangoCodec::sessions(&SecretKeys::new("django-secret-key")?);
    /// let strict = SessionLayer::new(codec, SessionConfig::DJANGO)?.with_error_response(true);
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

    /// Reads the request's session cookies and makes its handle.
    fn start(&self, headers: &HeaderMap) -> (SessionHandle, RequestCookies) {
        let config = &self.shared.config;
        let (cookies, value) = read_cookies(headers, config.name(), config.max_chunks());
        let now = (self.shared.clock)();
        let handle = SessionHandle::new(Arc::clone(&self.shared), value, now);
        (handle, cookies)
    }
}

/// Reads `name` and its chunks from every `Cookie` header of the request,
/// as bytes (`src/http/request.rs`), and reassembles the candidate values:
/// each copy of `name` the browser sent, in order, at most
/// [`MAX_CANDIDATES`](super::request::MAX_CANDIDATES). A set of chunks that
/// does not fit together is no candidate.
pub(crate) fn read_cookies(
    headers: &HeaderMap,
    name: &str,
    max_chunks: usize,
) -> (RequestCookies, Vec<String>) {
    let cookies = RequestCookies::read(
        headers.get_all(COOKIE).iter().map(HeaderValue::as_bytes),
        name,
        max_chunks,
    );
    let values = cookies.values(max_chunks);
    (cookies, values)
}

impl<S> Layer<S> for SessionLayer {
    type Service = SessionService<S>;

    fn layer(&self, inner: S) -> SessionService<S> {
        SessionService {
            inner,
            layer: self.clone(),
        }
    }
}

/// The [`Service`] that [`SessionLayer`] wraps around an inner service.
#[derive(Clone)]
pub struct SessionService<S> {
    inner: S,
    layer: SessionLayer,
}

impl<S: fmt::Debug> fmt::Debug for SessionService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionService")
            .field("inner", &self.inner)
            .field("layer", &self.layer)
            .finish()
    }
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for SessionService<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: Default,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let (handle, cookies) = self.layer.start(request.headers());
        request.extensions_mut().insert(handle.clone());
        ResponseFuture {
            inner: Box::pin(self.inner.call(request)),
            session: Some((handle, cookies)),
        }
    }
}

/// The future of a [`SessionService`] response.
pub struct ResponseFuture<F> {
    inner: Pin<Box<F>>,
    session: Option<(SessionHandle, RequestCookies)>,
}

impl<F> fmt::Debug for ResponseFuture<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, B, E> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let mut response = ready!(this.inner.as_mut().poll(cx))?;
        if let Some((handle, cookies)) = this.session.take() {
            finish(&handle, &cookies, &mut response);
        }
        Poll::Ready(Ok(response))
    }
}

fn finish<B: Default>(
    handle: &SessionHandle,
    cookies: &RequestCookies,
    response: &mut Response<B>,
) {
    let outcome = handle.outcome(cookies, response.status().is_server_error());
    let headers = match outcome.error {
        Some(err) => Err(err),
        None => outcome
            .set_cookies
            .into_iter()
            // Validated names, paths and domains and cookie-octet values
            // make this infallible; an error is still no panic.
            .map(|value| HeaderValue::try_from(value).map_err(|_| WriteError::Value))
            .collect::<Result<Vec<_>, _>>(),
    };
    let set_cookies = match headers {
        Ok(set_cookies) => set_cookies,
        Err(err) => {
            let err = SessionWriteError(Arc::new(err));
            report(handle.shared(), &err);
            if handle.shared().error_response {
                let mut failed = Response::new(B::default());
                *failed.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
                failed.extensions_mut().insert(err);
                *response = failed;
                return;
            }
            response.extensions_mut().insert(err);
            Vec::new()
        }
    };
    let headers = response.headers_mut();
    if outcome.vary {
        add_vary_cookie(headers);
    }
    for value in set_cookies {
        headers.append(SET_COOKIE, value);
    }
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

/// Adds `Cookie` to `Vary` unless it is there already (or `Vary: *`), as
/// Django's `patch_vary_headers`.
fn add_vary_cookie(headers: &mut HeaderMap) {
    let present = headers
        .get_all(VARY)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|field| field == "*" || field.eq_ignore_ascii_case("cookie"));
    if !present {
        headers.append(VARY, HeaderValue::from_static("Cookie"));
    }
}

/// Why the session of a response was not written: given to
/// [`SessionLayer::with_on_write_error`]'s hook, and found in the
/// extensions of the response (the handler's, or the 500 that replaced it
/// with [`SessionLayer::with_error_response`]), for an outer layer.
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
            WriteError::Value => None,
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
        }
    }
}

impl std::error::Error for SessionWriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.encode_error()
            .map(|err| err as &(dyn std::error::Error + 'static))
    }
}
