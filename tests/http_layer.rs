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
use session_cookie::http::{
    SessionCodec, SessionConfig, SessionHandle, SessionLayer, SessionWriteError,
};
use session_cookie::{
    DecodeError, Decoded, DjangoConfig, EncodeError, Expiry, KeyRing, KeyState, MasterKey,
    NativeCodec, NativeConfig, NativeKeyRing, Session, UnixTime,
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
                    let previous = session.remove("big");
                    session.insert("big", noise(p.n.unwrap(), 0)).unwrap();
                    let needed = format!("{:?}", session.cookies_needed());
                    session.remove("big");
                    if let Some(previous) = previous {
                        session.lock().insert_value("big", previous);
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
    let layer = match format {
        Format::NativeEncrypted | Format::NativeSigned => {
            let mode = if format == Format::NativeSigned {
                NativeConfig::SIGNED
            } else {
                NativeConfig::ENCRYPTED
            };
            let old = old.map(key);
            SessionLayer::native(&native_ring(&key(active), old.as_ref()), mode, config).unwrap()
        }
        Format::Django => {
            let mut ring = KeyRing::new(format!("django-secret-{active}")).unwrap();
            if let Some(old) = old {
                ring = ring.with_fallback(format!("django-secret-{old}"));
            }
            SessionLayer::django(&ring, DjangoConfig::SESSIONS, config).unwrap()
        }
    };
    let clock = clock.clone();
    layer.with_clock(move || clock.now())
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

impl SessionCodec for Counting {
    fn decode_at(&self, value: &str, now: UnixTime) -> Result<Decoded<Session>, DecodeError> {
        self.decodes.fetch_add(1, Ordering::SeqCst);
        SessionCodec::decode_at(&self.inner, value, now)
    }
    fn encode_at(
        &self,
        session: &Session,
        origin: Option<UnixTime>,
        now: UnixTime,
    ) -> Result<String, EncodeError> {
        SessionCodec::encode_at(&self.inner, session, origin, now)
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
    let layer = SessionLayer::new(codec, SessionConfig::DJANGO).unwrap();
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
        let layer = layer(format, SessionConfig::DJANGO.with_max_chunks(2), &clock)
            .with_error_response(true);
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
