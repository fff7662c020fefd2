//! A small site with login, logout and a draft post, its whole session in
//! an encrypted cookie.
//!
//! ```sh
//! cargo run --example login          # http://127.0.0.1:8000/ (PORT overrides)
//! ```
//!
//! Log in as `alice` / `wonderland`. The session is the native format,
//! encrypted, behind [`SessionLayer`]: `/login` stores `user_id`, `/`
//! greets the user, `/logout` ends the session, and a long draft post
//! (`/posts/new`) is split across several cookies.
//!
//! Keys: `SESSION_KEYS` (key lines, as printed by `session-cookie keygen`)
//! or `SESSION_KEYS_FILE` (a file of them). Without either, the example
//! uses a DEVELOPMENT key file under `target/`, made on first run; never
//! deploy with it.
//!
//! The integration tests (`tests/http_login.rs`, `tests/browser.rs`)
//! include this file and serve [`app`] on a loopback port.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::Router;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;
use session_cookie::http::{SessionConfig, SessionHandle, SessionLayer};
use session_cookie::{EncodeError, MasterKey, NativeConfig, NativeKeyRing};

/// One account: the password is kept only as an Argon2id PHC string.
pub struct User {
    /// What the session stores as `user_id`.
    pub id: u64,
    /// What the login form asks for.
    pub username: &'static str,
    /// What the home page greets.
    pub display_name: &'static str,
    password_hash: String,
}

/// The in-memory user table.
pub struct Users {
    by_id: HashMap<u64, User>,
    /// The hash of a random password, checked for unknown user names.
    dummy_hash: String,
}

fn hash_password(password: &[u8]) -> Result<String, Box<dyn std::error::Error>> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)?;
    let salt = SaltString::encode_b64(&salt).map_err(|err| err.to_string())?;
    Ok(Argon2::default()
        .hash_password(password, &salt)
        .map_err(|err| err.to_string())?
        .to_string())
}

impl Users {
    /// The demo table: `alice` / `wonderland`, hashed at start-up with a
    /// fresh random salt.
    ///
    /// # Errors
    ///
    /// When the random source or Argon2 fails.
    pub fn demo() -> Result<Self, Box<dyn std::error::Error>> {
        let alice = User {
            id: 1,
            username: "alice",
            display_name: "Alice",
            password_hash: hash_password(b"wonderland")?,
        };
        let mut nobody = [0u8; 32];
        getrandom::fill(&mut nobody)?;
        Ok(Self {
            by_id: HashMap::from([(alice.id, alice)]),
            dummy_hash: hash_password(&nobody)?,
        })
    }

    /// The user whose name and password these are. Runs Argon2 even for an
    /// unknown name, so the time taken does not tell which names exist.
    pub fn authenticate(&self, username: &str, password: &str) -> Option<&User> {
        let user = self.by_id.values().find(|user| user.username == username);
        let hash = user.map_or(self.dummy_hash.as_str(), |user| user.password_hash.as_str());
        let parsed = PasswordHash::new(hash).ok()?;
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        user.filter(|_| ok)
    }

    /// The user with this id.
    pub fn get(&self, id: u64) -> Option<&User> {
        self.by_id.get(&id)
    }
}

/// The session layer of the site: the native format, encrypted, with
/// Django's cookie defaults.
///
/// # Errors
///
/// When the codec refuses the configuration (it does not: it is fixed).
pub fn session_layer(ring: &NativeKeyRing) -> Result<SessionLayer, Box<dyn std::error::Error>> {
    Ok(SessionLayer::native(
        ring,
        NativeConfig::ENCRYPTED.with_purpose("login-example"),
        SessionConfig::DJANGO,
    )?)
}

#[derive(Clone)]
struct AppState {
    users: Arc<Users>,
}

/// The site's routes behind `layer`.
pub fn app(users: Arc<Users>, layer: SessionLayer) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", get(logout))
        .route("/posts/new", get(draft_form).post(save_draft))
        .with_state(AppState { users })
        .layer(layer)
}

/// Reads the key ring from `SESSION_KEYS` or `SESSION_KEYS_FILE`, or the
/// development key file; says which on standard error.
///
/// # Errors
///
/// When the key lines cannot be read or are refused (weak, malformed).
pub fn key_ring() -> Result<NativeKeyRing, Box<dyn std::error::Error>> {
    if let Ok(lines) = std::env::var("SESSION_KEYS") {
        eprintln!("session keys: from SESSION_KEYS");
        return Ok(NativeKeyRing::parse(&lines)?);
    }
    if let Some(path) = std::env::var_os("SESSION_KEYS_FILE") {
        eprintln!("session keys: from {}", PathBuf::from(&path).display());
        return Ok(NativeKeyRing::parse(&std::fs::read_to_string(path)?)?);
    }
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/login-example-DEVELOPMENT.keys");
    if !path.exists() {
        let key = MasterKey::generate("dev")?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        write_private(&path, key.to_line().as_bytes())?;
    }
    eprintln!(
        "session keys: DEVELOPMENT key file {} (set SESSION_KEYS or SESSION_KEYS_FILE in production)",
        path.display()
    );
    Ok(NativeKeyRing::parse(&std::fs::read_to_string(path)?)?)
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)?;
    file.write_all(b"\n")
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, [bytes, b"\n"].concat())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port: u16 = match std::env::var("PORT") {
        Ok(port) => port
            .parse()
            .map_err(|_| format!("PORT={port:?} is not a port number"))?,
        Err(_) => 8000,
    };
    let ring = key_ring()?;
    let users = Arc::new(Users::demo()?);
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    println!("demo user: alice / wonderland");
    println!("listening on http://{}/", listener.local_addr()?);
    axum::serve(listener, app(users, session_layer(&ring)?)).await?;
    Ok(())
}

// ---------------------------------------------------------------- handlers

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

#[derive(Deserialize)]
struct DraftForm {
    draft: String,
}

fn current_user<'u>(users: &'u Users, session: &SessionHandle) -> Option<&'u User> {
    let id = session.get::<u64>("user_id").ok().flatten()?;
    users.get(id)
}

async fn home(State(state): State<AppState>, session: SessionHandle) -> Html<String> {
    let Some(user) = current_user(&state.users, &session) else {
        return page(
            "Welcome",
            r#"<h1>Hello, stranger</h1>
<p>You are not logged in.</p>
<p><a class="button-link" href="/login">Log in</a></p>"#,
        );
    };
    let draft: Option<String> = session.get("draft").ok().flatten();
    let cookies = session.cookies_needed().unwrap_or(0);
    let draft_note = match &draft {
        Some(draft) => format!(
            r#"<p class="draft">Your draft: <strong id="draft-len">{}</strong> characters, kept in <span id="cookie-count">{cookies}</span> cookie{}.</p>"#,
            draft.chars().count(),
            if cookies == 1 { "" } else { "s" }
        ),
        None => String::new(),
    };
    page(
        "Home",
        &format!(
            r#"<h1 id="greeting">Hello, {name}!</h1>
<p>You are logged in as <code>{username}</code>.</p>
<a class="create-post" href="/posts/new"><span class="plus" aria-hidden="true">+</span> Create Post</a>
{draft_note}
<p><a href="/logout">Log out</a></p>"#,
            name = escape(user.display_name),
            username = escape(user.username),
        ),
    )
}

fn login_page(error: Option<&str>, username: &str) -> Html<String> {
    let error = error
        .map(|error| format!(r#"<p class="error" role="alert">{}</p>"#, escape(error)))
        .unwrap_or_default();
    page(
        "Log in",
        &format!(
            r#"<h1>Log in</h1>
{error}
<form method="post" action="/login" class="card">
  <label>Username <input name="username" id="username" autocomplete="username" value="{username}" required></label>
  <label>Password <input name="password" id="password" type="password" autocomplete="current-password" required></label>
  <button type="submit" id="submit">Log in</button>
</form>
<p class="hint">Demo account: alice / wonderland</p>"#,
            username = escape(username),
        ),
    )
}

async fn login_form() -> Html<String> {
    login_page(None, "")
}

async fn login(
    State(state): State<AppState>,
    session: SessionHandle,
    Form(form): Form<LoginForm>,
) -> Response {
    match state.users.authenticate(&form.username, &form.password) {
        Some(user) => match session.insert("user_id", user.id) {
            Ok(()) => Redirect::to("/").into_response(),
            Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        },
        None => (
            StatusCode::UNAUTHORIZED,
            login_page(Some("Wrong username or password."), &form.username),
        )
            .into_response(),
    }
}

/// Logout ends the whole session, as Django's `logout()` does: `user_id`
/// and the draft go, and the response deletes every session cookie.
async fn logout(session: SessionHandle) -> Redirect {
    session.flush();
    Redirect::to("/login")
}

fn draft_page(draft: &str, error: Option<&str>) -> Html<String> {
    let error = error
        .map(|error| format!(r#"<p class="error" role="alert">{}</p>"#, escape(error)))
        .unwrap_or_default();
    page(
        "New post",
        &format!(
            r#"<h1>New post</h1>
{error}
<form method="post" action="/posts/new" class="card">
  <label>Draft <textarea name="draft" id="draft" rows="12">{draft}</textarea></label>
  <button type="submit" id="save">Save draft</button>
</form>
<p class="hint">Drafts live in your session cookie: long ones are split across several cookies. An empty draft is discarded.</p>
<p><a href="/">Back</a></p>"#,
            draft = escape(draft),
        ),
    )
}

async fn draft_form(State(state): State<AppState>, session: SessionHandle) -> Response {
    if current_user(&state.users, &session).is_none() {
        return Redirect::to("/login").into_response();
    }
    // A draft of another shape (an older version of the site) is no draft.
    let draft: String = session.get_or("draft", String::new()).unwrap_or_default();
    draft_page(&draft, None).into_response()
}

async fn save_draft(
    State(state): State<AppState>,
    session: SessionHandle,
    Form(form): Form<DraftForm>,
) -> Response {
    if current_user(&state.users, &session).is_none() {
        return Redirect::to("/login").into_response();
    }
    if form.draft.is_empty() {
        session.remove("draft");
        return Redirect::to("/").into_response();
    }
    let previous: Option<String> = session.get("draft").ok().flatten();
    if session.insert("draft", &form.draft).is_err() {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    // Refuse a draft the cookies cannot hold, rather than fail the response.
    if let Err(EncodeError::TooLarge { len, limit, .. }) = session.cookies_needed() {
        session.remove("draft");
        if let Some(previous) = previous {
            // A string always serializes.
            let _ = session.insert("draft", previous);
        }
        let error = format!("This draft needs {len} bytes of cookies; at most {limit} fit.");
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            draft_page(&form.draft, Some(&error)),
        )
            .into_response();
    }
    Redirect::to("/").into_response()
}

// ------------------------------------------------------------------- pages

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · Session cookie demo</title>
<style>{STYLE}</style>
</head>
<body>
<header><a href="/" class="brand">session-cookie demo</a></header>
<main>
{body}
</main>
</body>
</html>
"#,
        title = escape(title),
    ))
}

const STYLE: &str = r#"
:root { --orange: #ff8c00; --white: #ffffff; --ink: #2b2b2b; }
* { box-sizing: border-box; }
body { margin: 0; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--white); }
header { background: var(--orange); padding: 0.9rem 1.5rem; }
header .brand { color: var(--white); font-weight: 700; text-decoration: none; letter-spacing: 0.02em; }
main { max-width: 40rem; margin: 2.5rem auto; padding: 0 1.5rem; }
h1 { margin-top: 0; }
a { color: #c96e00; }
code { background: #fff3e0; padding: 0.1em 0.35em; border-radius: 4px; }
.card { display: grid; gap: 0.9rem; padding: 1.25rem; border: 2px solid var(--orange); border-radius: 12px; }
label { display: grid; gap: 0.3rem; font-weight: 600; }
input, textarea { font: inherit; padding: 0.55rem 0.7rem; border: 1px solid #d9b48a; border-radius: 8px; }
input:focus, textarea:focus { outline: 3px solid rgba(255, 140, 0, 0.35); border-color: var(--orange); }
button, .button-link { justify-self: start; font: inherit; font-weight: 700; color: var(--white); background: var(--orange);
  border: 0; border-radius: 8px; padding: 0.6rem 1.2rem; cursor: pointer; text-decoration: none; display: inline-block; }
.error { color: #b00020; font-weight: 600; }
.hint { color: #6b6b6b; }
.create-post { display: inline-flex; align-items: center; gap: 0.6rem; margin: 0.5rem 0 1.25rem;
  padding: 0.85rem 1.6rem; font-size: 1.1rem; font-weight: 700; color: var(--white); background: var(--orange);
  border-radius: 999px; text-decoration: none; box-shadow: 0 4px 12px rgba(255, 140, 0, 0.35);
  transition: transform 0.15s ease, box-shadow 0.15s ease; }
.create-post:hover, .create-post:focus-visible { transform: translateY(-3px); box-shadow: 0 10px 22px rgba(255, 140, 0, 0.45); }
.create-post .plus { display: inline-grid; place-items: center; width: 1.6rem; height: 1.6rem; border-radius: 50%;
  background: var(--white); color: var(--orange); font-size: 1.25rem; line-height: 1; animation: pulse 1.6s ease-in-out infinite; }
@keyframes pulse { 0%, 100% { transform: scale(1); } 50% { transform: scale(1.25); } }
@media (prefers-reduced-motion: reduce) { .create-post .plus { animation: none; } .create-post { transition: none; } }
"#;
