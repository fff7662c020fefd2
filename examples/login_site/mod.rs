//! The login site without a web framework: users and Argon2, the session
//! engine and the cookie budget, the CSRF checks, every page, and the
//! start-up configuration with its one-line errors. `examples/login.rs`
//! (axum) and `examples/login_actix.rs` (actix-web) are only routing and
//! glue over this module: each handler calls the [`Site`] method of its
//! route and sends the [`Reply`] it returns.
//!
//! Sessions end 14 days after their last write (idle) and 30 days after
//! login (absolute), whichever comes first, or at logout: with revocation
//! (`SESSION_REVOCATION`, in memory by default) a copy of a logged-out
//! cookie is refused, and "log out everywhere" ends every session of the
//! user, on every server sharing the Redis store. Passwords are checked with
//! Argon2id on [`LOGIN_CONCURRENCY`] threads of their own, off the async
//! workers.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use session_cookie::Codec;
use session_cookie::engine::{SessionConfig, SessionEngine, SessionHandle};
use session_cookie::revoke::{MemoryStore, Revocation};
use session_cookie::{MasterKey, NativeCodec, NativeConfig, NativeKeyRing, Session, UnixTime};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

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

/// How many password checks may run at once (the threads that run them);
/// later logins wait their turn without holding an async worker.
pub const LOGIN_CONCURRENCY: usize = 2;

/// The absolute session lifetime: 30 days after login, however often the
/// cookie is re-issued.
pub const MAX_LIFETIME: u64 = 30 * 86_400;

/// The largest form body the routes read (axum's default body limit, set
/// on actix-web too): a longer draft is a 413 page from the cookie budget
/// check, not a form the framework refused.
pub const MAX_FORM_BYTES: usize = 2 * 1024 * 1024;

/// The session key that holds the CSRF token.
const CSRF_KEY: &str = "_csrf";

/// The codec settings of the site: encrypted, with an absolute lifetime.
fn native_config() -> NativeConfig {
    NativeConfig::ENCRYPTED
        .with_purpose("login-example")
        .with_max_lifetime(Some(MAX_LIFETIME))
}

/// The cookie settings: Django's, or `__Host-sessionid` with `Secure`.
fn cookie_config(secure: bool) -> SessionConfig {
    if secure {
        SessionConfig::DJANGO
            .with_name("__Host-sessionid")
            .with_secure(true)
    } else {
        SessionConfig::DJANGO
    }
}

/// The session engine of the site, and what handlers need to check a
/// session's size before writing it.
pub struct Sessions {
    engine: SessionEngine,
    budget: Arc<Budget>,
}

struct Budget {
    /// The same codec settings as the engine's, to measure with.
    codec: NativeCodec,
    max_value_len: usize,
}

impl Budget {
    /// Whether `session` fits in the cookies the engine may write.
    fn fits(&self, session: &Session) -> bool {
        Codec::encoded_len(&self.codec, session).is_ok_and(|len| len <= self.max_value_len)
    }
}

impl Sessions {
    /// The site's sessions under `ring`; `secure` for deployment behind
    /// HTTPS; `revocation` to refuse logged-out sessions (its subject is
    /// `user_id`).
    ///
    /// # Errors
    ///
    /// When the codec refuses the configuration (it does not: it is fixed).
    pub fn new(
        ring: &NativeKeyRing,
        secure: bool,
        revocation: Option<Revocation>,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let config = cookie_config(secure);
        let codec = NativeCodec::new(
            ring,
            native_config().with_cookie_name(config.name().to_owned()),
        )?;
        let budget = Budget {
            codec,
            max_value_len: config.max_value_len(),
        };
        let mut engine = SessionEngine::native(ring, native_config(), config)?;
        if let Some(revocation) = revocation {
            engine = engine.with_revocation(revocation.with_subject_key("user_id"));
        }
        Ok(Self {
            engine,
            budget: Arc::new(budget),
        })
    }

    /// Reads the time from `clock`: for tests that step through time.
    #[must_use]
    pub fn with_clock(self, clock: impl Fn() -> UnixTime + Send + Sync + 'static) -> Self {
        Self {
            engine: self.engine.with_clock(clock),
            budget: self.budget,
        }
    }
}

/// One password check: the credentials, and where its answer goes.
type Check = (String, String, tokio::sync::oneshot::Sender<Option<u64>>);

/// What every route shares: the users, the cookie budget, and the queue of
/// password checks. Cheap to clone (every worker of a server holds one,
/// and they share the queue).
#[derive(Clone)]
pub struct Site {
    users: Arc<Users>,
    budget: Arc<Budget>,
    checks: tokio::sync::mpsc::Sender<Check>,
}

impl Site {
    /// The site of `users` behind `sessions`, and the engine that the
    /// framework's session middleware must run. Starts the
    /// [`LOGIN_CONCURRENCY`] threads that check passwords: always the same
    /// few threads, so Argon2's 19 MiB working memory stays in their few
    /// allocator arenas instead of one per thread of a runtime's blocking
    /// pool (per worker, with actix-web), which grew without bound.
    pub fn new(users: Arc<Users>, sessions: Sessions) -> (Self, SessionEngine) {
        let (checks, queue) = tokio::sync::mpsc::channel::<Check>(64);
        let queue = Arc::new(std::sync::Mutex::new(queue));
        for _ in 0..LOGIN_CONCURRENCY {
            let (users, queue) = (Arc::clone(&users), Arc::clone(&queue));
            std::thread::spawn(move || {
                loop {
                    // The lock is held only to take the next check.
                    let next = queue
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .blocking_recv();
                    let Some((username, password, answer)) = next else {
                        return; // every Site is gone
                    };
                    let user = users.authenticate(&username, &password).map(|user| user.id);
                    let _ = answer.send(user);
                }
            });
        }
        let site = Self {
            users,
            budget: sessions.budget,
            checks,
        };
        (site, sessions.engine)
    }
}

/// What a route answers, for the framework to send.
pub enum Reply {
    /// An HTML page (`text/html; charset=utf-8`) with this status.
    Page(u16, String),
    /// `303 See Other` to this path.
    SeeOther(&'static str),
    /// An empty `500 Internal Server Error`.
    ServerError,
}

// ------------------------------------------------------------ configuration

/// A start-up failure: one line, naming the variable.
#[derive(Debug)]
pub struct StartError(String);

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // One line, whatever the causes said.
        f.write_str(&self.0.replace(['\n', '\r'], " "))
    }
}

impl std::error::Error for StartError {}

impl StartError {
    /// The server stopped with `err` while serving on `addr`.
    pub fn serving(addr: SocketAddr, err: &dyn std::fmt::Display) -> Self {
        fail(format!("serving on {addr}: {err}"))
    }
}

fn fail(message: impl Into<String>) -> StartError {
    StartError(message.into())
}

/// `PORT`, or 8000.
///
/// # Errors
///
/// When `PORT` is not UTF-8 or not a port number.
pub fn port() -> Result<u16, StartError> {
    match std::env::var_os("PORT") {
        None => Ok(8000),
        Some(value) => {
            let text = value.into_string().map_err(|_| {
                fail("PORT is not valid UTF-8; set it to a port number such as 8000")
            })?;
            text.trim().parse().map_err(|_| {
                fail(format!(
                    "PORT={text:?} is not a port number; set it to a number from 1 to 65535 (0 picks a free port)"
                ))
            })
        }
    }
}

/// `SECURE`: `1` behind HTTPS, `0` or unset otherwise.
///
/// # Errors
///
/// When `SECURE` is anything else.
pub fn secure() -> Result<bool, StartError> {
    match std::env::var_os("SECURE") {
        None => Ok(false),
        Some(value) => match value.to_str() {
            Some("1" | "true") => Ok(true),
            Some("" | "0" | "false") => Ok(false),
            _ => Err(fail("SECURE must be 1 (behind HTTPS) or 0")),
        },
    }
}

/// How many logged-out sessions the in-memory store remembers at most
/// (each until it would have expired anyway): a few megabytes.
const MEMORY_REVOCATIONS: usize = 100_000;

/// `SESSION_REVOCATION`: where logged-out sessions are remembered.
/// `memory` (the default: this process only), `redis://HOST:PORT/DB` (a
/// store every server of the site shares), or `off`.
///
/// # Errors
///
/// When it is anything else, or the Redis URL does not parse.
pub fn revocation() -> Result<Option<Revocation>, StartError> {
    let value = match std::env::var("SESSION_REVOCATION") {
        Ok(value) => value,
        Err(std::env::VarError::NotPresent) => "memory".to_owned(),
        Err(std::env::VarError::NotUnicode(_)) => {
            return Err(fail("SESSION_REVOCATION is not valid UTF-8"));
        }
    };
    match value.as_str() {
        "off" => {
            eprintln!("session revocation: off (logged-out cookies work until they expire)");
            Ok(None)
        }
        "memory" => {
            eprintln!("session revocation: in memory (this process only)");
            Ok(Some(Revocation::new(MemoryStore::new(MEMORY_REVOCATIONS))))
        }
        url if url.starts_with("redis://") => redis_revocation(url),
        _ => Err(fail(
            "SESSION_REVOCATION must be memory, off, or redis://HOST:PORT/DB",
        )),
    }
}

/// The Redis store at `url`. It connects lazily: the site starts while
/// Redis is down, and its checks fail closed until Redis answers.
#[cfg(feature = "redis")]
fn redis_revocation(url: &str) -> Result<Option<Revocation>, StartError> {
    use session_cookie::revoke::{RedisConfig, RedisStore};
    let config =
        RedisConfig::from_url(url).map_err(|err| fail(format!("SESSION_REVOCATION: {err}")))?;
    let store =
        RedisStore::new(config).map_err(|err| fail(format!("SESSION_REVOCATION: {err}")))?;
    eprintln!("session revocation: Redis (shared by every server that uses it)");
    Ok(Some(Revocation::new(store)))
}

#[cfg(not(feature = "redis"))]
fn redis_revocation(_url: &str) -> Result<Option<Revocation>, StartError> {
    Err(fail(
        "SESSION_REVOCATION: this build has no Redis support (build it with --features redis)",
    ))
}

fn parse_ring(text: &str, source: &str) -> Result<NativeKeyRing, StartError> {
    if text.trim().is_empty() {
        return Err(fail(format!(
            "{source} is empty; it needs a key line (make one with `session-cookie keygen`)"
        )));
    }
    // The error names a line number and the problem, never key material.
    NativeKeyRing::parse(text).map_err(|err| fail(format!("{source}: {err}")))
}

/// Reads the key ring from `SESSION_KEYS` or `SESSION_KEYS_FILE`, or the
/// development key file when neither is set; says which on standard error.
///
/// # Errors
///
/// When both are set, or the one set cannot be read, is not UTF-8, is
/// empty, or is refused (weak, malformed).
pub fn key_ring() -> Result<NativeKeyRing, StartError> {
    let keys = std::env::var_os("SESSION_KEYS");
    let file = std::env::var_os("SESSION_KEYS_FILE");
    match (keys, file) {
        (Some(_), Some(_)) => Err(fail(
            "SESSION_KEYS and SESSION_KEYS_FILE are both set; set only one",
        )),
        (Some(keys), None) => {
            let text = Zeroizing::new(
                keys.into_string()
                    .map_err(|_| fail("SESSION_KEYS is not valid UTF-8"))?,
            );
            eprintln!("session keys: from SESSION_KEYS");
            parse_ring(&text, "SESSION_KEYS")
        }
        (None, Some(path)) => {
            if path.is_empty() {
                return Err(fail(
                    "SESSION_KEYS_FILE is empty; set it to a key file's path",
                ));
            }
            let path = PathBuf::from(path);
            let bytes = std::fs::read(&path).map_err(|err| {
                fail(format!(
                    "SESSION_KEYS_FILE: cannot read {}: {err}",
                    path.display()
                ))
            })?;
            let text = Zeroizing::new(String::from_utf8(bytes).map_err(|_| {
                fail(format!(
                    "SESSION_KEYS_FILE: {} is not valid UTF-8",
                    path.display()
                ))
            })?);
            eprintln!("session keys: from SESSION_KEYS_FILE {}", path.display());
            parse_ring(&text, "SESSION_KEYS_FILE")
        }
        (None, None) => development_ring(),
    }
}

fn development_ring() -> Result<NativeKeyRing, StartError> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/login-example-DEVELOPMENT.keys");
    let cannot = |err: &dyn std::fmt::Display| {
        fail(format!(
            "the DEVELOPMENT key file {}: {err} (set SESSION_KEYS or SESSION_KEYS_FILE)",
            path.display()
        ))
    };
    if !path.exists() {
        let key = MasterKey::generate("dev").map_err(|err| cannot(&err))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|err| cannot(&err))?;
        }
        write_private(&path, key.to_line().as_bytes()).map_err(|err| cannot(&err))?;
    }
    eprintln!(
        "session keys: DEVELOPMENT key file {} (set SESSION_KEYS or SESSION_KEYS_FILE in production)",
        path.display()
    );
    let text = Zeroizing::new(std::fs::read_to_string(&path).map_err(|err| cannot(&err))?);
    NativeKeyRing::parse(&text).map_err(|err| cannot(&err))
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

/// What a framework's `main` serves: the site, the engine for its session
/// middleware, and the listening socket (non-blocking, as both tokio and
/// actix-web take it).
pub struct StartUp {
    /// The routes' shared state.
    pub site: Site,
    /// The engine for the session middleware.
    pub engine: SessionEngine,
    /// Bound to 127.0.0.1 and `PORT`.
    pub listener: std::net::TcpListener,
    /// Where it listens (`PORT=0` picks a port).
    pub addr: SocketAddr,
}

/// Reads the environment (`PORT`, `SECURE`, the keys), makes the demo
/// user, binds the port and says where it listens.
///
/// # Errors
///
/// The one-line [`StartError`] of the first thing that is wrong.
pub fn start_up() -> Result<StartUp, StartError> {
    let port = port()?;
    let secure = secure()?;
    let ring = key_ring()?;
    let revocation = revocation()?;
    let users = Arc::new(Users::demo().map_err(|err| fail(format!("the demo user: {err}")))?);
    let sessions =
        Sessions::new(&ring, secure, revocation).map_err(|err| fail(format!("sessions: {err}")))?;
    let cannot_listen = |err: std::io::Error| {
        fail(format!(
            "cannot listen on 127.0.0.1:{port} (PORT={port}): {err}; set PORT to a free port"
        ))
    };
    let listener = std::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .map_err(cannot_listen)?;
    listener.set_nonblocking(true).map_err(cannot_listen)?;
    let addr = listener
        .local_addr()
        .map_err(|err| fail(format!("PORT={port}: {err}")))?;
    println!("demo user: alice / wonderland");
    println!("listening on http://{addr}/");
    let (site, engine) = Site::new(users, sessions);
    Ok(StartUp {
        site,
        engine,
        listener,
        addr,
    })
}

/// The exit status of `program` that ran to `outcome`; a failure is one
/// line on standard error.
pub fn exit(program: &str, outcome: Result<(), StartError>) -> std::process::ExitCode {
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("{program}: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

// ------------------------------------------------------------------- CSRF

/// The session's CSRF token, made now if it has none.
fn csrf_token(session: &SessionHandle) -> String {
    if let Some(token) = session
        .get::<String>(CSRF_KEY)
        .ok()
        .flatten()
        .filter(|token| !token.is_empty())
    {
        return token;
    }
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // No token: every POST is then refused, which is safe.
        return String::new();
    }
    let token = URL_SAFE_NO_PAD.encode(bytes);
    if session.insert(CSRF_KEY, &token).is_err() {
        return String::new();
    }
    token
}

/// Whether the form's `csrf_token` is the session's, compared in constant
/// time; a missing or empty one never is.
fn csrf_ok(session: &SessionHandle, form: &HashMap<String, String>) -> bool {
    let Some(expected) = session.get::<String>(CSRF_KEY).ok().flatten() else {
        return false;
    };
    let sent = form.get("csrf_token").map_or("", String::as_str);
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
}

fn csrf_field(token: &str) -> String {
    format!(
        r#"<input type="hidden" name="csrf_token" value="{}">"#,
        escape(token)
    )
}

fn forbidden() -> Reply {
    Reply::Page(
        403,
        page(
            "Forbidden",
            r#"<h1>Forbidden</h1>
<p class="error" role="alert">This form was not sent from this site, or it has expired (CSRF check failed). Nothing was changed.</p>
<p><a href="/">Back to the home page</a></p>"#,
        ),
    )
}

// ---------------------------------------------------------------- handlers

/// The routes, one method each. A POST route takes the form's fields, or
/// none when the body is not a form: a missing field is then the CSRF
/// check's 403, not the framework's 4xx.
impl Site {
    fn current_user(&self, session: &SessionHandle) -> Option<&User> {
        let id = session.get::<u64>("user_id").ok().flatten()?;
        self.users.get(id)
    }

    /// `GET /`: the greeting, or the anonymous page.
    pub fn home(&self, session: &SessionHandle) -> Reply {
        let Some(user) = self.current_user(session) else {
            return Reply::Page(
                200,
                page(
                    "Welcome",
                    r#"<h1>Hello, stranger</h1>
<p>You are not logged in.</p>
<p><a class="button-link" href="/login">Log in</a></p>"#,
                ),
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
        Reply::Page(
            200,
            page(
                "Home",
                &format!(
                    r#"<h1 id="greeting">Hello, {name}!</h1>
<p>You are logged in as <code>{username}</code>.</p>
<a class="create-post" href="/posts/new"><span class="plus" aria-hidden="true">+</span> Create Post</a>
{draft_note}
<p><a href="/logout" id="logout-link">Log out</a></p>"#,
                    name = escape(user.display_name),
                    username = escape(user.username),
                ),
            ),
        )
    }

    /// `GET /login`: the form.
    pub fn login_form(&self, session: &SessionHandle) -> Reply {
        Reply::Page(200, login_page(None, "", &csrf_token(session)))
    }

    /// Checks a password on one of the password threads, at most
    /// [`LOGIN_CONCURRENCY`] at a time: Argon2 takes tens of milliseconds
    /// of CPU, which must not stall the async workers that serve every
    /// other request.
    async fn authenticate(&self, username: String, password: String) -> Result<Option<u64>, ()> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        // Waits (without holding a worker) only when 64 checks are queued.
        self.checks
            .send((username, password, answer))
            .await
            .map_err(|_| ())?;
        answered.await.map_err(|_| ())
    }

    /// `POST /login`: 303 to `/` with the user in the session, or 401 with
    /// the form again.
    pub async fn login(&self, session: &SessionHandle, form: &HashMap<String, String>) -> Reply {
        if !csrf_ok(session, form) {
            return forbidden();
        }
        let username = form.get("username").cloned().unwrap_or_default();
        let password = form.get("password").cloned().unwrap_or_default();
        match self.authenticate(username.clone(), password).await {
            Ok(Some(id)) => {
                // A new session id and first-issue time for the logged-in
                // session (Django's `cycle_key()`), so that "log out
                // everywhere" before this login does not end it; and a new
                // CSRF token (as Django rotates it on login).
                session.cycle_id();
                session.remove(CSRF_KEY);
                match session.insert("user_id", id) {
                    Ok(()) => Reply::SeeOther("/"),
                    Err(_) => Reply::ServerError,
                }
            }
            Ok(None) => Reply::Page(
                401,
                login_page(
                    Some("Wrong username or password."),
                    &username,
                    &csrf_token(session),
                ),
            ),
            Err(()) => Reply::ServerError,
        }
    }

    /// `GET /logout` changes nothing: it shows the form that posts here.
    pub fn logout_form(&self, session: &SessionHandle) -> Reply {
        Reply::Page(
            200,
            page(
                "Log out",
                &format!(
                    r#"<h1>Log out</h1>
<form method="post" action="/logout" class="card">
  {csrf}
  <button type="submit" id="logout">Log out</button>
</form>
<form method="post" action="/logout-everywhere" class="card">
  {csrf}
  <p>Signed in on another computer too, or lost a device?</p>
  <button type="submit" id="logout-everywhere">Log out everywhere</button>
</form>
<p><a href="/">Back</a></p>"#,
                    csrf = csrf_field(&csrf_token(session)),
                ),
            ),
        )
    }

    /// `POST /logout` ends the whole session, as Django's `logout()` does:
    /// `user_id` and the draft go, and the response deletes every session
    /// cookie.
    pub fn logout(&self, session: &SessionHandle, form: &HashMap<String, String>) -> Reply {
        if !csrf_ok(session, form) {
            return forbidden();
        }
        session.flush();
        Reply::SeeOther("/login")
    }

    /// `POST /logout-everywhere` ends this session and every other session
    /// of the user, on every server that shares the revocation store; a
    /// login after it starts afresh.
    pub fn logout_everywhere(
        &self,
        session: &SessionHandle,
        form: &HashMap<String, String>,
    ) -> Reply {
        if !csrf_ok(session, form) {
            return forbidden();
        }
        session.flush_everywhere();
        Reply::SeeOther("/login")
    }

    /// `GET /posts/new`: the draft form, for a logged-in user.
    pub fn draft_form(&self, session: &SessionHandle) -> Reply {
        if self.current_user(session).is_none() {
            return Reply::SeeOther("/login");
        }
        // A draft of another shape (an older version of the site) is no
        // draft.
        let draft: String = session.get_or("draft", String::new()).unwrap_or_default();
        Reply::Page(200, draft_page(&draft, None, &csrf_token(session)))
    }

    /// `POST /posts/new`: keeps the draft in the session, or refuses it
    /// with 413 when the cookies cannot hold it.
    pub fn save_draft(&self, session: &SessionHandle, form: &HashMap<String, String>) -> Reply {
        if !csrf_ok(session, form) {
            return forbidden();
        }
        if self.current_user(session).is_none() {
            return Reply::SeeOther("/login");
        }
        let draft = form.get("draft").map_or("", String::as_str);
        if draft.is_empty() {
            session.remove("draft");
            return Reply::SeeOther("/");
        }
        // Measure a copy with the new draft before writing: a draft the
        // cookies cannot hold is refused, and the session keeps the old one.
        let mut copy: Session = Session::clone(&session.lock());
        if copy.insert("draft", draft).is_err() || !self.budget.fits(&copy) {
            let error = format!(
                "This draft is too large to keep in the session cookies (at most {} bytes of cookie fit); your previous draft is kept.",
                self.budget.max_value_len
            );
            return Reply::Page(413, draft_page(draft, Some(&error), &csrf_token(session)));
        }
        if session.insert("draft", draft).is_err() {
            return Reply::ServerError;
        }
        Reply::SeeOther("/")
    }
}

fn login_page(error: Option<&str>, username: &str, token: &str) -> String {
    let error = error
        .map(|error| format!(r#"<p class="error" role="alert">{}</p>"#, escape(error)))
        .unwrap_or_default();
    page(
        "Log in",
        &format!(
            r#"<h1>Log in</h1>
{error}
<form method="post" action="/login" class="card">
  {csrf}
  <label>Username <input name="username" id="username" autocomplete="username" value="{username}" required></label>
  <label>Password <input name="password" id="password" type="password" autocomplete="current-password" required></label>
  <button type="submit" id="submit">Log in</button>
</form>
<p class="hint">Demo account: alice / wonderland</p>"#,
            csrf = csrf_field(token),
            username = escape(username),
        ),
    )
}

fn draft_page(draft: &str, error: Option<&str>, token: &str) -> String {
    let error = error
        .map(|error| format!(r#"<p class="error" role="alert">{}</p>"#, escape(error)))
        .unwrap_or_default();
    page(
        "New post",
        &format!(
            r#"<h1>New post</h1>
{error}
<form method="post" action="/posts/new" class="card">
  {csrf}
  <label>Draft <textarea name="draft" id="draft" rows="12">{draft}</textarea></label>
  <button type="submit" id="save">Save draft</button>
</form>
<p class="hint">Drafts live in your session cookie: long ones are split across several cookies. An empty draft is discarded.</p>
<p><a href="/">Back</a></p>"#,
            csrf = csrf_field(token),
            draft = escape(draft),
        ),
    )
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

fn page(title: &str, body: &str) -> String {
    format!(
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
    )
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
