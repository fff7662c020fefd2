//! The login site as each framework port serves it (`examples/login.rs` on
//! axum, `examples/login_actix.rs` on actix-web, `examples/login_rocket.rs`
//! on Rocket), on a loopback port of its
//! own: the one framework-specific seam of `tests/http_login.rs` and
//! `tests/browser.rs`, which talk to the site only over HTTP. A port to
//! another framework adds a [`Framework`] and its arm in [`start`].

#[allow(dead_code, unreachable_pub)]
#[path = "../../examples/login.rs"]
mod login;
// Each example is its own crate with the site as its child module, so this
// test crate holds the site three times, one copy per port: their types differ,
// as in two real binaries.
#[allow(dead_code, unreachable_pub, clippy::duplicate_mod)]
#[path = "../../examples/login_actix.rs"]
mod login_actix;
#[allow(dead_code, unreachable_pub, clippy::duplicate_mod)]
#[path = "../../examples/login_rocket.rs"]
mod login_rocket;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use session_cookie::revoke::{MemoryStore, Revocation};
use session_cookie::{NativeKeyRing, UnixTime};

/// A framework the site is ported to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Framework {
    Axum,
    Actix,
    Rocket,
}

impl Framework {
    /// The example that serves the site on this framework.
    pub(crate) fn example(self) -> &'static str {
        match self {
            Self::Axum => "login",
            Self::Actix => "login_actix",
            Self::Rocket => "login_rocket",
        }
    }
}

/// What a site under test is started with.
pub(crate) struct Options {
    pub(crate) ring: NativeKeyRing,
    /// `SECURE=1`: `__Host-sessionid` with `Secure`.
    pub(crate) secure: bool,
    /// Seconds the site's clock runs ahead of the system clock.
    pub(crate) clock_offset: i64,
    /// Where logged-out sessions are remembered: the example's default, a
    /// store in memory, unless a test shares one between two servers.
    pub(crate) revocation: Option<Revocation>,
}

impl Options {
    pub(crate) fn new(ring: NativeKeyRing) -> Self {
        Self {
            ring,
            secure: false,
            clock_offset: 0,
            revocation: Some(Revocation::new(MemoryStore::new(10_000))),
        }
    }

    pub(crate) fn with_revocation(self, revocation: Option<Revocation>) -> Self {
        Self { revocation, ..self }
    }

    pub(crate) fn days_later(self, days: i64) -> Self {
        Self {
            clock_offset: days * 86_400,
            ..self
        }
    }
}

/// The site on 127.0.0.1, stopped on drop.
pub(crate) struct Server {
    pub(crate) base: String,
    running: Running,
}

enum Running {
    /// axum serves on a task of the test's runtime.
    Task(tokio::task::JoinHandle<()>),
    /// actix-web serves on worker threads of its own.
    Actix(actix_web::dev::ServerHandle, tokio::task::JoinHandle<()>),
    /// Rocket serves on a task of the test's runtime, until told to stop.
    Rocket(rocket::Shutdown, tokio::task::JoinHandle<()>),
}

impl Server {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        match &self.running {
            Running::Task(task) => task.abort(),
            Running::Actix(handle, task) => {
                // The command is sent now; the future only waits for the
                // workers to finish, which a test need not.
                drop(handle.stop(false));
                task.abort();
            }
            Running::Rocket(shutdown, task) => {
                shutdown.clone().notify();
                task.abort();
            }
        }
    }
}

/// The demo users (hashed once per framework and test binary: each port
/// has its own copy of the site's types).
fn users<T: Send + Sync + 'static>(
    cell: &'static OnceLock<Arc<T>>,
    demo: fn() -> Result<T, Box<dyn std::error::Error>>,
) -> Arc<T> {
    Arc::clone(cell.get_or_init(|| Arc::new(demo().unwrap())))
}

/// The site's clock: the system clock, `offset` seconds ahead.
fn clock(offset: i64) -> impl Fn() -> UnixTime + Send + Sync + 'static {
    move || UnixTime::from_secs(UnixTime::now().as_secs() + offset)
}

fn loopback() -> std::net::TcpListener {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    listener
}

/// Starts the site on `framework`, on a port of its own.
pub(crate) async fn start(framework: Framework, options: Options) -> Server {
    let listener = loopback();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let running = match framework {
        Framework::Axum => {
            use login::login_site::{Sessions, Users};
            static USERS: OnceLock<Arc<Users>> = OnceLock::new();
            let mut sessions =
                Sessions::new(&options.ring, options.secure, options.revocation.clone()).unwrap();
            if options.clock_offset != 0 {
                sessions = sessions.with_clock(clock(options.clock_offset));
            }
            let app = login::app(users(&USERS, Users::demo), sessions);
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            Running::Task(tokio::spawn(async move {
                axum::serve(listener, app).await.unwrap();
            }))
        }
        Framework::Actix => {
            use login_actix::login_site::{Sessions, Users};
            static USERS: OnceLock<Arc<Users>> = OnceLock::new();
            let mut sessions =
                Sessions::new(&options.ring, options.secure, options.revocation.clone()).unwrap();
            if options.clock_offset != 0 {
                sessions = sessions.with_clock(clock(options.clock_offset));
            }
            let server =
                login_actix::server(users(&USERS, Users::demo), sessions, listener).unwrap();
            let handle = server.handle();
            Running::Actix(
                handle,
                tokio::spawn(async move {
                    server.await.unwrap();
                }),
            )
        }
        Framework::Rocket => {
            use login_rocket::login_site::{Sessions, Users};
            static USERS: OnceLock<Arc<Users>> = OnceLock::new();
            let mut sessions =
                Sessions::new(&options.ring, options.secure, options.revocation.clone()).unwrap();
            if options.clock_offset != 0 {
                sessions = sessions.with_clock(clock(options.clock_offset));
            }
            // Rocket 0.5 binds its own socket: the port of the listener
            // just made, freed for it.
            let port = listener.local_addr().unwrap().port();
            drop(listener);
            let rocket = login_rocket::rocket(users(&USERS, Users::demo), sessions, port)
                .ignite()
                .await
                .unwrap();
            let shutdown = rocket.shutdown();
            let task = tokio::spawn(async move {
                rocket.launch().await.unwrap();
            });
            while tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_err()
            {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Running::Rocket(shutdown, task)
        }
    };
    Server { base, running }
}

/// The newest modification time of the example's sources: its own files
/// and the library's (a library change must rebuild the example too).
fn sources_modified(framework: Framework) -> Option<std::time::SystemTime> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let examples = root.join("examples");
    let mut files = vec![
        examples.join(format!("{}.rs", framework.example())),
        examples.join("login_site/mod.rs"),
        root.join("Cargo.toml"),
    ];
    let mut dirs = vec![root.join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).ok()?.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files
        .iter()
        .map(|path| std::fs::metadata(path).and_then(|m| m.modified()).ok())
        .collect::<Option<Vec<_>>>()?
        .into_iter()
        .max()
}

/// The example's executable, `target/debug/examples/NAME` next to this
/// test's `target/debug/deps/`; built first (`cargo build --example NAME`,
/// with this test's features) unless it is newer than its sources.
pub(crate) fn example_binary(framework: Framework) -> PathBuf {
    // One build at a time: two cargo runs would wait on each other's lock.
    static BUILDING: Mutex<()> = Mutex::new(());
    let _building = BUILDING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let exe = std::env::current_exe().unwrap();
    let debug = exe.parent().unwrap().parent().unwrap();
    let binary = debug.join("examples").join(framework.example());
    let modified = std::fs::metadata(&binary).and_then(|m| m.modified()).ok();
    if modified.is_some_and(|built| Some(built) >= sources_modified(framework)) {
        return binary;
    }
    let features: Vec<&str> = [
        ("zlib", cfg!(feature = "zlib")),
        ("flask", cfg!(feature = "flask")),
        ("django-auth", cfg!(feature = "django-auth")),
        ("tracing", cfg!(feature = "tracing")),
        ("tower", cfg!(feature = "tower")),
        ("axum", cfg!(feature = "axum")),
        ("actix", cfg!(feature = "actix")),
        ("rocket", cfg!(feature = "rocket")),
        ("redis", cfg!(feature = "redis")),
        ("fuzzing", cfg!(feature = "fuzzing")),
    ]
    .into_iter()
    .filter_map(|(name, on)| on.then_some(name))
    .collect();
    let status = std::process::Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--example",
            framework.example(),
            "--features",
        ])
        .arg(features.join(","))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(
        status.success(),
        "cargo build --example {}",
        framework.example()
    );
    binary
}

/// The example binary of `framework` serving on a free loopback port, as
/// `cargo run --example` runs it (development keys, unless `env` says
/// otherwise), with `env` set; killed when dropped.
pub(crate) struct Process {
    pub(crate) child: std::process::Child,
    pub(crate) base: String,
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the example and waits until it listens; a start-up failure
/// panics with what the example said on standard error.
pub(crate) async fn spawn_example(framework: Framework, env: &[(&str, &str)]) -> Process {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::env::temp_dir().join(format!(
        "session-cookie-{}-{}-{port}.log",
        framework.example(),
        std::process::id()
    ));
    let mut command = std::process::Command::new(example_binary(framework));
    for var in [
        "SESSION_KEYS",
        "SESSION_KEYS_FILE",
        "SECURE",
        "SESSION_REVOCATION",
    ] {
        command.env_remove(var);
    }
    let child = command
        .envs(env.iter().copied())
        .env("PORT", port.to_string())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut process = Process {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        let exited = process.child.try_wait().unwrap();
        if exited.is_some() || std::time::Instant::now() > deadline {
            let said = std::fs::read_to_string(&log).unwrap_or_default();
            panic!("{framework:?} did not start ({exited:?}): {said}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    process
}
