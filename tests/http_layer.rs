//! The session layer's behaviour, request by request, for every codec
//! through one harness: Django's `SessionMiddleware` rules (lazy load,
//! `Vary`, when to write, when to delete), the cookie attributes, expiry,
//! key rotation, and chunking.
//!
//! These drive the tower service in-process (`oneshot`), with a stepped
//! clock; `tests/http_login.rs` drives a real server over TCP.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation
)] // test code: a failed unwrap is a failed test

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::Query;
use axum::http::header::{COOKIE, SET_COOKIE, VARY};
use axum::http::{Request, Response, StatusCode};
use axum::routing::get;
use cookie::Cookie;
use serde::Deserialize;
use session_cookie::engine::SessionEngine;
use session_cookie::http::{
    DEFAULT_MAX_CHUNKS, DEFAULT_MAX_REQUEST_BYTES, SameSite, SessionConfig, SessionHandle,
    SessionLayer, SessionWriteError,
};
use session_cookie::{
    Codec, DecodeError, Decoded, DjangoConfig, EncodeError, Expiry, KeyState, Lineage, MasterKey,
    NativeCodec, NativeConfig, NativeKeyRing, SecretKeys, Session, UnixTime,
};
use tower::ServiceExt as _;

const T0: i64 = 1_800_000_000;
const AGE: i64 = 1_209_600;

// ------------------------------------------------------------------ app

#[derive(Deserialize)]
struct Params {
    k: Option<String>,
    v: Option<String>,
    n: Option<usize>,
    s: Option<i64>,
}

/// Text that does not compress, so that Django's zlib cannot shrink it
/// below the chunking threshold.
fn noise(n: usize, seed: u32) -> String {
    let mut x: u32 = 0x2545_f491 ^ seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            char::from(
                b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                    [(x % 62) as usize],
            )
        })
        .collect()
}

fn app(layer: SessionLayer) -> Router {
    Router::new()
        .route("/nothing", get(|| async { "ok" }))
        .route(
            "/read",
            get(|session: SessionHandle| async move {
                serde_json::to_string(&*session.lock()).unwrap()
            }),
        )
        .route(
            "/set",
            get(
                |session: SessionHandle, Query(p): Query<Params>| async move {
                    session.insert(p.k.unwrap(), p.v.unwrap()).unwrap();
                    "set"
                },
            ),
        )
        .route(
            "/big",
            get(
                |session: SessionHandle, Query(p): Query<Params>| async move {
                    let seed = u32::try_from(p.s.unwrap_or(0)).unwrap();
                    session.insert("big", noise(p.n.unwrap(), seed)).unwrap();
                    format!("{:?}", session.cookies_needed())
                },
            ),
        )
        .route(
            "/measure",
            get(
                |session: SessionHandle, Query(p): Query<Params>| async move {
                    let previous: Option<String> = session.get("big").unwrap();
                    session.remove("big");
                    session.insert("big", noise(p.n.unwrap(), 0)).unwrap();
                    let needed = format!("{:?}", session.cookies_needed());
                    session.remove("big");
                    if let Some(previous) = previous {
                        session.insert("big", previous).unwrap();
                    }
                    needed
                },
            ),
        )
        .route(
            "/flush",
            get(|session: SessionHandle| async move {
                session.flush();
                "flushed"
            }),
        )
        .route(
            "/expiry",
            get(
                |session: SessionHandle, Query(p): Query<Params>| async move {
                    session.set_expiry(match p.s.unwrap() {
                        0 => Expiry::BrowserClose,
                        s => Expiry::Seconds(s),
                    });
                    "expiry"
                },
            ),
        )
        .route(
            "/fail",
            get(|session: SessionHandle| async move {
                session.insert("x", 1).unwrap();
                StatusCode::INTERNAL_SERVER_ERROR
            }),
        )
        .route(
            // The largest `big` that `try_insert` accepts (binary search),
            // with `s` an expiry in seconds (for the widest `Max-Age`).
            "/fill",
            get(
                |session: SessionHandle, Query(p): Query<Params>| async move {
                    if let Some(seconds) = p.s {
                        session.set_expiry(Expiry::Seconds(seconds));
                    }
                    let (mut lo, mut hi) = (0usize, 40_000usize);
                    while lo < hi {
                        let mid = (lo + hi).div_ceil(2);
                        if session.try_insert("big", noise(mid, 0)).is_ok() {
                            lo = mid;
                        } else {
                            hi = mid - 1;
                        }
                    }
                    session.try_insert("big", noise(lo, 0)).unwrap();
                    format!("{lo}")
                },
            ),
        )
        .route(
            "/try",
            get(
                |session: SessionHandle, Query(p): Query<Params>| async move {
                    let result = session.try_insert("big", noise(p.n.unwrap(), 0));
                    format!("{result:?} modified={}", session.lock().is_modified())
                },
            ),
        )
        .route(
            // A handler whose session cannot be written, with its own
            // status, header and body.
            "/too-big",
            get(|session: SessionHandle| async move {
                session.insert("big", noise(40_000, 0)).unwrap();
                (StatusCode::CREATED, [("x-handler", "kept")], "handler body")
            }),
        )
        .layer(layer)
}

// -------------------------------------------------------------- harness

/// A stepped clock shared by the layer and the test.
#[derive(Clone)]
struct Clock(Arc<AtomicI64>);

impl Clock {
    fn new() -> Self {
        Self(Arc::new(AtomicI64::new(T0)))
    }
    fn set(&self, secs: i64) {
        self.0.store(secs, Ordering::SeqCst);
    }
    fn now(&self) -> UnixTime {
        UnixTime::from_secs(self.0.load(Ordering::SeqCst))
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Format {
    NativeEncrypted,
    NativeSigned,
    Django,
}

const FORMATS: [Format; 3] = [
    Format::NativeEncrypted,
    Format::NativeSigned,
    Format::Django,
];

fn native_ring(active: &MasterKey, verify: Option<&MasterKey>) -> NativeKeyRing {
    let ring = NativeKeyRing::new(active.clone());
    match verify {
        Some(old) => ring.with_key(old.clone(), KeyState::Verify).unwrap(),
        None => ring,
    }
}

fn key(id: &str) -> MasterKey {
    let byte = id
        .bytes()
        .fold(7u8, |a, b| a.wrapping_mul(31).wrapping_add(b));
    let bytes: Vec<u8> = (0..32u8)
        .map(|i| i.wrapping_mul(13).wrapping_add(byte))
        .collect();
    MasterKey::new(id, bytes).unwrap()
}

/// The layer for `format` with the key `active` (and `old` still
/// verifying), reading time from `clock`.
fn layer_with(
    format: Format,
    config: SessionConfig,
    clock: &Clock,
    active: &str,
    old: Option<&str>,
) -> SessionLayer {
    let engine = match format {
        Format::NativeEncrypted | Format::NativeSigned => {
            let mode = if format == Format::NativeSigned {
                NativeConfig::SIGNED
            } else {
                NativeConfig::ENCRYPTED
            };
            let old = old.map(key);
            SessionEngine::native(&native_ring(&key(active), old.as_ref()), mode, config).unwrap()
        }
        Format::Django => {
            let mut ring = SecretKeys::new(format!("django-secret-{active}")).unwrap();
            if let Some(old) = old {
                ring = ring.with_fallback(format!("django-secret-{old}"));
            }
            SessionEngine::django(&ring, DjangoConfig::SESSIONS, config).unwrap()
        }
    };
    let clock = clock.clone();
    SessionLayer::new(engine.with_clock(move || clock.now()))
}

/// Room for four full chunks: more than the defaults allow, for the tests
/// of chunking itself.
fn four_chunks() -> SessionConfig {
    SessionConfig::DJANGO
        .with_max_chunks(4)
        .with_max_request_bytes(16 * 1024)
}

fn layer(format: Format, config: SessionConfig, clock: &Clock) -> SessionLayer {
    layer_with(format, config, clock, "k1", None)
}

/// The key id and first-issue time of a native token (`docs/FORMAT.md`
/// section 2: version, flags, id length, id, issued-at, origin).
fn native_header(token: &str) -> (String, i64) {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .unwrap();
    let id_len = usize::from(bytes[2]);
    let id = String::from_utf8(bytes[3..3 + id_len].to_vec()).unwrap();
    let origin = &bytes[3 + id_len + 8..3 + id_len + 16];
    (id, i64::from_be_bytes(origin.try_into().unwrap()))
}

/// What a browser keeps: name to value, for one host and path.
#[derive(Default, Clone, Debug)]
struct Jar(BTreeMap<String, String>);

impl Jar {
    fn header(&self) -> String {
        self.0
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn absorb(&mut self, response: &Response<Body>) {
        for cookie in set_cookies(response) {
            if cookie.max_age() == Some(cookie::time::Duration::ZERO) {
                self.0.remove(cookie.name());
            } else {
                self.0
                    .insert(cookie.name().to_owned(), cookie.value().to_owned());
            }
        }
    }

    fn names(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

fn set_cookies(response: &Response<Body>) -> Vec<Cookie<'static>> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|value| Cookie::parse(value.to_str().unwrap().to_owned()).unwrap())
        .collect()
}

fn vary(response: &Response<Body>) -> bool {
    response
        .headers()
        .get_all(VARY)
        .iter()
        .any(|v| v == "Cookie")
}

async fn send(layer: &SessionLayer, uri: &str, jar: &mut Jar) -> (Response<Body>, String) {
    let mut request = Request::get(uri);
    if !jar.0.is_empty() {
        request = request.header(COOKIE, jar.header());
    }
    let response = app(layer.clone())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    jar.absorb(&response);
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (
        Response::from_parts(parts, Body::empty()),
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn an_untouched_session_costs_nothing_and_says_nothing() {
    for format in FORMATS {
        let clock = Clock::new();
        let layer = layer(format, SessionConfig::DJANGO, &clock);
        let mut jar = Jar::default();
        send(&layer, "/set?k=a&v=1", &mut jar).await;
        let (response, _) = send(&layer, "/nothing", &mut jar).await;
        assert!(set_cookies(&response).is_empty(), "{format:?}");
        assert!(!vary(&response), "{format:?}");
    }
}

/// A codec that counts its decodes, to see that the layer decodes lazily
/// and once.
struct Counting {
    inner: NativeCodec,
    decodes: Arc<AtomicUsize>,
}

impl Codec for Counting {
    fn decode_at(&self, value: &str, now: UnixTime) -> Result<Decoded<Session>, DecodeError> {
        self.decodes.fetch_add(1, Ordering::SeqCst);
        Codec::decode_at(&self.inner, value, now)
    }
    fn encode_at(
        &self,
        session: &Session,
        lineage: Option<Lineage>,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        Codec::encode_at(&self.inner, session, lineage, now)
    }
}

#[tokio::test]
async fn decoding_is_lazy_and_happens_once() {
    let decodes = Arc::new(AtomicUsize::new(0));
    let ring = native_ring(&key("k1"), None);
    let codec = Counting {
        inner: NativeCodec::new(&ring, NativeConfig::ENCRYPTED).unwrap(),
        decodes: Arc::clone(&decodes),
    };
    let layer = SessionLayer::new(SessionEngine::new(codec, SessionConfig::DJANGO).unwrap());
    let mut jar = Jar::default();
    send(&layer, "/set?k=a&v=1", &mut jar).await;
    assert_eq!(
        decodes.load(Ordering::SeqCst),
        0,
        "no cookie, nothing to decode"
    );
    send(&layer, "/nothing", &mut jar).await;
    assert_eq!(decodes.load(Ordering::SeqCst), 0, "untouched");
    let (_, body) = send(&layer, "/read", &mut jar).await;
    assert_eq!(body, r#"{"a":"1"}"#);
    assert_eq!(decodes.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn reading_adds_vary_and_writing_sets_the_cookie_with_djangos_attributes() {
    for format in FORMATS {
        let clock = Clock::new();
        let layer = layer(format, SessionConfig::DJANGO, &clock);
        let mut jar = Jar::default();
        let (response, body) = send(&layer, "/read", &mut jar).await;
        assert_eq!(body, "{}");
        assert!(
            vary(&response) && set_cookies(&response).is_empty(),
            "{format:?}"
        );

        let (response, _) = send(&layer, "/set?k=user_id&v=42", &mut jar).await;
        assert!(vary(&response));
        let cookies = set_cookies(&response);
        assert_eq!(cookies.len(), 1, "{format:?}");
        let cookie = &cookies[0];
        assert_eq!(cookie.name(), "sessionid");
        assert_eq!(cookie.http_only(), Some(true));
        assert_eq!(cookie.same_site(), Some(cookie::SameSite::Lax));
        assert_eq!(cookie.path(), Some("/"));
        assert_eq!(cookie.secure(), None);
        assert_eq!(cookie.domain(), None);
        assert_eq!(cookie.max_age(), Some(cookie::time::Duration::seconds(AGE)));
        assert_eq!(
            cookie.expires_datetime().map(|at| at.unix_timestamp()),
            Some(T0 + AGE)
        );

        // Read back, and a read alone does not re-issue.
        clock.set(T0 + 10);
        let (response, body) = send(&layer, "/read", &mut jar).await;
        assert_eq!(body, r#"{"user_id":"42"}"#);
        assert!(set_cookies(&response).is_empty(), "{format:?}");
    }
}

#[tokio::test]
async fn any_invalid_cookie_is_an_empty_session_and_is_deleted_when_touched() {
    for format in FORMATS {
        let clock = Clock::new();
        let layer = layer(format, SessionConfig::DJANGO, &clock);
        let mut good = Jar::default();
        send(&layer, "/set?k=user_id&v=42", &mut good).await;
        let value = good.0["sessionid"].clone();
        let mid = value.len() / 2;
        let flipped = if &value[mid..=mid] == "A" { "B" } else { "A" };
        let tampered = format!("{}{flipped}{}", &value[..mid], &value[mid + 1..]);
        for bad in [
            tampered,
            "garbage".to_owned(),
            String::new(),
            "~AAAAAAAA.0.2.x".to_owned(),
        ] {
            let mut jar = Jar(BTreeMap::from([("sessionid".to_owned(), bad.clone())]));
            let (response, _) = send(&layer, "/nothing", &mut jar).await;
            assert!(set_cookies(&response).is_empty(), "{format:?} {bad:?}");
            let (response, body) = send(&layer, "/read", &mut jar).await;
            assert_eq!(body, "{}", "{format:?} {bad:?}");
            assert!(vary(&response));
            assert!(jar.0.is_empty(), "{format:?} {bad:?}: deleted");
        }
        // The other format's cookie is just as invalid.
        let other = if format == Format::Django {
            Format::NativeSigned
        } else {
            Format::Django
        };
        let mut jar = Jar::default();
        send(
            &self::layer(other, SessionConfig::DJANGO, &clock),
            "/set?k=a&v=1",
            &mut jar,
        )
        .await;
        let (_, body) = send(&layer, "/read", &mut jar).await;
        assert_eq!(body, "{}", "{format:?}");
    }
}

#[tokio::test]
async fn an_expired_cookie_is_an_empty_session() {
    for format in FORMATS {
        let clock = Clock::new();
        let layer = layer(format, SessionConfig::DJANGO.with_age(3600), &clock);
        let mut jar = Jar::default();
        let (response, _) = send(&layer, "/set?k=user_id&v=42", &mut jar).await;
        assert_eq!(
            set_cookies(&response)[0].max_age(),
            Some(cookie::time::Duration::hours(1))
        );
        // (Read with a copy: the native format would re-issue it here.)
        clock.set(T0 + 3600);
        assert_eq!(
            send(&layer, "/read", &mut jar.clone()).await.1,
            r#"{"user_id":"42"}"#
        );
        clock.set(T0 + 3601);
        assert_eq!(send(&layer, "/read", &mut jar).await.1, "{}", "{format:?}");
        assert!(jar.0.is_empty());
    }
}

#[tokio::test]
async fn flush_deletes_the_cookie() {
    for format in FORMATS {
        let clock = Clock::new();
        let layer = layer(format, SessionConfig::DJANGO, &clock);
        let mut jar = Jar::default();
        send(&layer, "/set?k=user_id&v=42", &mut jar).await;
        let (response, _) = send(&layer, "/flush", &mut jar).await;
        let cookies = set_cookies(&response);
        assert_eq!(cookies.len(), 1);
        assert_eq!(cookies[0].value(), "");
        assert_eq!(cookies[0].max_age(), Some(cookie::time::Duration::ZERO));
        assert_eq!(
            cookies[0].expires_datetime().map(|at| at.unix_timestamp()),
            Some(0)
        );
        assert_eq!(cookies[0].path(), Some("/"));
        assert!(vary(&response) && jar.0.is_empty());
        // Flushing when there is no cookie sends nothing.
        let (response, _) = send(&layer, "/flush", &mut jar).await;
        assert!(set_cookies(&response).is_empty());
    }
}

#[tokio::test]
async fn save_every_request_re_issues_untouched_sessions() {
    for format in FORMATS {
        let clock = Clock::new();
        let layer = layer(
            format,
            SessionConfig::DJANGO.with_save_every_request(true),
            &clock,
        );
        let mut jar = Jar::default();
        let (response, _) = send(&layer, "/nothing", &mut jar).await;
        assert!(
            set_cookies(&response).is_empty(),
            "no session, nothing to save"
        );
        send(&layer, "/set?k=a&v=1", &mut jar).await;
        clock.set(T0 + 100);
        let (response, _) = send(&layer, "/nothing", &mut jar).await;
        let cookies = set_cookies(&response);
        assert_eq!(cookies.len(), 1, "{format:?}");
        assert_eq!(
            cookies[0].expires_datetime().map(|at| at.unix_timestamp()),
            Some(T0 + 100 + AGE)
        );
        // The age now counts from the re-issue.
        clock.set(T0 + 100 + AGE);
        assert_eq!(
            send(&layer, "/read", &mut jar).await.1,
            r#"{"a":"1"}"#,
            "{format:?}"
        );
    }
}

#[tokio::test]
async fn expiry_settings_drive_max_age() {
    let clock = Clock::new();
    for format in FORMATS {
        let at_close = layer(
            format,
            SessionConfig::DJANGO.with_expire_at_browser_close(true),
            &clock,
        );
        let mut jar = Jar::default();
        let (response, _) = send(&at_close, "/set?k=a&v=1", &mut jar).await;
        let cookie = &set_cookies(&response)[0];
        assert_eq!(
            (cookie.max_age(), cookie.expires()),
            (None, None),
            "{format:?}"
        );
        // The session's own expiry wins over the setting, both ways.
        let (response, _) = send(&at_close, "/expiry?s=300", &mut jar).await;
        assert_eq!(
            set_cookies(&response)[0].max_age(),
            Some(cookie::time::Duration::seconds(300))
        );

        let default = layer(format, SessionConfig::DJANGO, &clock);
        let mut jar = Jar::default();
        let (response, _) = send(&default, "/expiry?s=0", &mut jar).await;
        let cookie = &set_cookies(&response)[0];
        assert_eq!(
            (cookie.max_age(), cookie.expires()),
            (None, None),
            "{format:?}"
        );
    }
}

#[tokio::test]
async fn server_errors_do_not_save() {
    let clock = Clock::new();
    for format in FORMATS {
        let layer = layer(format, SessionConfig::DJANGO, &clock);
        let mut jar = Jar::default();
        let (response, _) = send(&layer, "/fail", &mut jar).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(set_cookies(&response).is_empty() && vary(&response));
    }
}

#[tokio::test]
async fn cookie_prefixes_force_their_attributes() {
    let clock = Clock::new();
    let config = SessionConfig::DJANGO
        .with_name("__Host-session")
        .with_domain("example.com")
        .with_path("/app");
    for format in FORMATS {
        let layer = layer(format, config.clone(), &clock);
        let mut jar = Jar::default();
        let (response, _) = send(&layer, "/set?k=a&v=1", &mut jar).await;
        let cookie = &set_cookies(&response)[0];
        assert_eq!(cookie.name(), "__Host-session");
        assert_eq!(
            (cookie.secure(), cookie.domain(), cookie.path()),
            (Some(true), None, Some("/"))
        );
        assert_eq!(send(&layer, "/read", &mut jar).await.1, r#"{"a":"1"}"#);
    }
    let secure = SessionConfig::DJANGO
        .with_name("__Secure-s")
        .with_domain("example.com");
    let layer = layer(Format::NativeEncrypted, secure, &clock);
    let (response, _) = send(&layer, "/set?k=a&v=1", &mut Jar::default()).await;
    let cookie = &set_cookies(&response)[0];
    assert_eq!(
        (cookie.secure(), cookie.domain()),
        (Some(true), Some("example.com"))
    );
}

#[tokio::test]
async fn a_rotated_key_still_verifies_and_the_cookie_is_re_issued() {
    for format in FORMATS {
        let clock = Clock::new();
        let before = layer_with(format, SessionConfig::DJANGO, &clock, "k1", None);
        let mut jar = Jar::default();
        send(&before, "/set?k=user_id&v=42", &mut jar).await;
        let old = jar.0["sessionid"].clone();

        clock.set(T0 + 60);
        let after = layer_with(format, SessionConfig::DJANGO, &clock, "k2", Some("k1"));
        let (response, body) = send(&after, "/read", &mut jar).await;
        assert_eq!(body, r#"{"user_id":"42"}"#, "{format:?}");
        assert_eq!(set_cookies(&response).len(), 1, "{format:?}: re-issued");
        assert_ne!(jar.0["sessionid"], old);
        if format != Format::Django {
            let (key_id, origin) = native_header(&jar.0["sessionid"]);
            assert_eq!(key_id, "k2");
            assert_eq!(origin, T0, "first-issue time kept");
        }
        // Now under the new key: no more re-issue, and the old key can go.
        let (response, _) = send(&after, "/read", &mut jar).await;
        assert!(set_cookies(&response).is_empty(), "{format:?}");
        let only_new = layer_with(format, SessionConfig::DJANGO, &clock, "k2", None);
        assert_eq!(
            send(&only_new, "/read", &mut jar).await.1,
            r#"{"user_id":"42"}"#
        );
    }
}

#[tokio::test]
async fn native_sessions_past_half_their_idle_life_are_re_issued() {
    let clock = Clock::new();
    let layer = layer(
        Format::NativeEncrypted,
        SessionConfig::DJANGO.with_age(1000),
        &clock,
    );
    let mut jar = Jar::default();
    send(&layer, "/set?k=a&v=1", &mut jar).await;
    clock.set(T0 + 500);
    assert!(set_cookies(&send(&layer, "/read", &mut jar).await.0).is_empty());
    clock.set(T0 + 501);
    assert_eq!(
        set_cookies(&send(&layer, "/read", &mut jar).await.0).len(),
        1
    );
    // Each re-issue renews the idle clock.
    clock.set(T0 + 1400);
    assert_eq!(send(&layer, "/read", &mut jar).await.1, r#"{"a":"1"}"#);
}

#[tokio::test]
async fn large_sessions_are_chunked_read_back_and_shrunk() {
    for format in FORMATS {
        let clock = Clock::new();
        let layer = layer(format, four_chunks(), &clock);
        let mut jar = Jar::default();
        let (response, body) = send(&layer, "/big?n=10000", &mut jar).await;
        assert_eq!(response.status(), StatusCode::OK);
        // Django compresses even this noise a little.
        let count = if format == Format::Django { 3 } else { 4 };
        assert_eq!(body, format!("Ok({count})"), "{format:?}");
        let cookies = set_cookies(&response);
        let names: Vec<&str> = cookies.iter().map(Cookie::name).collect();
        let all = ["sessionid", "sessionid.1", "sessionid.2", "sessionid.3"];
        assert_eq!(names, all[..count], "{format:?}");
        for cookie in &cookies {
            assert!(cookie.to_string().len() <= 4096, "{}", cookie.name());
            assert_eq!(cookie.http_only(), Some(true));
            assert_eq!(cookie.max_age(), Some(cookie::time::Duration::seconds(AGE)));
        }
        let (_, body) = send(&layer, "/read", &mut jar).await;
        assert_eq!(
            body,
            format!(r#"{{"big":"{}"}}"#, noise(10000, 0)),
            "{format:?}"
        );

        // Shrinking deletes the chunks no longer needed.
        let (response, _) = send(&layer, "/big?n=5000", &mut jar).await;
        let deleted: Vec<String> = set_cookies(&response)
            .iter()
            .filter(|c| c.max_age() == Some(cookie::time::Duration::ZERO))
            .map(|c| c.name().to_owned())
            .collect();
        assert_eq!(deleted, all[2..count], "{format:?}");
        assert_eq!(jar.names(), ["sessionid", "sessionid.1"]);
        send(&layer, "/big?n=10", &mut jar).await;
        assert_eq!(jar.names(), ["sessionid"]);
        assert!(
            !jar.0["sessionid"].starts_with('~'),
            "one cookie is written unframed"
        );
        assert_eq!(
            send(&layer, "/read", &mut jar).await.1,
            format!(r#"{{"big":"{}"}}"#, noise(10, 0))
        );

        // Flushing a chunked session deletes every chunk.
        send(&layer, "/big?n=10000", &mut jar).await;
        assert_eq!(jar.0.len(), count);
        send(&layer, "/flush", &mut jar).await;
        assert!(jar.0.is_empty(), "{format:?}");
    }
}

#[tokio::test]
async fn chunks_of_different_writes_never_mix() {
    for format in FORMATS {
        let clock = Clock::new();
        let layer = layer(format, four_chunks(), &clock);
        let mut first = Jar::default();
        send(&layer, "/big?n=10000", &mut first).await;
        let mut second = first.clone();
        send(&layer, "/big?n=10000&s=1", &mut second).await;
        assert_eq!(second.0.len(), first.0.len());

        // One chunk from the other write: refused, and every chunk deleted.
        let mut mixed = first.clone();
        mixed
            .0
            .insert("sessionid.2".into(), second.0["sessionid.2"].clone());
        let (_, body) = send(&layer, "/read", &mut mixed).await;
        assert_eq!(body, "{}", "{format:?}");
        assert!(mixed.0.is_empty(), "{format:?}");

        // Even with the generation ids rewritten to agree, the MAC over the
        // reassembled value refuses the splice.
        let generation = &first.0["sessionid"][1..9];
        let mut forged = first.clone();
        let piece = second.0["sessionid.2"].clone();
        forged.0.insert(
            "sessionid.2".into(),
            format!("~{generation}{}", &piece[9..]),
        );
        let (_, body) = send(&layer, "/read", &mut forged).await;
        assert_eq!(body, "{}", "{format:?}");

        // A missing chunk, or chunks without their first cookie.
        let mut missing = first.clone();
        missing.0.remove("sessionid.1");
        assert_eq!(send(&layer, "/read", &mut missing).await.1, "{}");
        assert!(missing.0.is_empty());
        let mut headless = first.clone();
        headless.0.remove("sessionid");
        assert_eq!(send(&layer, "/read", &mut headless).await.1, "{}");
        assert!(headless.0.is_empty(), "leftover chunks deleted");
    }
}

#[tokio::test]
async fn with_error_response_a_session_beyond_the_limit_fails_the_response_clearly() {
    let clock = Clock::new();
    for format in FORMATS {
        let layer = layer(format, SessionConfig::DJANGO.with_max_chunks(2), &clock);
        let layer = SessionLayer::new(layer.engine().clone().with_error_response(true));
        let mut jar = Jar::default();
        send(&layer, "/set?k=user_id&v=42", &mut jar).await;
        let before = jar.clone();
        let mut request = Request::get("/big?n=20000").header(COOKIE, jar.header());
        request = request.header("x-test", "1");
        let response = app(layer.clone())
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::INTERNAL_SERVER_ERROR,
            "{format:?}"
        );
        assert!(response.headers().get(SET_COOKIE).is_none());
        let err = response
            .extensions()
            .get::<SessionWriteError>()
            .expect("the error");
        match err.encode_error() {
            Some(EncodeError::TooLarge {
                len,
                limit,
                largest_keys,
            }) => {
                assert!(len > limit, "{format:?}");
                assert_eq!(
                    *limit,
                    "sessionid=".len() + SessionConfig::DJANGO.with_max_chunks(2).max_value_len()
                );
                assert_eq!(largest_keys, &["big".to_owned(), "user_id".to_owned()]);
            }
            other => panic!("{format:?}: {other:?}"),
        }
        assert!(
            err.to_string().contains("largest session keys: big"),
            "{err}"
        );
        // The handler could have known: cookies_needed says so.
        let (_, body) = send(&layer, "/measure?n=5000", &mut jar).await;
        assert_eq!(body, "Ok(2)", "{format:?}");
        let (_, body) = send(&layer, "/measure?n=20000", &mut before.clone()).await;
        assert!(body.starts_with("Err(TooLarge"), "{format:?}: {body}");
    }
}

#[tokio::test]
async fn hostile_cookie_headers_are_an_empty_session_and_bounded_work() {
    let clock = Clock::new();
    let layer = layer(Format::NativeEncrypted, SessionConfig::DJANGO, &clock);
    let mut header = String::from("sessionid=~AAAAAAAA.0.999.x");
    for name in [
        "sessionid.0",
        "sessionid.01",
        "sessionid.+1",
        "sessionid.-1",
        "sessionid.1000",
    ] {
        header.push_str(&format!("; {name}=~AAAAAAAA.1.2.y"));
    }
    for index in 1..5000 {
        header.push_str(&format!("; sessionid.{index}={}", "z".repeat(index % 7)));
    }
    header.push_str(&format!(
        "; sessionid.2=~AAAAAAAA.2.3.{}",
        "q".repeat(10_000)
    ));
    let request = Request::get("/read")
        .header(COOKIE, header)
        .header(COOKIE, b"sessionid.3=\xff\xfe".as_slice())
        .body(Body::empty())
        .unwrap();
    let response = app(layer.clone()).oneshot(request).await.unwrap();
    let deleted: Vec<String> = response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .map(|v| {
            Cookie::parse(v.to_str().unwrap().to_owned())
                .unwrap()
                .name()
                .to_owned()
        })
        .collect();
    // `sessionid.2` and `sessionid.3` came twice: with copies of a name in
    // the request, a read that verified nothing deletes nothing (the
    // deletion could hit the user's real cookie beside the junk).
    assert_eq!(deleted, Vec::<String>::new());
    let body = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert_eq!(&body[..], b"{}");
}

#[tokio::test]
async fn a_route_outside_the_layer_gets_a_500_not_a_panic() {
    let app = Router::new().route(
        "/",
        get(|session: SessionHandle| async move { session.is_empty().to_string() }),
    );
    let response = app
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
}

// ------------------------------------------------ hostile Cookie headers

/// Sends `headers` as the request's `Cookie` headers, byte for byte.
async fn send_raw(layer: &SessionLayer, uri: &str, headers: &[&[u8]]) -> (Response<Body>, String) {
    let mut request = Request::get(uri);
    for header in headers {
        request = request.header(COOKIE, *header);
    }
    let response = app(layer.clone())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX).await.unwrap();
    (
        Response::from_parts(parts, Body::empty()),
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

const LOGGED_IN: &str = r#"{"user_id":"42"}"#;

/// A layer of `format` and the `name=value` pairs of a logged-in user
/// (several when `config` chunks a big session; then `user_id` and `big`).
async fn logged_in(format: Format, config: SessionConfig, big: usize) -> (SessionLayer, Jar) {
    let clock = Clock::new();
    let layer = layer(format, config, &clock);
    let mut jar = Jar::default();
    send(&layer, "/set?k=user_id&v=42", &mut jar).await;
    if big > 0 {
        send(&layer, &format!("/big?n={big}"), &mut jar).await;
    }
    (layer, jar)
}

/// The request leaves the user logged in and sends no `Set-Cookie`.
async fn still_logged_in(layer: &SessionLayer, headers: &[&[u8]], what: &str) {
    let (response, body) = send_raw(layer, "/read", headers).await;
    assert!(
        body.starts_with(r#"{"user_id":"42""#),
        "{what}: logged out ({body:.60})"
    );
    assert!(set_cookies(&response).is_empty(), "{what}: Set-Cookie sent");
}

#[tokio::test]
async fn non_ascii_and_control_bytes_in_other_cookies_never_hide_ours() {
    for format in FORMATS {
        let (layer, jar) = logged_in(format, SessionConfig::DJANGO, 0).await;
        let ours = format!("sessionid={}", jar.0["sessionid"]);
        // Chromium sends cookie values set as UTF-8 as raw UTF-8.
        let utf8 = format!("lang=fran\u{e7}ais; {ours}; name=J\u{fc}rgen \u{1f600}");
        still_logged_in(&layer, &[utf8.as_bytes()], "UTF-8 beside ours").await;
        // Latin-1 bytes, a lone 0xFF, tabs, pairs without `=`, empty pairs.
        let mut bytes = b"a=\xff\xfe\x80; b=\tx\ty\t; junk; ; ;=;".to_vec();
        bytes.extend_from_slice(format!(" \t{ours}\t ;c=\"").as_bytes());
        bytes.extend_from_slice(b"\xe9\"");
        still_logged_in(&layer, &[&bytes], "obs-text and tabs").await;
        // In a header of its own, after a header that is all junk.
        still_logged_in(
            &layer,
            &[b"\xc3\xa9\xc3\xa9\xc3\xa9", ours.as_bytes()],
            "second header",
        )
        .await;
        // Quoted, as Django's parse_cookie unquotes it.
        let quoted = format!("sessionid=\"{}\"", jar.0["sessionid"]);
        still_logged_in(&layer, &[quoted.as_bytes()], "quoted").await;
    }
}

#[tokio::test]
async fn copies_of_the_cookie_are_tried_in_order_and_never_deleted_for_failing() {
    for format in FORMATS {
        let (layer, jar) = logged_in(format, SessionConfig::DJANGO, 0).await;
        let ours = format!("sessionid={}", jar.0["sessionid"]);
        // A junk copy first (a planted cookie of a longer path).
        let junk_first = format!("sessionid=junk; {ours}");
        still_logged_in(&layer, &[junk_first.as_bytes()], "junk first").await;
        // A tampered copy of our own value, then a non-ASCII one, first.
        let mut tampered = jar.0["sessionid"].clone();
        tampered.push('A');
        let mixed = format!("sessionid={tampered}; sessionid=\u{e9}t\u{e9}; {ours}");
        still_logged_in(&layer, &[mixed.as_bytes()], "tampered first").await;
        // A valid session of another site (signed by another key) first.
        let clock = Clock::new();
        let other = layer_with(format, SessionConfig::DJANGO, &clock, "other-site", None);
        let mut foreign = Jar::default();
        send(&other, "/set?k=user_id&v=666", &mut foreign).await;
        let foreign_first = format!("sessionid={}; {ours}", foreign.0["sessionid"]);
        still_logged_in(&layer, &[foreign_first.as_bytes()], "foreign first").await;
        // The valid one as the second copy, in a second header.
        let junk = b"sessionid=~AAAAAAAA.0.1.x";
        still_logged_in(&layer, &[junk, ours.as_bytes()], "second copy").await;

        // Nothing verifies among copies: empty, and nothing deleted (the
        // deletion could hit the user's real cookie).
        let (response, body) = send_raw(&layer, "/read", &[b"sessionid=a; sessionid=b"]).await;
        assert_eq!(body, "{}");
        assert!(set_cookies(&response).is_empty(), "{format:?}");
        assert!(vary(&response));
        // One copy only, and it fails: deleted, as before.
        let (response, _) = send_raw(&layer, "/read", &[b"sessionid=a"]).await;
        assert_eq!(set_cookies(&response).len(), 1, "{format:?}");

        // Logging out with a junk copy beside ours deletes ours.
        let (response, _) = send_raw(&layer, "/flush", &[junk_first.as_bytes()]).await;
        let deleted = set_cookies(&response);
        assert_eq!(deleted.len(), 1, "{format:?}");
        assert_eq!(deleted[0].max_age(), Some(cookie::time::Duration::ZERO));
    }
}

#[tokio::test]
async fn at_most_four_copies_are_tried() {
    let (layer, jar) = logged_in(Format::NativeSigned, SessionConfig::DJANGO, 0).await;
    let ours = format!("sessionid={}", jar.0["sessionid"]);
    let three = format!("sessionid=a; sessionid=b; sessionid=c; {ours}");
    still_logged_in(&layer, &[three.as_bytes()], "fourth copy").await;
    let four = format!("sessionid=a; sessionid=b; sessionid=c; sessionid=d; {ours}");
    let (response, body) = send_raw(&layer, "/read", &[four.as_bytes()]).await;
    assert_eq!(body, "{}", "the fifth copy is not tried");
    assert!(set_cookies(&response).is_empty(), "and nothing is deleted");
}

#[tokio::test]
async fn a_thousand_cookies_and_a_64_kb_header_still_find_ours() {
    for format in FORMATS {
        let (layer, jar) = logged_in(format, SessionConfig::DJANGO, 0).await;
        let ours = format!("sessionid={}", jar.0["sessionid"]);
        let mut header = String::new();
        for i in 0..1000 {
            header.push_str(&format!("c{i}=v{i}; "));
            if i == 500 {
                header.push_str(&ours);
                header.push_str("; ");
            }
        }
        header.push_str("last=1");
        still_logged_in(&layer, &[header.as_bytes()], "1,000 cookies").await;

        let big = format!("{}; big={}; {ours}", "x".repeat(10), "y".repeat(64 * 1024));
        assert!(big.len() > 64 * 1024);
        still_logged_in(&layer, &[big.as_bytes()], "64 KB header").await;
        // 64 KB of junk copies and junk chunks after ours cost nothing more.
        let mut copies = ours.clone();
        while copies.len() < 64 * 1024 {
            copies.push_str("; sessionid=junk; sessionid.1=~AAAAAAAA.1.2.junk");
        }
        still_logged_in(&layer, &[copies.as_bytes()], "64 KB of copies").await;
    }
}

#[tokio::test]
async fn stray_reordered_and_foreign_chunks_keep_a_chunked_session() {
    for format in FORMATS {
        let (layer, jar) = logged_in(format, four_chunks(), 10_000).await;
        let names = jar.names();
        assert!(names.len() >= 3, "{format:?}: chunked ({names:?})");
        let pair = |name: &str| format!("{name}={}", jar.0[name]);
        let pairs: Vec<String> = names.iter().map(|name| pair(name)).collect();

        // The browser's order is not ours: reversed, and shuffled.
        let reversed: Vec<&str> = pairs.iter().rev().map(String::as_str).collect();
        still_logged_in(&layer, &[reversed.join("; ").as_bytes()], "reversed").await;
        let mut rotated: Vec<&str> = pairs.iter().map(String::as_str).collect();
        rotated.rotate_left(1);
        still_logged_in(&layer, &[rotated.join("; ").as_bytes()], "rotated").await;
        // Each chunk in a Cookie header of its own.
        let split: Vec<&[u8]> = pairs.iter().map(|p| p.as_bytes()).collect();
        still_logged_in(&layer, &split, "one header each").await;

        // Unmatched chunks: an index past the count, NAME.99, a chunk of
        // another write, junk chunk names.
        let mut extra = pairs.join("; ");
        extra.push_str("; sessionid.7=~AAAAAAAA.7.8.x; sessionid.99=junk; sessionid.01=x");
        extra.push_str("; sessionid.1x=y; sessionid.=z; sessionid.-1=w");
        still_logged_in(&layer, &[extra.as_bytes()], "unmatched chunks").await;

        // Mixed generations: a copy of chunk 1 from another write first.
        let mut other = jar.clone();
        send(&layer, "/big?n=10000&s=1", &mut other).await;
        let stale = format!("sessionid.1={}", other.0["sessionid.1"]);
        let mut mixed = vec![stale.as_str()];
        mixed.extend(pairs.iter().map(String::as_str));
        still_logged_in(&layer, &[mixed.join("; ").as_bytes()], "mixed generations").await;
        // And the other write's whole set first: both verify, the first
        // (the other write) wins, and nothing is deleted.
        let other_pairs: Vec<String> = other
            .names()
            .iter()
            .map(|name| format!("{name}={}", other.0[*name]))
            .collect();
        let both = format!("{}; {}", other_pairs.join("; "), pairs.join("; "));
        still_logged_in(&layer, &[both.as_bytes()], "two whole writes").await;
    }
}

#[tokio::test]
async fn hostile_chunk_names_only_delete_what_the_layer_could_have_written() {
    let clock = Clock::new();
    let layer = layer(Format::NativeEncrypted, SessionConfig::DJANGO, &clock);
    let mut header = String::from("sessionid=~AAAAAAAA.0.999.x");
    for name in [
        "sessionid.0",
        "sessionid.01",
        "sessionid.+1",
        "sessionid.1000",
    ] {
        header.push_str(&format!("; {name}=~AAAAAAAA.1.2.y"));
    }
    for index in 1..5000 {
        header.push_str(&format!("; sessionid.{index}={}", "z".repeat(index % 7)));
    }
    let (response, body) = send_raw(&layer, "/read", &[header.as_bytes()]).await;
    assert_eq!(body, "{}");
    let deleted: Vec<String> = set_cookies(&response)
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    // Each name came once: the first cookie and the chunk names the layer
    // could have written (1 to 19) are deleted, nothing for the others.
    let mut expected = vec!["sessionid".to_owned()];
    expected.extend((1..20).map(|index| format!("sessionid.{index}")));
    assert_eq!(deleted, expected);
}

// ------------------------------------------------------- header sizes

/// The configurations every size test runs: both `SameSite` values, with
/// `Domain` and `Path`, and a `__Host-` name (also partitioned).
fn size_configs() -> Vec<(&'static str, SessionConfig)> {
    let attributes = |config: SessionConfig| {
        config
            .with_domain("accounts.subdomain.example.com")
            .with_path("/some/application/path")
            .with_secure(true)
    };
    vec![
        ("default", SessionConfig::DJANGO),
        ("lax+domain+path", attributes(SessionConfig::DJANGO)),
        (
            "none+domain+path",
            attributes(SessionConfig::DJANGO.with_same_site(SameSite::None)),
        ),
        (
            "__Host- lax",
            SessionConfig::DJANGO.with_name("__Host-session"),
        ),
        (
            "__Host- none partitioned",
            SessionConfig::DJANGO
                .with_name("__Host-session")
                .with_same_site(SameSite::None)
                .with_partitioned(true),
        ),
    ]
}

#[tokio::test]
async fn a_maximal_session_fits_every_header_limit() {
    assert_eq!(DEFAULT_MAX_CHUNKS, 2);
    assert_eq!(DEFAULT_MAX_REQUEST_BYTES, 7168);
    let mut widest_set_cookie = 0;
    let mut widest_cookie = 0;
    for (what, config) in size_configs() {
        for format in FORMATS {
            // With the default age, and with the widest Max-Age written.
            for expiry in ["", "&s=999999999"] {
                let clock = Clock::new();
                let layer = layer(format, config.clone(), &clock);
                let mut jar = Jar::default();
                send(&layer, "/set?k=user_id&v=42", &mut jar).await;
                let (response, _) = send(&layer, &format!("/fill?n=0{expiry}"), &mut jar).await;
                let headers: Vec<String> = response
                    .headers()
                    .get_all(SET_COOKIE)
                    .iter()
                    .map(|v| v.to_str().unwrap().to_owned())
                    .collect();
                assert_eq!(headers.len(), 2, "{what} {format:?}: two chunks");
                let mut pairs = Vec::new();
                let mut value_len = 0;
                for header in &headers {
                    assert!(header.len() <= 4096, "{what} {format:?}: {}", header.len());
                    widest_set_cookie = widest_set_cookie.max(header.len());
                    let pair = header.split("; ").next().unwrap();
                    value_len += Cookie::parse(header.clone()).unwrap().value().len();
                    pairs.push(pair.to_owned());
                }
                // The Cookie header the browser sends back.
                let cookie = pairs.join("; ");
                assert!(cookie.len() <= 7168, "{what} {format:?}: {}", cookie.len());
                widest_cookie = widest_cookie.max(cookie.len());
                // With 1000 bytes of other cookies, the whole header line
                // stays under 8 KiB (and Apache's 8190).
                let others = format!("; other={}", "o".repeat(1000 - "; other=".len()));
                let line = format!("Cookie: {cookie}{others}\r\n");
                assert!(line.len() < 8190, "{what} {format:?}: {}", line.len());
                // Maximal: within a few bytes of what the layer can write
                // (the codec's output grows in steps).
                assert!(
                    value_len + 4 * 4 + 32 >= config.max_value_len(),
                    "{what} {format:?}: {value_len} of {}",
                    config.max_value_len()
                );
                // And it reads back.
                let (_, body) = send(&layer, "/read", &mut jar).await;
                assert!(
                    body.starts_with(r#"{"user_id":"42","#) && body.contains(r#""big":""#),
                    "{what} {format:?} {expiry}: {body:.80}"
                );
            }
        }
    }
    eprintln!("widest Set-Cookie: {widest_set_cookie} bytes; widest Cookie: {widest_cookie} bytes");
}

#[tokio::test]
async fn same_site_none_and_partitioned_force_secure_also_on_deletions() {
    for format in FORMATS {
        let clock = Clock::new();
        let none = layer(
            format,
            SessionConfig::DJANGO.with_same_site(SameSite::None),
            &clock,
        );
        let mut jar = Jar::default();
        let (response, _) = send(&none, "/set?k=a&v=1", &mut jar).await;
        let header = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        assert!(header.contains("; SameSite=None; Secure"), "{header}");

        let partitioned = layer(
            format,
            SessionConfig::DJANGO
                .with_name("__Host-s")
                .with_partitioned(true),
            &clock,
        );
        let mut jar = Jar::default();
        let (response, _) = send(&partitioned, "/set?k=a&v=1", &mut jar).await;
        let header = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        assert!(header.contains("; Partitioned; Secure; Path=/"), "{header}");
        let (response, _) = send(&partitioned, "/flush", &mut jar).await;
        let header = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
        assert!(
            header.starts_with("__Host-s=; ") && header.contains("; Partitioned; Secure"),
            "{header}"
        );
    }
}

// ------------------------------------------------- sessions too large

#[tokio::test]
async fn try_insert_refuses_and_leaves_the_session_as_it_was() {
    for format in FORMATS {
        let (layer, mut jar) = logged_in(format, SessionConfig::DJANGO, 0).await;
        let before = jar.clone();
        let (response, body) = send(&layer, "/try?n=20000", &mut jar).await;
        assert!(
            body.starts_with("Err(TooLarge") && body.ends_with("modified=false"),
            "{format:?}: {body}"
        );
        assert!(set_cookies(&response).is_empty(), "{format:?}");
        assert_eq!(jar.0, before.0);
        assert_eq!(send(&layer, "/read", &mut jar).await.1, LOGGED_IN);
        // What fits goes in.
        let (response, body) = send(&layer, "/try?n=100", &mut jar).await;
        assert_eq!(body, "Ok(()) modified=true", "{format:?}");
        assert_eq!(set_cookies(&response).len(), 1);
    }
}

#[tokio::test]
async fn an_unwritable_session_keeps_the_handlers_response_and_calls_the_hook() {
    for format in FORMATS {
        let calls = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&calls);
        let (layer, mut jar) = logged_in(format, SessionConfig::DJANGO, 0).await;
        let layer = SessionLayer::new(layer.engine().clone().with_on_write_error(move |err| {
            assert!(
                matches!(err.encode_error(), Some(EncodeError::TooLarge { .. })),
                "{err}"
            );
            seen.fetch_add(1, Ordering::SeqCst);
        }));
        let before = jar.clone();
        let (response, body) = send(&layer, "/too-big", &mut jar).await;
        assert_eq!(response.status(), StatusCode::CREATED, "{format:?}");
        assert_eq!(response.headers()["x-handler"], "kept");
        assert_eq!(body, "handler body");
        assert!(set_cookies(&response).is_empty(), "no cookie written");
        assert!(vary(&response));
        assert!(response.extensions().get::<SessionWriteError>().is_some());
        assert_eq!(calls.load(Ordering::SeqCst), 1, "{format:?}");
        // The browser keeps the cookie it had: still logged in.
        assert_eq!(jar.0, before.0);
        assert_eq!(send(&layer, "/read", &mut jar).await.1, LOGGED_IN);

        // Opted in: the old behaviour, an empty 500; the hook is told too.
        let strict = SessionLayer::new(layer.engine().clone().with_error_response(true));
        let (response, body) = send(&strict, "/too-big", &mut jar).await;
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(response.headers().get("x-handler").is_none() && body.is_empty());
        assert!(response.extensions().get::<SessionWriteError>().is_some());
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }
}
