//! Sessions for actix-web 4 (feature `actix`): [`SessionMiddleware`] runs a
//! [`SessionEngine`], Django's `SessionMiddleware` without a framework,
//! around an actix-web app, scope or resource, and [`SessionHandle`] is an
//! extractor for its handlers. The engine's rules are the
//! [`engine`](crate::engine)'s; this module is only the glue.
//!
//! # Examples
//!
//! ```
//! use actix_web::{App, test, web};
//! use session_cookie::actix::SessionMiddleware;
//! use session_cookie::engine::{SessionConfig, SessionEngine, SessionHandle};
//! use session_cookie::{MasterKey, NativeConfig, NativeKeyRing};
//!
//! async fn count(session: SessionHandle) -> String {
//!     let visits = session.get_or("visits", 0u64).unwrap_or(0) + 1;
//!     session.insert("visits", visits).ok();
//!     format!("visit number {visits}")
//! }
//!
//! let ring = NativeKeyRing::new(MasterKey::generate("2026-11")?);
//! let engine = SessionEngine::native(&ring, NativeConfig::ENCRYPTED, SessionConfig::DJANGO)?;
//! actix_web::rt::System::new().block_on(async {
//!     // HttpServer::new(move || App::new().wrap(SessionMiddleware::new(engine.clone())) ...)
//!     let app = test::init_service(
//!         App::new()
//!             .wrap(SessionMiddleware::new(engine.clone()))
//!             .route("/", web::get().to(count)),
//!     )
//!     .await;
//!     let response = test::call_service(&app, test::TestRequest::get().to_request()).await;
//!     assert_eq!(response.headers().get("vary").map(|v| v.as_bytes()), Some(&b"Cookie"[..]));
//!     let cookie = response.headers().get("set-cookie").map(|v| v.to_str());
//!     assert!(cookie.is_some_and(|c| c.is_ok_and(|c| c.starts_with("sessionid="))));
//!     assert_eq!(test::read_body(response).await, "visit number 1");
//! });
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;
use core::future::{Future, Ready, ready};
use core::pin::Pin;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::http::header::{COOKIE, HeaderMap, HeaderValue, SET_COOKIE, VARY};
use actix_web::{Error, FromRequest, HttpMessage as _, HttpRequest, HttpResponse, ResponseError};

use crate::engine::{ResponseCookies, SessionEngine, SessionHandle, vary_has_cookie};

/// Django's `SessionMiddleware` for actix-web: every request gets a
/// [`SessionHandle`] in its extensions (and so as an extractor), and every
/// response the cookies the [`SessionEngine`] decides.
///
/// A session that cannot be written sends no cookie, and the handler's
/// response goes out as it is with the
/// [`SessionWriteError`](crate::engine::SessionWriteError) in its
/// extensions, or as an empty 500 (carrying the error too) with
/// [`SessionEngine::with_error_response`]; hence the response body is an
/// [`EitherBody`]. An `Err` from the services inside passes through
/// unchanged, without cookies, as with the tower layer.
///
/// # Examples
///
/// ```
/// use actix_web::App;
/// use session_cookie::actix::SessionMiddleware;
/// use session_cookie::engine::{SessionConfig, SessionEngine};
/// use session_cookie::{MasterKey, NativeConfig, NativeKeyRing};
///
/// let ring = NativeKeyRing::new(MasterKey::generate("2026-11")?);
/// let engine = SessionEngine::native(
///     &ring,
///     NativeConfig::ENCRYPTED,
///     SessionConfig::DJANGO.with_name("__Host-session"),
/// )?;
/// // In `HttpServer::new(move || ...)`, once per worker: the clone is cheap.
/// let app = App::new().wrap(SessionMiddleware::new(engine.clone()));
/// # let _ = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SessionMiddleware {
    engine: SessionEngine,
}

impl SessionMiddleware {
    /// The middleware of `engine`.
    #[must_use]
    pub fn new(engine: SessionEngine) -> Self {
        Self { engine }
    }
}

impl<S, B> Transform<S, ServiceRequest> for SessionMiddleware
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = SessionService<S>;
    type InitError = ();
    type Future = Ready<Result<SessionService<S>, ()>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(SessionService {
            service,
            engine: self.engine.clone(),
        }))
    }
}

/// The [`Service`] that [`SessionMiddleware`] wraps around the services
/// inside it.
pub struct SessionService<S> {
    service: S,
    engine: SessionEngine,
}

impl<S> fmt::Debug for SessionService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionService")
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

/// What the middleware's service answers with. Boxed, as actix-web's own
/// middleware do: a service future is `!Send` and polled on its worker.
type ResponseFuture<B> =
    Pin<Box<dyn Future<Output = Result<ServiceResponse<EitherBody<B>>, Error>>>>;

impl<S, B> Service<ServiceRequest> for SessionService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
    S::Future: 'static,
    B: MessageBody + 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = ResponseFuture<B>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let session = self
            .engine
            .start(request.headers().get_all(COOKIE).map(HeaderValue::as_bytes));
        request.extensions_mut().insert(session.handle().clone());
        let response = self.service.call(request);
        Box::pin(async move {
            let response = response.await?;
            let decided = session.finish(response.status().as_u16()).await;
            Ok(apply(&decided, response))
        })
    }
}

/// Sends what the engine decided: `Vary: Cookie`, the `Set-Cookie`
/// headers, or (a session that could not be written) the error in the
/// extensions, and an empty 500 in place of the response if so configured.
fn apply<B>(
    decided: &ResponseCookies,
    mut response: ServiceResponse<B>,
) -> ServiceResponse<EitherBody<B>> {
    if let Some(err) = decided.error() {
        if decided.error_response() {
            let mut failed = HttpResponse::InternalServerError().finish();
            failed.extensions_mut().insert(err.clone());
            return response.into_response(failed).map_into_right_body();
        }
        response.response_mut().extensions_mut().insert(err.clone());
    }
    let headers = response.headers_mut();
    if decided.vary_cookie() {
        add_vary_cookie(headers);
    }
    for value in decided.set_cookie() {
        // The engine writes visible ASCII only; a value actix refused
        // would still be no panic, only a cookie not sent.
        if let Ok(value) = HeaderValue::try_from(value.as_str()) {
            headers.append(SET_COOKIE, value);
        }
    }
    response.map_into_left_body()
}

/// Adds `Cookie` to `Vary` unless it is there already (or `Vary: *`).
fn add_vary_cookie(headers: &mut HeaderMap) {
    let present = vary_has_cookie(
        headers
            .get_all(VARY)
            .filter_map(|value| value.to_str().ok()),
    );
    if !present {
        headers.append(VARY, HeaderValue::from_static("Cookie"));
    }
}

/// The request has no [`SessionHandle`]: the route is not wrapped in a
/// [`SessionMiddleware`]. Answers 500, with a body that names the cause
/// and nothing of the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingSessionMiddleware;

impl fmt::Display for MissingSessionMiddleware {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no session: the route is not wrapped in a SessionMiddleware")
    }
}

impl std::error::Error for MissingSessionMiddleware {}

impl ResponseError for MissingSessionMiddleware {
    fn error_response(&self) -> HttpResponse {
        HttpResponse::InternalServerError().body("no session middleware")
    }
}

/// Takes the request's session from the extensions that
/// [`SessionMiddleware`] filled, and loads it ([`SessionHandle::load`]:
/// with a revocation store, the one check).
///
/// # Errors
///
/// [`MissingSessionMiddleware`] when the route is not wrapped in the
/// middleware.
impl FromRequest for SessionHandle {
    type Error = MissingSessionMiddleware;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let session = request.extensions().get::<SessionHandle>().cloned();
        Box::pin(async move {
            let session = session.ok_or(MissingSessionMiddleware)?;
            session.load().await;
            Ok(session)
        })
    }
}
