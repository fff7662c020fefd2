//! The actix-web adapter in-process (`actix_web::test`): what reaches the
//! handler, and what the middleware adds to the response (`Set-Cookie`,
//! `Vary`, the write error, the 500 of `with_error_response`), with hostile
//! `Cookie` headers. The engine's own rules are `tests/http_layer.rs`'s;
//! `tests/http_login.rs` runs the login site on actix over TCP.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // test code: a failed unwrap is a failed test

use actix_web::body::MessageBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{COOKIE, HeaderValue, SET_COOKIE, VARY};
use actix_web::{App, HttpResponse, test, web};
use session_cookie::actix::{MissingSessionMiddleware, SessionMiddleware};
use session_cookie::engine::{SessionConfig, SessionEngine, SessionHandle, SessionWriteError};
use session_cookie::{MasterKey, NativeConfig, NativeKeyRing, Session};

fn engine() -> SessionEngine {
    let key = MasterKey::new(
        "k1",
        (0..32u8)
            .map(|i| i.wrapping_mul(29) ^ 7)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    SessionEngine::native(
        &NativeKeyRing::new(key),
        NativeConfig::ENCRYPTED,
        SessionConfig::DJANGO,
    )
    .unwrap()
}

async fn whoami(session: SessionHandle) -> String {
    match session.get::<u64>("user_id").ok().flatten() {
        Some(id) => format!("user {id}"),
        None => "anonymous".to_owned(),
    }
}

async fn login(session: SessionHandle) -> HttpResponse {
    session.insert("user_id", 42).unwrap();
    HttpResponse::SeeOther()
        .insert_header(("location", "/"))
        .finish()
}

async fn logout(session: SessionHandle) -> HttpResponse {
    session.flush();
    HttpResponse::Ok().body("bye")
}

#[derive(serde::Deserialize)]
struct Size {
    n: usize,
}

/// Text that does not compress: `n` bytes of it need `n / 4000` cookies
/// or so.
fn noise(n: usize) -> String {
    let mut x: u32 = 0x2545_f491;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            char::from(
                b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[x as usize % 62],
            )
        })
        .collect()
}

async fn big(session: SessionHandle, size: web::Query<Size>) -> HttpResponse {
    session.insert("blob", noise(size.n)).unwrap();
    HttpResponse::Ok().body("stored")
}

async fn crash(session: SessionHandle) -> HttpResponse {
    session.insert("user_id", 7).unwrap();
    HttpResponse::InternalServerError().body("oops")
}

#[derive(serde::Deserialize)]
struct VaryParam {
    v: String,
}

/// Touches the session and answers with its own `Vary`.
async fn vary(session: SessionHandle, vary: web::Query<VaryParam>) -> HttpResponse {
    let _ = session.get::<u64>("user_id");
    HttpResponse::Ok()
        .insert_header((VARY, vary.v.as_str()))
        .finish()
}

async fn untouched() -> &'static str {
    "hello"
}

macro_rules! app {
    ($engine:expr) => {
        test::init_service(
            App::new()
                .wrap(SessionMiddleware::new($engine))
                .route("/", web::get().to(whoami))
                .route("/login", web::get().to(login))
                .route("/logout", web::get().to(logout))
                .route("/big", web::get().to(big))
                .route("/crash", web::get().to(crash))
                .route("/vary", web::get().to(vary))
                .route("/untouched", web::get().to(untouched)),
        )
        .await
    };
}

/// A request to `uri` with each of `cookies` as a `Cookie` header of its
/// own, bytes as they are.
fn request(uri: &str, cookies: &[&[u8]]) -> test::TestRequest {
    cookies
        .iter()
        .fold(test::TestRequest::get().uri(uri), |request, cookie| {
            request.append_header((COOKIE, HeaderValue::from_bytes(cookie).unwrap()))
        })
}

/// Sends [`request`] to the app.
macro_rules! call {
    ($app:expr, $uri:expr, $cookies:expr) => {
        test::call_service(&$app, request($uri, $cookies).to_request()).await
    };
}

fn set_cookies<B>(response: &ServiceResponse<B>) -> Vec<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

fn varies<B>(response: &ServiceResponse<B>) -> Vec<String> {
    response
        .headers()
        .get_all(VARY)
        .map(|value| value.to_str().unwrap().to_owned())
        .collect()
}

async fn body<B: MessageBody>(response: ServiceResponse<B>) -> String {
    String::from_utf8(test::read_body(response).await.to_vec()).unwrap()
}

/// The `Cookie` header value for a session holding `user_id` 42.
fn logged_in(engine: &SessionEngine) -> String {
    let mut session = Session::new();
    session.insert("user_id", 42).unwrap();
    engine.cookie_header(&session).unwrap()
}

/// The `name=value` pairs of `Set-Cookie` values, as a browser would send
/// them back.
fn cookie_header(set_cookies: &[String]) -> String {
    set_cookies
        .iter()
        .map(|c| c.split(';').next().unwrap())
        .collect::<Vec<_>>()
        .join("; ")
}

#[actix_web::test]
async fn an_untouched_session_adds_nothing() {
    let engine = engine();
    let app = app!(engine.clone());
    let cookie = logged_in(&engine);
    for cookies in [
        &[][..],
        &[cookie.as_bytes()][..],
        &[b"sessionid=junk".as_slice()][..],
    ] {
        let response = call!(app, "/untouched", cookies);
        assert_eq!(response.status(), StatusCode::OK);
        assert!(set_cookies(&response).is_empty());
        assert!(varies(&response).is_empty());
        assert_eq!(body(response).await, "hello");
    }
}

#[actix_web::test]
async fn login_read_and_logout_round_trip() {
    let app = app!(engine());
    let response = call!(app, "/login", &[]);
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(varies(&response), ["Cookie"]);
    let written = set_cookies(&response);
    assert_eq!(written.len(), 1);
    for attribute in [
        "sessionid=",
        "; HttpOnly",
        "; SameSite=Lax",
        "; Path=/",
        "; Max-Age=1209600",
    ] {
        assert!(
            written[0].contains(attribute),
            "{attribute} in {}",
            written[0]
        );
    }
    let header = cookie_header(&written);

    let response = call!(app, "/", &[header.as_bytes()]);
    assert_eq!(varies(&response), ["Cookie"]);
    assert!(
        set_cookies(&response).is_empty(),
        "reading does not re-issue"
    );
    assert_eq!(body(response).await, "user 42");

    let response = call!(app, "/logout", &[header.as_bytes()]);
    let deleted = set_cookies(&response);
    assert_eq!(deleted.len(), 1);
    assert!(deleted[0].starts_with("sessionid=;") && deleted[0].contains("Max-Age=0"));
}

#[actix_web::test]
async fn a_raw_utf8_cookie_beside_ours_never_hides_it() {
    let engine = engine();
    let app = app!(engine.clone());
    let ours = logged_in(&engine);
    let cases: [Vec<Vec<u8>>; 4] = [
        // Chromium sends raw UTF-8 for cookies set with non-ASCII values.
        vec![[b"caf\xc3\xa9=cr\xc3\xa8me; ".as_slice(), ours.as_bytes()].concat()],
        vec![[ours.as_bytes(), b"; theme=\xf0\x9f\x8c\x99; tab=a\tb"].concat()],
        // In a `Cookie` header of its own.
        vec![
            b"caf\xc3\xa9=cr\xc3\xa8me".to_vec(),
            ours.clone().into_bytes(),
        ],
        vec![
            b"junk; =x; novalue".to_vec(),
            ours.clone().into_bytes(),
            b"\xff\xfe=\xff".to_vec(),
        ],
    ];
    for headers in &cases {
        let headers: Vec<&[u8]> = headers.iter().map(Vec::as_slice).collect();
        let response = call!(app, "/", &headers);
        assert!(set_cookies(&response).is_empty(), "{headers:?}");
        assert_eq!(body(response).await, "user 42", "{headers:?}");
    }
}

#[actix_web::test]
async fn two_copies_of_our_cookie_with_junk_first_stay_logged_in() {
    let engine = engine();
    let app = app!(engine.clone());
    let ours = logged_in(&engine);
    let value = ours.strip_prefix("sessionid=").unwrap();
    // A planted or stale copy (another path or domain) comes first: the
    // one that verifies wins, and the failed copy deletes nothing.
    let mut tampered = value.to_owned().into_bytes();
    tampered[10] = if tampered[10] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let cases = [
        format!("sessionid=junk; sessionid={value}"),
        format!("sessionid={tampered}; sessionid={value}"),
        format!("sessionid=\"é\"; other=1; sessionid={value}"),
    ];
    for header in &cases {
        let response = call!(app, "/", &[header.as_bytes()]);
        assert!(
            set_cookies(&response).is_empty(),
            "{header}: nothing deleted"
        );
        assert_eq!(body(response).await, "user 42", "{header}");
    }
    // The same, the copies in two headers.
    let response = call!(app, "/", &[b"sessionid=junk", ours.as_bytes()]);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(body(response).await, "user 42");
    // Junk alone is an empty session, and is deleted once touched.
    let response = call!(app, "/", &[b"sessionid=junk"]);
    assert!(set_cookies(&response)[0].contains("Max-Age=0"));
    assert_eq!(body(response).await, "anonymous");
}

#[actix_web::test]
async fn vary_follows_djangos_patch_vary_headers() {
    let app = app!(engine());
    for (own, want) in [
        ("Accept-Encoding", &["Accept-Encoding", "Cookie"][..]),
        ("Accept-Encoding, cookie", &["Accept-Encoding, cookie"][..]),
        ("COOKIE", &["COOKIE"][..]),
        ("*", &["*"][..]),
    ] {
        let uri = format!("/vary?v={}", own.replace(' ', "%20").replace(',', "%2C"));
        let response = call!(app, &uri, &[]);
        assert_eq!(varies(&response), want, "{own}");
    }
}

#[actix_web::test]
async fn a_large_session_is_chunked_and_read_back() {
    let app = app!(engine());
    let response = call!(app, "/big?n=5000", &[]);
    let written = set_cookies(&response);
    let names: Vec<&str> = written
        .iter()
        .map(|c| c.split('=').next().unwrap())
        .collect();
    assert_eq!(names, ["sessionid", "sessionid.1"]);
    assert!(written.iter().all(|c| c.len() <= 4096));
    let header = cookie_header(&written);
    let response = call!(app, "/", &[header.as_bytes()]);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(body(response).await, "anonymous", "a blob, no user");
}

#[actix_web::test]
async fn a_server_error_saves_nothing() {
    let app = app!(engine());
    let response = call!(app, "/crash", &[]);
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(varies(&response), ["Cookie"]);
    assert_eq!(body(response).await, "oops");
}

#[actix_web::test]
async fn an_unwritable_session_keeps_the_response_or_becomes_an_empty_500() {
    // Far beyond what two cookies hold.
    let app = app!(engine());
    let response = call!(app, "/big?n=20000", &[]);
    assert_eq!(response.status(), StatusCode::OK);
    assert!(set_cookies(&response).is_empty());
    let err = response
        .response()
        .extensions()
        .get::<SessionWriteError>()
        .cloned();
    assert!(err.is_some_and(|err| err.encode_error().is_some()));
    assert_eq!(body(response).await, "stored");

    let app = app!(engine().with_error_response(true));
    let response = call!(app, "/big?n=20000", &[]);
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert!(set_cookies(&response).is_empty());
    assert!(
        varies(&response).is_empty(),
        "the handler's response is gone"
    );
    assert!(
        response
            .response()
            .extensions()
            .get::<SessionWriteError>()
            .is_some()
    );
    assert_eq!(body(response).await, "");
}

#[actix_web::test]
async fn a_route_outside_the_middleware_gets_a_500_not_a_panic() {
    let app = test::init_service(App::new().route("/", web::get().to(whoami))).await;
    let response = call!(app, "/", &[]);
    assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(body(response).await, "no session middleware");
    assert_eq!(
        MissingSessionMiddleware.to_string(),
        "no session: the route is not wrapped in a SessionMiddleware"
    );
}

#[actix_web::test]
async fn a_scope_gets_sessions_and_the_rest_of_the_app_does_not() {
    let engine = engine();
    let app = test::init_service(
        App::new()
            .service(
                web::scope("/app")
                    .wrap(SessionMiddleware::new(engine.clone()))
                    .route("/", web::get().to(whoami)),
            )
            .route("/static", web::get().to(untouched)),
    )
    .await;
    let ours = logged_in(&engine);
    let response = call!(app, "/app/", &[ours.as_bytes()]);
    assert_eq!(body(response).await, "user 42");
    let response = call!(app, "/static", &[ours.as_bytes()]);
    assert!(varies(&response).is_empty());
}
