//! The tower adapter: [`SessionLayer`] runs a [`SessionEngine`] around any
//! tower service (axum, hyper, tonic, …).

use core::fmt;
use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll, ready};

use http::header::{COOKIE, SET_COOKIE, VARY};
use http::{HeaderMap, HeaderValue, Request, Response, StatusCode};
use tower_layer::Layer;
use tower_service::Service;

use crate::engine::{Decision, RequestSession, ResponseCookies, SessionEngine, vary_has_cookie};

/// Django's `SessionMiddleware` for tower stacks (axum, hyper, tonic, …):
/// every request gets a [`SessionHandle`](crate::engine::SessionHandle) in
/// its extensions, and every response the cookies the
/// [`SessionEngine`] decides (see its rules there).
///
/// A session that cannot be written sends no cookie, and the handler's
/// response goes out as it is with the
/// [`SessionWriteError`](crate::engine::SessionWriteError) in its
/// extensions, or as an empty 500 with
/// [`SessionEngine::with_error_response`].
///
/// # Examples
///
/// ```
/// use session_cookie::engine::SessionEngine;
/// use session_cookie::http::{SessionConfig, SessionLayer};
/// use session_cookie::{MasterKey, NativeConfig, NativeKeyRing};
///
/// let ring = NativeKeyRing::new(MasterKey::generate("2026-11")?);
/// let layer = SessionLayer::new(SessionEngine::native(
///     &ring,
///     NativeConfig::ENCRYPTED,
///     SessionConfig::DJANGO.with_name("__Host-session"),
/// )?);
/// // axum: Router::new().route(...).layer(layer)
/// # let _ = layer;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SessionLayer {
    engine: SessionEngine,
}

impl SessionLayer {
    /// The layer of `engine`.
    #[must_use]
    pub fn new(engine: SessionEngine) -> Self {
        Self { engine }
    }

    /// The engine this layer runs.
    #[must_use]
    pub fn engine(&self) -> &SessionEngine {
        &self.engine
    }
}

impl From<SessionEngine> for SessionLayer {
    fn from(engine: SessionEngine) -> Self {
        Self::new(engine)
    }
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
    type Future = ResponseFuture<S::Future, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<ReqBody>) -> Self::Future {
        let session = self.layer.engine.start(
            request
                .headers()
                .get_all(COOKIE)
                .iter()
                .map(HeaderValue::as_bytes),
        );
        request.extensions_mut().insert(session.handle().clone());
        ResponseFuture {
            inner: Box::pin(self.inner.call(request)),
            session: Some(session),
            finishing: None,
        }
    }
}

/// A logout's decision, being made while its revocation records go to
/// the store (every other response is decided without one).
type Finishing = Pin<Box<dyn Future<Output = ResponseCookies> + Send>>;

/// The future of a [`SessionService`] response.
pub struct ResponseFuture<F, B> {
    inner: Pin<Box<F>>,
    session: Option<RequestSession>,
    /// The handler's response, boxed so that this future stays `Unpin`
    /// whatever the body, while a logout's records are written.
    finishing: Option<(Finishing, Box<Response<B>>)>,
}

impl<F, B> fmt::Debug for ResponseFuture<F, B> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl<F, B, E> Future for ResponseFuture<F, B>
where
    F: Future<Output = Result<Response<B>, E>>,
    B: Default,
{
    type Output = Result<Response<B>, E>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        if this.finishing.is_none() {
            let response = ready!(this.inner.as_mut().poll(cx))?;
            let Some(session) = this.session.take() else {
                return Poll::Ready(Ok(response));
            };
            let mut response = response;
            match session.decide(response.status().as_u16()) {
                Decision::Decided(decided) => {
                    apply(&decided, &mut response);
                    return Poll::Ready(Ok(response));
                }
                // A logout with a revocation store: its records are
                // written before the response goes.
                Decision::Recording(recording) => {
                    this.finishing = Some((Box::pin(recording.finish()), Box::new(response)));
                }
            }
        }
        let Some((finishing, _)) = this.finishing.as_mut() else {
            return Poll::Pending;
        };
        let decided = ready!(finishing.as_mut().poll(cx));
        let Some((_, mut response)) = this.finishing.take() else {
            return Poll::Pending;
        };
        apply(&decided, &mut response);
        Poll::Ready(Ok(*response))
    }
}

/// Sends what the engine decided: `Vary: Cookie`, the `Set-Cookie`
/// headers, or (a session that could not be written) the error in the
/// extensions, and an empty 500 in place of the response if so configured.
fn apply<B: Default>(decided: &ResponseCookies, response: &mut Response<B>) {
    if let Some(err) = decided.error() {
        if decided.error_response() {
            let mut failed = Response::new(B::default());
            *failed.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            failed.extensions_mut().insert(err.clone());
            *response = failed;
            return;
        }
        response.extensions_mut().insert(err.clone());
    }
    let headers = response.headers_mut();
    if decided.vary_cookie() {
        add_vary_cookie(headers);
    }
    for value in decided.set_cookie() {
        // The engine writes visible ASCII only; a value `http` refused
        // would still be no panic, only a cookie not sent.
        if let Ok(value) = HeaderValue::try_from(value.as_str()) {
            headers.append(SET_COOKIE, value);
        }
    }
}

/// Adds `Cookie` to `Vary` unless it is there already (or `Vary: *`).
fn add_vary_cookie(headers: &mut HeaderMap) {
    let present = vary_has_cookie(
        headers
            .get_all(VARY)
            .iter()
            .filter_map(|value| value.to_str().ok()),
    );
    if !present {
        headers.append(VARY, HeaderValue::from_static("Cookie"));
    }
}
