//! An axum service that shares logins with a Django site on the same host.
//!
//! The Django site must use `SESSION_ENGINE =
//! "django.contrib.sessions.backends.signed_cookies"` and the same
//! `SECRET_KEY`; cookies are shared across the ports of a host, so a login
//! on either side is a login on both.
//!
//! ```text
//! DJANGO_SECRET_KEY=...                       (required)
//! DJANGO_SECRET_KEY_FALLBACKS='["old"]'       (optional, JSON array of strings)
//! DJANGO_DB=/path/to/db.sqlite3               (required, opened read-only)
//! DJANGO_CSRF_TRUSTED_ORIGINS='["http://127.0.0.1:8000"]'  (optional)
//! PORT=8001                                   (optional)
//! cargo run --example django_bridge
//! ```
//!
//! Routes: `GET /whoami`, `GET /login`, `POST /login`, `POST /logout`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::header::{CONTENT_TYPE, HOST, ORIGIN, REFERER, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Deserialize;
use session_cookie::django::auth::{DjangoAuth, Outcome, UserRecord};
use session_cookie::django::csrf::{
    CSRF_COOKIE_NAME, CSRF_FORM_FIELD, CSRF_HEADER_NAME, CsrfConfig, CsrfRequest, CsrfSecret,
};
use session_cookie::django::password::check_password;
use session_cookie::engine::SessionEngine;
use session_cookie::http::{SessionConfig, SessionHandle, SessionLayer};
use session_cookie::{DjangoCodec, SecretKeys};

/// `CSRF_COOKIE_AGE`: one year (52 weeks), Django's default.
const CSRF_COOKIE_AGE: u64 = 31_449_600;

/// What the bridge is started with.
struct Settings {
    ring: SecretKeys,
    db: PathBuf,
    csrf: CsrfConfig,
    port: u16,
}

/// Reads the environment; the error is one line naming the variable.
fn settings() -> Result<Settings, String> {
    let key = std::env::var("DJANGO_SECRET_KEY")
        .map_err(|_| "DJANGO_SECRET_KEY is not set (the Django site's SECRET_KEY)".to_owned())?;
    let mut ring =
        SecretKeys::new(key).map_err(|err| format!("DJANGO_SECRET_KEY is not usable: {err}"))?;
    if let Ok(text) = std::env::var("DJANGO_SECRET_KEY_FALLBACKS") {
        let fallbacks: Vec<String> = serde_json::from_str(&text)
            .map_err(|_| "DJANGO_SECRET_KEY_FALLBACKS is not a JSON array of strings".to_owned())?;
        for fallback in fallbacks {
            ring = ring.with_fallback(fallback);
        }
    }
    let db = PathBuf::from(std::env::var_os("DJANGO_DB").ok_or_else(|| {
        "DJANGO_DB is not set (the path of the Django project's SQLite database)".to_owned()
    })?);
    if !db.is_file() {
        return Err(format!("DJANGO_DB: no such file: {}", db.display()));
    }
    let mut csrf = CsrfConfig::new();
    if let Ok(text) = std::env::var("DJANGO_CSRF_TRUSTED_ORIGINS") {
        let origins: Vec<String> = serde_json::from_str(&text)
            .map_err(|_| "DJANGO_CSRF_TRUSTED_ORIGINS is not a JSON array of strings".to_owned())?;
        for origin in origins {
            csrf = csrf.with_trusted_origin(origin);
        }
    }
    let port = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .map_err(|_| format!("PORT={port:?} is not a port number"))?,
        Err(_) => 8001,
    };
    Ok(Settings {
        ring,
        db,
        csrf,
        port,
    })
}

/// One row of Django's `auth_user`.
struct DjangoUser {
    id: i64,
    username: String,
    password: String,
    is_active: bool,
}

/// Django's user table, read-only: the bridge never writes to it.
struct Users {
    db: PathBuf,
}

impl Users {
    fn query(
        &self,
        sql: &str,
        param: &dyn rusqlite::ToSql,
    ) -> rusqlite::Result<Option<DjangoUser>> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.db, flags)?;
        conn.query_row(sql, [param], |row| {
            Ok(DjangoUser {
                id: row.get(0)?,
                username: row.get(1)?,
                password: row.get(2)?,
                is_active: row.get(3)?,
            })
        })
        .optional()
    }

    fn by_id(&self, id: i64) -> rusqlite::Result<Option<DjangoUser>> {
        self.query(
            "SELECT id, username, password, is_active FROM auth_user WHERE id = ?1",
            &id,
        )
    }

    fn by_username(&self, username: &str) -> rusqlite::Result<Option<DjangoUser>> {
        self.query(
            "SELECT id, username, password, is_active FROM auth_user WHERE username = ?1",
            &username,
        )
    }
}

#[derive(Clone)]
struct App {
    auth: Arc<DjangoAuth>,
    users: Arc<Users>,
    csrf: Arc<CsrfConfig>,
}

/// Django's `get_user(request)`: the logged-in user, or `None`. A session
/// whose hash no longer matches is flushed; one verified under a fallback
/// key is rehashed (and the layer re-issues the cookie under the current key).
async fn current_user(app: &App, session: &SessionHandle) -> Option<DjangoUser> {
    let claimed = app.auth.read(&session.lock())?;
    let id: i64 = claimed.user_id().parse().ok()?;
    let users = Arc::clone(&app.users);
    let user = tokio::task::spawn_blocking(move || users.by_id(id))
        .await
        .ok()?
        .ok()?;
    let record = user
        .as_ref()
        .map(|user| UserRecord::new(user.password.clone(), user.is_active));
    let mut guard = session.lock();
    match app.auth.verify(&mut guard, &claimed, record.as_ref()) {
        Outcome::LoggedIn { .. } => user,
        _ => None,
    }
}

async fn whoami(State(app): State<App>, session: SessionHandle) -> Response {
    let body = match current_user(&app, &session).await {
        Some(user) => serde_json::json!({"user_id": user.id, "username": user.username}),
        None => serde_json::json!({"user_id": null, "username": null}),
    };
    ([(CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// The value of one request cookie.
fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key == name).then_some(value))
}

/// `Set-Cookie: csrftoken=…` with Django's default attributes.
fn csrf_cookie(secret: &CsrfSecret) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!(
        "{CSRF_COOKIE_NAME}={}; Max-Age={CSRF_COOKIE_AGE}; Path=/; SameSite=Lax",
        secret.as_str()
    ))
    .ok()
}

/// `CsrfViewMiddleware.process_view` for an unsafe method: the request's
/// Origin, cookie and token (form field first, then `X-CSRFToken`).
fn csrf_ok(app: &App, headers: &HeaderMap, form_token: Option<&str>) -> bool {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let request = CsrfRequest {
        secure: false,
        host: header(HOST.as_str()).unwrap_or(""),
        origin: header(ORIGIN.as_str()),
        referer: header(REFERER.as_str()),
        cookie: cookie(headers, CSRF_COOKIE_NAME),
        form_token: form_token.filter(|token| !token.is_empty()),
        header_token: header(CSRF_HEADER_NAME),
    };
    app.csrf.check(&request).is_ok()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /login`: the form, with a masked token as `{% csrf_token %}` makes.
async fn login_form(headers: HeaderMap) -> Response {
    let existing = cookie(&headers, CSRF_COOKIE_NAME).and_then(|v| CsrfSecret::from_cookie(v).ok());
    let (secret, set) = match existing {
        Some(secret) => (secret, false),
        None => match CsrfSecret::generate() {
            Ok(secret) => (secret, true),
            Err(_) => return StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
    };
    let Ok(masked) = secret.mask() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let page = Html(format!(
        r#"<!doctype html>
<html><head><title>Log in (bridge)</title></head><body>
<h1>Log in</h1>
<form method="post" action="/login">
  <input type="hidden" name="{CSRF_FORM_FIELD}" value="{token}">
  <label>Username <input name="username" id="id_username"></label>
  <label>Password <input name="password" id="id_password" type="password"></label>
  <button type="submit" id="submit">Log in</button>
</form>
<form method="post" action="/logout" id="logout">
  <input type="hidden" name="{CSRF_FORM_FIELD}" value="{token}">
  <button type="submit" id="logout-submit">Log out</button>
</form>
</body></html>"#,
        token = escape(&masked),
    ));
    let mut response = page.into_response();
    if let Some(value) = set.then(|| csrf_cookie(&secret)).flatten() {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrfmiddlewaretoken: String,
}

/// `POST /login`: CSRF, then the password, then Django's `login()`.
async fn login(
    State(app): State<App>,
    session: SessionHandle,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !csrf_ok(&app, &headers, Some(&form.csrfmiddlewaretoken)) {
        return (StatusCode::FORBIDDEN, "CSRF verification failed.").into_response();
    }
    let users = Arc::clone(&app.users);
    let checked = tokio::task::spawn_blocking(move || {
        let user = users.by_username(&form.username).ok().flatten()?;
        let ok = check_password(&form.password, &user.password).unwrap_or(false);
        (ok && user.is_active).then_some(user)
    })
    .await
    .ok()
    .flatten();
    let Some(user) = checked else {
        return (StatusCode::UNAUTHORIZED, "Wrong username or password.").into_response();
    };
    let csrf = {
        let mut guard = session.lock();
        app.auth
            .login(&mut guard, &user.id.to_string(), &user.password)
    };
    let Ok(csrf) = csrf else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let mut response = Redirect::to("/whoami").into_response();
    if let Some(value) = csrf_cookie(&csrf) {
        response.headers_mut().append(SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
struct LogoutForm {
    #[serde(default)]
    csrfmiddlewaretoken: String,
}

/// `POST /logout`: Django's `logout()`, which flushes the session.
async fn logout(
    State(app): State<App>,
    session: SessionHandle,
    headers: HeaderMap,
    Form(form): Form<LogoutForm>,
) -> Response {
    if !csrf_ok(&app, &headers, Some(&form.csrfmiddlewaretoken)) {
        return (StatusCode::FORBIDDEN, "CSRF verification failed.").into_response();
    }
    session_cookie::django::auth::logout(&mut session.lock());
    Redirect::to("/whoami").into_response()
}

#[tokio::main]
async fn main() {
    let settings = match settings() {
        Ok(settings) => settings,
        Err(message) => {
            eprintln!("{message}");
            std::process::exit(2);
        }
    };
    if let Err(err) = serve(settings).await {
        eprintln!("django_bridge: {err}");
        std::process::exit(1);
    }
}

async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error>> {
    let layer = SessionLayer::new(SessionEngine::new(
        DjangoCodec::sessions(&settings.ring),
        SessionConfig::DJANGO,
    )?);
    let app = App {
        auth: Arc::new(DjangoAuth::new(&settings.ring)),
        users: Arc::new(Users { db: settings.db }),
        csrf: Arc::new(settings.csrf),
    };
    let router = Router::new()
        .route("/whoami", get(whoami))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .with_state(app)
        .layer(layer);
    let addr = SocketAddr::from(([127, 0, 0, 1], settings.port));
    let listener = tokio::net::TcpListener::bind(addr).await?;
    println!("listening on http://{}/", listener.local_addr()?);
    axum::serve(listener, router).await?;
    Ok(())
}
