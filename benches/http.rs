//! Requests per second of a whole axum server that reads the session on
//! every request: the README's setup (native encrypted, and native signed)
//! against axum-extra's `PrivateCookieJar` and `SignedCookieJar` with
//! `serde_json`, on loopback.
//!
//! `cargo bench --bench http`; groups are `http/<size>/<name>`, criterion
//! prints requests/s (`Throughput::Elements(1)`: one element per request),
//! and each benchmark prints, on stderr, the CPU time that the server spent
//! per request.
//!
//! The method, and why:
//!
//! - **The handler** reads the user id on every request and answers it as
//!   a short text body; it changes nothing, so neither side sends
//!   `Set-Cookie` (checked once per server in setup, with the body). The
//!   2 KB payload has `user_id` (a number); the small one is Django's auth
//!   session, whose user id is `_auth_user_id` (a string), so that is the
//!   key read there, by every server alike.
//! - **Ours** is `SessionLayer::new(SessionEngine::native(&ring,
//!   NativeConfig::ENCRYPTED or SIGNED, SessionConfig::DJANGO.with_name(..)))`
//!   as in the README, the handler taking `SessionHandle`. **The peers** are
//!   axum-extra's jars as their docs use them (the key as router state, the
//!   jar as extractor, `jar.get("session")`, then
//!   `serde_json::from_str::<Map<String, Value>>`). Each server's cookie is
//!   made once by its own encoder (`SessionEngine::cookie_header`, the
//!   jar's `add` and the `Set-Cookie` it answers) and sent as a `Cookie:`
//!   header. The peers' `serde_json` has only its default features plus
//!   the additive `raw_value` (`cargo tree -e features -i serde_json`):
//!   nothing in this build changes how it parses.
//! - **`no_session`**: the same axum server and request bytes (ours, native
//!   encrypted cookie), a handler that ignores cookies: the fixed cost of
//!   HTTP, axum and the load generator, which no session library can go
//!   under.
//! - **Separate cores**: the server is one thread pinned to CPU 1 running a
//!   current-thread tokio runtime (so all of its work, I/O included, is on
//!   that thread and its CPU time is that thread's); the load generator is
//!   a current-thread runtime on the benchmark's thread, pinned to CPU 0.
//!   With one CPU they share it, unpinned, and a warning says so (and the
//!   load generator then sleeps, as below).
//! - **A cheap load generator**: `HTTP_BENCH_CONNECTIONS` (default 8)
//!   keep-alive HTTP/1.1 connections, each writing one pre-built request
//!   and reading the answer with just enough parsing (the status line, then
//!   `content-length` and the body). Several connections keep the server
//!   busy while the client reads an answer; 8 is where the `no_session`
//!   rate stopped rising on the 2-core machine this was tuned on (1 leaves
//!   both sides waiting for each other's wakeups).
//! - **A load generator that never sleeps**: while answers are on their
//!   way it yields to its runtime, which then polls its sockets without
//!   blocking, instead of parking in `epoll_wait`. A client that sleeps
//!   must be woken by the server's `writev`, and on a VM that halts idle
//!   CPUs without polling (this one boots with
//!   `haltpoll.guest_halt_poll_ns=0`) each wakeup is an inter-processor
//!   interrupt that the *server's* CPU time pays: perf put 12% of the
//!   server's samples in `_raw_spin_unlock_irqrestore` under
//!   `sock_def_readable`, for every server with a session and none for
//!   `no_session`. That is a cost of a load generator on the same machine,
//!   not of serving a request. With the client spinning it fell to 2.5%,
//!   and the server's CPU time per request fell for every server (in one
//!   sitting, `no_session` small 9.2 to 6.5 µs, ours signed 12.1 to
//!   9.5–10.9 µs, `SignedCookieJar` 13.3 to 10.1–11.4 µs). The client's
//!   CPU time is now its wall time, so only the server's is printed.
//! - **CPU time** of the server thread comes from `/proc/.../schedstat`
//!   (the first field, nanoseconds on CPU), read outside the timed part, at
//!   the start and end of every batch; `server_busy` is that CPU time over
//!   the wall time, near 100% when the server is what binds. A row well
//!   under that was starved (something else took the load generator's CPU,
//!   e.g. a build on a shared machine): rerun it, or compare the server's
//!   CPU time per request, which such noise moves much less than
//!   requests/s.
//! - **Bounded**: 10 samples, 3 s each after 1 s of warm-up: about a
//!   minute and a half for the ten benchmarks.

#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing
)] // setup failures are broken benchmarks

use std::cell::{Cell, RefCell};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::http::header::SET_COOKIE;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::serve::ListenerExt;
use axum_extra::extract::cookie::{Cookie, Key, PrivateCookieJar, SignedCookieJar};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Map, Value};
use session_cookie::http::{SessionConfig, SessionHandle, SessionLayer};
use session_cookie::{MasterKey, NativeConfig, NativeKeyRing, Session, engine::SessionEngine};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::runtime::Runtime;
use tokio::task::JoinSet;

#[path = "payloads/mod.rs"]
#[allow(dead_code)]
mod payloads;

/// The cookie name of the README's setup.
const OURS_NAME: &str = "__Host-session";
/// The cookie the peers' handlers read.
const PEER_NAME: &str = "session";
/// What every handler answers, for the payloads' user id 4217.
const ANSWER: &str = "user 4217";

/// The benchmark payloads and the key that holds each one's user id.
fn payloads() -> [(&'static str, &'static str, Value); 2] {
    let parse = |text: &str| serde_json::from_str::<Value>(text).expect("payload");
    [
        (
            "small",
            "_auth_user_id",
            parse(include_str!("payloads/small.json")),
        ),
        ("2kb", "user_id", parse(include_str!("payloads/2kb.json"))),
    ]
}

fn answer(user_id: Option<u64>) -> String {
    match user_id {
        Some(id) => format!("user {id}"),
        None => "stranger".to_owned(),
    }
}

// Ours: the typed read the README shows (the small session's id is a
// string, as Django stores it).
async fn ours_small(session: SessionHandle) -> String {
    let id = session.get::<String>("_auth_user_id").ok().flatten();
    answer(id.and_then(|id| id.parse().ok()))
}

async fn ours_2kb(session: SessionHandle) -> String {
    answer(session.get::<u64>("user_id").ok().flatten())
}

/// The peers: the cookie's value parsed as a JSON object, one key read.
fn peer_user_id(cookie: Option<Cookie<'static>>, key: &str) -> Option<u64> {
    let cookie = cookie?;
    let map = serde_json::from_str::<Map<String, Value>>(cookie.value()).ok()?;
    match map.get(key)? {
        Value::Number(number) => number.as_u64(),
        Value::String(text) => text.parse().ok(),
        _ => None,
    }
}

async fn private_small(jar: PrivateCookieJar) -> String {
    answer(peer_user_id(jar.get(PEER_NAME), "_auth_user_id"))
}

async fn private_2kb(jar: PrivateCookieJar) -> String {
    answer(peer_user_id(jar.get(PEER_NAME), "user_id"))
}

async fn signed_small(jar: SignedCookieJar) -> String {
    answer(peer_user_id(jar.get(PEER_NAME), "_auth_user_id"))
}

async fn signed_2kb(jar: SignedCookieJar) -> String {
    answer(peer_user_id(jar.get(PEER_NAME), "user_id"))
}

async fn no_session() -> String {
    ANSWER.to_owned()
}

fn ring() -> NativeKeyRing {
    let bytes: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(31) ^ 3).collect();
    NativeKeyRing::new(MasterKey::new("k1", bytes).expect("benchmark key"))
}

fn engine(config: NativeConfig) -> SessionEngine {
    SessionEngine::native(&ring(), config, SessionConfig::DJANGO.with_name(OURS_NAME))
        .expect("engine")
}

fn session(value: &Value) -> Session {
    let map: Map<String, Value> = serde_json::from_value(value.clone()).expect("object");
    Session::from(map)
}

/// The `name=value` pair of the `Set-Cookie` a jar answers.
fn jar_cookie(response: axum::response::Response) -> String {
    let header = response
        .headers()
        .get(SET_COOKIE)
        .expect("the jar sets its cookie")
        .to_str()
        .expect("ascii");
    header.split(';').next().expect("a pair").to_owned()
}

/// Per payload size, the `Cookie` header value a server reads.
type Cookies = Vec<(&'static str, String)>;

/// One server under test: its address and, per payload, the request bytes.
struct Target {
    name: &'static str,
    addr: SocketAddr,
    requests: Vec<(&'static str, Arc<[u8]>)>,
}

fn request(path: &str, cookie: &str) -> Arc<[u8]> {
    format!("GET /{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: {cookie}\r\n\r\n")
        .into_bytes()
        .into()
}

/// The five servers, bound here and served by one pinned thread.
fn servers(server_core: Option<core_affinity::CoreId>) -> (Vec<Target>, PathBuf) {
    let payloads = payloads();
    let key = Key::from(&[5u8; 64]);
    let encrypted = engine(NativeConfig::ENCRYPTED);
    let signed = engine(NativeConfig::SIGNED);
    let cookies = |f: &dyn Fn(&Value) -> String| -> Cookies {
        payloads.iter().map(|(size, _, v)| (*size, f(v))).collect()
    };
    let ours_encrypted = cookies(&|v| encrypted.cookie_header(&session(v)).expect("encode"));
    let ours_signed = cookies(&|v| signed.cookie_header(&session(v)).expect("encode"));
    let json = |v: &Value| serde_json::to_string(v).expect("json");
    let private = cookies(&|v| {
        jar_cookie(
            PrivateCookieJar::new(key.clone())
                .add(Cookie::new(PEER_NAME, json(v)))
                .into_response(),
        )
    });
    let signed_jar = cookies(&|v| {
        jar_cookie(
            SignedCookieJar::new(key.clone())
                .add(Cookie::new(PEER_NAME, json(v)))
                .into_response(),
        )
    });
    for (label, list) in [
        ("ours_native_encrypted", &ours_encrypted),
        ("ours_native_signed", &ours_signed),
        ("axum_extra_private_jar", &private),
        ("axum_extra_signed_jar", &signed_jar),
    ] {
        for (size, cookie) in list.iter() {
            eprintln!("{label} {size}: Cookie header of {} bytes", cookie.len());
        }
    }

    let ours = |engine: SessionEngine| {
        Router::new()
            .route("/small", get(ours_small))
            .route("/2kb", get(ours_2kb))
            .layer(SessionLayer::new(engine))
    };
    // Each of ours runs next to the peer it is compared with, so that a
    // drift of the shared host between benchmarks moves a pair less.
    let apps: Vec<(&'static str, Router, &Cookies)> = vec![
        (
            "no_session",
            Router::new()
                .route("/small", get(no_session))
                .route("/2kb", get(no_session)),
            &ours_encrypted,
        ),
        (
            "ours_native_encrypted",
            ours(encrypted.clone()),
            &ours_encrypted,
        ),
        (
            "axum_extra_private_jar",
            Router::new()
                .route("/small", get(private_small))
                .route("/2kb", get(private_2kb))
                .with_state(key.clone()),
            &private,
        ),
        ("ours_native_signed", ours(signed.clone()), &ours_signed),
        (
            "axum_extra_signed_jar",
            Router::new()
                .route("/small", get(signed_small))
                .route("/2kb", get(signed_2kb))
                .with_state(key.clone()),
            &signed_jar,
        ),
    ];

    let mut targets = Vec::new();
    let mut listeners = Vec::new();
    for (name, app, cookies) in apps {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        targets.push(Target {
            name,
            addr: listener.local_addr().expect("address"),
            requests: cookies
                .iter()
                .map(|(size, cookie)| (*size, request(size, cookie)))
                .collect(),
        });
        listeners.push((listener, app));
    }

    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("http-server".to_owned())
        .spawn(move || {
            if let Some(core) = server_core {
                core_affinity::set_for_current(core);
            }
            // This thread's own /proc directory, for its CPU time.
            tx.send(thread_dir()).expect("send");
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                for (listener, app) in listeners {
                    let listener = tokio::net::TcpListener::from_std(listener)
                        .expect("listener")
                        .tap_io(|tcp| {
                            tcp.set_nodelay(true).ok();
                        });
                    tokio::spawn(async move { axum::serve(listener, app).await });
                }
                std::future::pending::<()>().await;
            });
        })
        .expect("server thread");
    let proc_dir = rx.recv().expect("server started");
    (targets, proc_dir)
}

/// The calling thread's `/proc/<pid>/task/<tid>` (the link is relative).
fn thread_dir() -> PathBuf {
    Path::new("/proc").join(std::fs::read_link("/proc/thread-self").expect("thread-self"))
}

/// Nanoseconds a thread has spent on a CPU (`/proc/<tid>/schedstat`).
fn cpu_ns(dir: &Path) -> Option<u64> {
    let text = std::fs::read_to_string(dir.join("schedstat")).ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// One keep-alive client connection with its read buffer.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Self {
        let stream = TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Self {
            stream,
            buf: vec![0; 16 * 1024],
        }
    }

    /// Sends `request`, reads the whole answer, returns its head and body
    /// length; panics unless it is a 200.
    async fn exchange(&mut self, request: &[u8]) -> (usize, usize) {
        self.stream.write_all(request).await.expect("write");
        let mut filled = 0;
        loop {
            filled = self.read_more(filled).await;
            if let Some(end) = memchr::memmem::find(&self.buf[..filled], b"\r\n\r\n") {
                let head = &self.buf[..end];
                assert!(head.starts_with(b"HTTP/1.1 200 "), "not a 200");
                let length = content_length(head);
                let total = end + 4 + length;
                while filled < total {
                    filled = self.read_more(filled).await;
                }
                return (end, length);
            }
        }
    }

    /// Reads what the server sent after the `filled` bytes already in the
    /// buffer; the new fill. Panics if the server closed the connection.
    async fn read_more(&mut self, filled: usize) -> usize {
        let n = self
            .stream
            .read(&mut self.buf[filled..])
            .await
            .expect("read");
        assert!(n > 0, "server closed the connection");
        filled + n
    }
}

fn content_length(head: &[u8]) -> usize {
    head.split(|&b| b == b'\n')
        .find_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let (name, value) = line.split_at(line.iter().position(|&b| b == b':')?);
            name.eq_ignore_ascii_case(b"content-length")
                .then(|| std::str::from_utf8(&value[1..]).ok()?.trim().parse().ok())
                .flatten()
        })
        .expect("content-length")
}

/// One request on a fresh connection: asserts the answer and that it sets
/// no cookie.
fn check(runtime: &Runtime, target: &Target, size: &str, request: &[u8]) {
    runtime.block_on(async {
        let mut conn = Conn::open(target.addr).await;
        let (end, length) = conn.exchange(request).await;
        let head = String::from_utf8_lossy(&conn.buf[..end]).to_ascii_lowercase();
        let body = &conn.buf[end + 4..end + 4 + length];
        assert_eq!(body, ANSWER.as_bytes(), "{} {size}: body", target.name);
        assert!(
            !head.contains("set-cookie"),
            "{} {size}: sets a cookie on a read:\n{head}",
            target.name
        );
    });
}

/// `iters` requests spread over the connections; the wall time. `spin`:
/// the load generator has a CPU of its own, and never sleeps on it.
fn batch(
    runtime: &Runtime,
    conns: &RefCell<Vec<Conn>>,
    request: &Arc<[u8]>,
    iters: u64,
    spin: bool,
) -> Duration {
    let taken = std::mem::take(&mut *conns.borrow_mut());
    let k = taken.len() as u64;
    let (elapsed, back) = runtime.block_on(async {
        let start = Instant::now();
        let mut set = JoinSet::new();
        for (i, mut conn) in (0u64..).zip(taken) {
            let n = iters / k + u64::from(i < iters % k);
            let request = Arc::clone(request);
            set.spawn(async move {
                for _ in 0..n {
                    conn.exchange(&request).await;
                }
                conn
            });
        }
        // Spins instead of sleeping while the answers are on their way
        // ("A load generator that never sleeps" at the top), unless it
        // would take the server's only CPU.
        let mut back = Vec::new();
        while !set.is_empty() {
            let done = if spin {
                set.try_join_next()
            } else {
                set.join_next().await
            };
            match done {
                Some(done) => back.push(done.expect("client task")),
                // Only `try_join_next` answers nothing while tasks remain.
                None => tokio::task::yield_now().await,
            }
        }
        (start.elapsed(), back)
    });
    *conns.borrow_mut() = back;
    elapsed
}

fn bench(c: &mut Criterion) {
    let cores = core_affinity::get_core_ids().unwrap_or_default();
    let (client_core, server_core) = match cores.as_slice() {
        [first, second, ..] => (Some(*first), Some(*second)),
        _ => {
            eprintln!("warning: fewer than 2 CPUs; server and load generator share one, unpinned");
            (None, None)
        }
    };
    if let Some(core) = client_core {
        if !core_affinity::set_for_current(core) {
            eprintln!("warning: could not pin the load generator to {core:?}");
        }
    }
    let connections: usize = std::env::var("HTTP_BENCH_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    let (targets, server_dir) = servers(server_core);
    let spin = server_core.is_some();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    for target in &targets {
        for (size, request) in &target.requests {
            check(&runtime, target, size, request);
        }
    }
    eprintln!(
        "{connections} connections; server on {server_core:?}, load generator on {client_core:?}"
    );

    for size in ["small", "2kb"] {
        let mut group = c.benchmark_group(format!("http/{size}"));
        group.throughput(Throughput::Elements(1));
        for target in &targets {
            let request = target
                .requests
                .iter()
                .find(|(s, _)| *s == size)
                .map(|(_, r)| Arc::clone(r))
                .expect("request");
            let conns = RefCell::new(runtime.block_on(async {
                let mut conns = Vec::new();
                for _ in 0..connections {
                    conns.push(Conn::open(target.addr).await);
                }
                conns
            }));
            let (requests, wall, server) = (Cell::new(0u64), Cell::new(0u64), Cell::new(0u64));
            group.bench_function(target.name, |b| {
                b.iter_custom(|iters| {
                    let s0 = cpu_ns(&server_dir);
                    let elapsed = batch(&runtime, &conns, &request, iters, spin);
                    let s1 = cpu_ns(&server_dir);
                    requests.set(requests.get() + iters);
                    wall.set(wall.get() + u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
                    if let (Some(s0), Some(s1)) = (s0, s1) {
                        server.set(server.get() + (s1 - s0));
                    }
                    elapsed
                });
            });
            if requests.get() == 0 {
                continue; // filtered out
            }
            let n = requests.get() as f64;
            eprintln!(
                "http/{size}/{}: CPU per request: server {:.2} µs; \
                 server_busy {:.0}% ({} requests)",
                target.name,
                server.get() as f64 / n / 1e3,
                100.0 * server.get() as f64 / wall.get().max(1) as f64,
                requests.get(),
            );
        }
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
