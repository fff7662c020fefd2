//! Sessions for Rocket 0.5 (feature `rocket`): [`SessionFairing`] runs a
//! [`SessionEngine`], Django's `SessionMiddleware` without a framework,
//! around every request, and [`SessionHandle`] is a request guard.
//!
//! ```text
//! request ──► SessionFairing::on_request ────► handler
//!             │ engine.start(raw `Cookie`       │ SessionHandle (request
//!             │ header values): no crypto yet   │ guard): the first use
//!             │ RequestSession → local cache    │ verifies and decodes
//! response ◄──┤ SessionFairing::on_response ◄───┘
//!             │ finish(status): raw Set-Cookie headers, Vary: Cookie,
//!             │ or an empty 500 (with_error_response)
//! ```
//!
//! The fairing reads the `Cookie` header values as they came, not Rocket's
//! [`CookieJar`](::rocket::http::CookieJar): the jar percent-decodes values
//! and keeps one cookie per name, where the engine wants every copy of the
//! session cookie, in order (`docs/chunking.md` §3). It appends the
//! `Set-Cookie` headers as the engine made them, past the jar, which would
//! re-encode them. A request with no `Cookie` header is read from its jar
//! instead: that is how Rocket's local test client (`rocket::local`) sends
//! the cookies it keeps, while a request from the network that has cookies
//! always has the header.
//!
//! One thing happens before any fairing runs and cannot be undone here:
//! Rocket drops every request header whose value is not UTF-8, so a Latin-1
//! cookie of another application on the same host takes the whole `Cookie`
//! header with it, and the session is empty for that request (the tower
//! layer reads such headers as bytes, and keeps the session).
//!
//! # Examples
//!
//! ```
//! use rocket::local::blocking::Client;
//! use rocket::{get, routes};
//! use session_cookie::engine::{SessionConfig, SessionEngine, SessionHandle};
//! use session_cookie::rocket::SessionFairing;
//! use session_cookie::{MasterKey, NativeConfig, NativeKeyRing};
//!
//! #[get("/login")]
//! fn login(session: SessionHandle) -> &'static str {
//!     // ...once the password checked out:
//!     session.insert("user_id", 42).ok();
//!     "welcome"
//! }
//!
//! #[get("/")]
//! fn home(session: SessionHandle) -> String {
//!     match session.get::<u64>("user_id").ok().flatten() {
//!         Some(id) => format!("hello, user {id}"),
//!         None => "hello, stranger".to_owned(),
//!     }
//! }
//!
//! let ring = NativeKeyRing::new(MasterKey::generate("2026-11")?);
//! let engine = SessionEngine::native(&ring, NativeConfig::ENCRYPTED, SessionConfig::DJANGO)?;
//! let app = rocket::build()
//!     .mount("/", routes![login, home])
//!     .attach(SessionFairing::new(engine));
//!
//! // The tracked client keeps the cookies the responses set, as a browser.
//! let client = Client::tracked(app)?;
//! assert_eq!(client.get("/").dispatch().into_string().as_deref(), Some("hello, stranger"));
//! client.get("/login").dispatch();
//! assert_eq!(client.get("/").dispatch().into_string().as_deref(), Some("hello, user 42"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;
use std::sync::{Mutex, MutexGuard, PoisonError};

use ::rocket::fairing::{Fairing, Info, Kind};
use ::rocket::http::Status;
use ::rocket::request::{FromRequest, Outcome};
use ::rocket::{Data, Request, Response};

use crate::engine::{
    RequestSession, ResponseCookies, SessionEngine, SessionHandle, vary_has_cookie,
};

/// Django's `SessionMiddleware` for Rocket: every request gets a
/// [`SessionHandle`] (a request guard), and every response the cookies the
/// [`SessionEngine`] decides (see its rules there), also the responses of
/// catchers.
///
/// A session that cannot be written sends no cookie and keeps the
/// handler's response, or becomes an empty 500 with
/// [`SessionEngine::with_error_response`]; the engine's
/// [`with_on_write_error`](SessionEngine::with_on_write_error) hook hears
/// of it either way. The fairing is a singleton: attaching a second one
/// replaces the first, as there is one `SessionHandle` per request.
///
/// # Examples
///
/// ```
/// use session_cookie::engine::{SessionConfig, SessionEngine};
/// use session_cookie::rocket::SessionFairing;
/// use session_cookie::{DjangoCodec, SecretKeys};
///
/// let codec = DjangoCodec::sessions(&SecretKeys::new("django-secret-key")?);
/// let sessions = SessionFairing::new(SessionEngine::new(codec, SessionConfig::DJANGO)?);
/// let app = rocket::build().attach(sessions);
/// # let _ = app;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SessionFairing {
    engine: SessionEngine,
}

impl SessionFairing {
    /// The fairing of `engine`.
    #[must_use]
    pub fn new(engine: SessionEngine) -> Self {
        Self { engine }
    }
}

/// A request's session between the request and the response callbacks
/// (`finish` consumes it, hence the `Option`). A private type, so that no
/// other code's request-local cache entry can be this one.
#[derive(Default)]
struct Slot(Mutex<Option<RequestSession>>);

impl Slot {
    fn of<'r>(request: &'r Request<'_>) -> MutexGuard<'r, Option<RequestSession>> {
        // The lock is held only to set, take or clone from the slot, so
        // even a poisoned one holds a whole value.
        request
            .local_cache(Self::default)
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[::rocket::async_trait]
impl Fairing for SessionFairing {
    fn info(&self) -> Info {
        Info {
            name: "session-cookie",
            kind: Kind::Request | Kind::Response | Kind::Singleton,
        }
    }

    async fn on_request(&self, request: &mut Request<'_>, _data: &mut Data<'_>) {
        let session = start(&self.engine, request);
        *Slot::of(request) = Some(session);
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        // `None`: a request Rocket refused before the request callbacks ran.
        let session = Slot::of(request).take();
        if let Some(session) = session {
            let decided = session.finish(response.status().code).await;
            apply(&decided, response);
        }
    }
}

/// Starts the engine from the raw `Cookie` header values, or, when the
/// request has none, from the jar. A request from the network that has
/// cookies has a `Cookie` header (Rocket fills the jar from it), so the
/// jar is read only for cookies the application or a test client put
/// there.
fn start(engine: &SessionEngine, request: &Request<'_>) -> RequestSession {
    let headers = request.headers();
    if headers.contains("Cookie") {
        return engine.start(headers.get("Cookie").map(str::as_bytes));
    }
    let pairs: Vec<String> = request
        .cookies()
        .iter()
        .map(|cookie| format!("{}={}", cookie.name(), cookie.value()))
        .collect();
    engine.start(pairs.iter().map(String::as_bytes))
}

/// Sends what the engine decided: an empty 500 in place of the response
/// if so configured, or `Vary: Cookie` and the `Set-Cookie` headers.
fn apply(decided: &ResponseCookies, response: &mut Response<'_>) {
    if decided.error_response() {
        *response = Response::build()
            .status(Status::InternalServerError)
            .finalize();
        return;
    }
    if decided.vary_cookie() && !vary_has_cookie(response.headers().get("Vary")) {
        response.adjoin_raw_header("Vary", "Cookie");
    }
    for value in decided.set_cookie() {
        response.adjoin_raw_header("Set-Cookie", value.clone());
    }
}

/// The request has no [`SessionHandle`]: no [`SessionFairing`] is
/// attached. The guard fails with a 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingSessionFairing;

impl fmt::Display for MissingSessionFairing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("no session: no SessionFairing is attached")
    }
}

impl std::error::Error for MissingSessionFairing {}

/// Takes the request's session from what [`SessionFairing`] stored, and
/// loads it ([`SessionHandle::load`]: with a revocation store, the one
/// check).
///
/// # Errors
///
/// `Outcome::Error` with status 500 and [`MissingSessionFairing`] when no
/// [`SessionFairing`] is attached.
#[::rocket::async_trait]
impl<'r> FromRequest<'r> for SessionHandle {
    type Error = MissingSessionFairing;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        let handle = Slot::of(request)
            .as_ref()
            .map(|session| session.handle().clone());
        match handle {
            Some(handle) => {
                handle.load().await;
                Outcome::Success(handle)
            }
            None => Outcome::Error((Status::InternalServerError, MissingSessionFairing)),
        }
    }
}
