//! The Rocket adapter (`session_cookie::rocket`) in Rocket's own local
//! client, no network: a login kept by the client's cookie jar, logout,
//! sessions too large to write, hostile `Cookie` headers, and `Vary`.
//!
//! The engine's rules are tested once, for every codec, in
//! `tests/http_layer.rs`; these check that the fairing hands Rocket's raw
//! headers to the engine and the engine's headers back to Rocket, unchanged.

#![cfg(feature = "rocket")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)] // test code: a failed unwrap is a failed test

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use rocket::config::LogLevel;
use rocket::http::{Header, Status};
use rocket::local::blocking::{Client, LocalResponse};
use rocket::{Build, Config, Responder, Rocket, get, routes};
use session_cookie::engine::{SessionConfig, SessionEngine, SessionHandle};
use session_cookie::rocket::SessionFairing;
use session_cookie::{DjangoCodec, EncodeError, SecretKeys, Session, UnixTime};

// ------------------------------------------------------------------ app

#[get("/whoami")]
fn whoami(session: SessionHandle) -> String {
    match session.get::<u64>("user_id").unwrap() {
        Some(id) => format!("user {id}"),
        None => "stranger".to_owned(),
    }
}

#[get("/login")]
fn login(session: SessionHandle) -> &'static str {
    session.insert("user_id", 42).unwrap();
    "welcome"
}

#[get("/logout")]
fn logout(session: SessionHandle) -> &'static str {
    session.flush();
    "bye"
}

#[get("/plain")]
fn plain() -> &'static str {
    "no session here"
}

/// A response of the handler's own, to see whether it is kept.
#[derive(Responder)]
#[response(status = 201)]
struct Created {
    body: &'static str,
    marker: Header<'static>,
}

/// More than the two cookies `SessionConfig::DJANGO` allows.
#[get("/too-big")]
fn too_big(session: SessionHandle) -> Created {
    session.insert("big", noise(20_000)).unwrap();
    Created {
        body: "handler body",
        marker: Header::new("X-Handler", "kept"),
    }
}

/// Needs two cookies: chunked, within the limit.
#[get("/big")]
fn big(session: SessionHandle) -> String {
    session.insert("big", noise(5_000)).unwrap();
    format!("{:?}", session.cookies_needed())
}

#[get("/big-back")]
fn big_back(session: SessionHandle) -> String {
    let big: Option<String> = session.get("big").unwrap();
    format!("{}", big == Some(noise(5_000)))
}

#[get("/fails")]
fn fails(session: SessionHandle) -> Status {
    session.insert("user_id", 7).unwrap();
    Status::InternalServerError
}

#[derive(Responder)]
struct Varied {
    body: String,
    vary: Header<'static>,
}

#[get("/vary/<existing>")]
fn vary(session: SessionHandle, existing: &str) -> Varied {
    Varied {
        body: whoami(session),
        vary: Header::new("Vary", existing.to_owned()),
    }
}

/// Text that does not compress, so that Django's zlib cannot shrink it.
fn noise(n: usize) -> String {
    let alphabet = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let mut x: u32 = 0x2545_f491;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            char::from(alphabet[(x % 62) as usize])
        })
        .collect()
}

/// A Django-format engine on a clock stopped at the start of the test, so
/// that the same session always makes the same cookie.
fn engine() -> SessionEngine {
    let now = UnixTime::now();
    let codec = DjangoCodec::sessions(&SecretKeys::new("rocket-test-secret").unwrap());
    SessionEngine::new(codec, SessionConfig::DJANGO)
        .unwrap()
        .with_clock(move || now)
}

fn bare() -> Rocket<Build> {
    let quiet = Config {
        log_level: LogLevel::Off,
        ..Config::debug_default()
    };
    rocket::custom(quiet).mount(
        "/",
        routes![
            whoami, login, logout, plain, too_big, big, big_back, fails, vary
        ],
    )
}

fn app(engine: &SessionEngine) -> Rocket<Build> {
    bare().attach(SessionFairing::new(engine.clone()))
}

fn set_cookies(response: &LocalResponse<'_>) -> Vec<String> {
    response
        .headers()
        .get("Set-Cookie")
        .map(str::to_owned)
        .collect()
}

fn varies(response: &LocalResponse<'_>) -> Vec<String> {
    response.headers().get("Vary").map(str::to_owned).collect()
}

/// A tracked client (a browser) logged in as user 42, and its cookie value.
fn logged_in(engine: &SessionEngine) -> (Client, String) {
    let client = Client::tracked(app(engine)).unwrap();
    client.get("/login").dispatch();
    let value = client
        .cookies()
        .get("sessionid")
        .unwrap()
        .value()
        .to_owned();
    (client, value)
}

// ---------------------------------------------------------------- tests

#[test]
fn login_is_read_back_with_the_kept_cookie_and_logout_deletes_it() {
    let engine = engine();
    let client = Client::tracked(app(&engine)).unwrap();

    let response = client.get("/whoami").dispatch();
    assert_eq!(varies(&response), ["Cookie"]);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(response.into_string().unwrap(), "stranger");

    // The header is the engine's, byte for byte: not re-encoded by Rocket.
    let response = client.get("/login").dispatch();
    let mut session = Session::new();
    session.insert("user_id", 42).unwrap();
    let direct = engine.start(std::iter::empty());
    direct.handle().insert("user_id", 42).unwrap();
    let finished = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(direct.finish(200));
    assert_eq!(set_cookies(&response), finished.set_cookie());
    assert_eq!(
        format!(
            "sessionid={}",
            client.cookies().get("sessionid").unwrap().value()
        ),
        engine.cookie_header(&session).unwrap()
    );

    let response = client.get("/whoami").dispatch();
    assert!(set_cookies(&response).is_empty(), "unchanged: not re-sent");
    assert_eq!(response.into_string().unwrap(), "user 42");

    let response = client.get("/logout").dispatch();
    let deleted = set_cookies(&response);
    assert_eq!(deleted.len(), 1);
    assert!(deleted[0].starts_with("sessionid=;") && deleted[0].contains("Max-Age=0"));
    assert!(client.cookies().get("sessionid").is_none());
    assert_eq!(
        client.get("/whoami").dispatch().into_string().unwrap(),
        "stranger"
    );
}

#[test]
fn untouched_requests_and_catchers_get_no_cookie_and_no_vary() {
    let engine = engine();
    let (client, _) = logged_in(&engine);
    for uri in ["/plain", "/no-such-route"] {
        let response = client.get(uri).dispatch();
        assert!(set_cookies(&response).is_empty(), "{uri}");
        assert!(varies(&response).is_empty(), "{uri}");
    }
}

#[test]
fn a_chunked_session_travels_in_the_jar_and_back() {
    let engine = engine();
    let (client, _) = logged_in(&engine);
    let response = client.get("/big").dispatch();
    let names: Vec<String> = set_cookies(&response)
        .iter()
        .map(|header| header.split('=').next().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["sessionid", "sessionid.1"]);
    assert_eq!(response.into_string().unwrap(), "Ok(2)");
    assert_eq!(
        client.get("/big-back").dispatch().into_string().unwrap(),
        "true"
    );
    assert_eq!(
        client.get("/whoami").dispatch().into_string().unwrap(),
        "user 42"
    );
}

#[test]
fn a_server_error_does_not_save() {
    let engine = engine();
    let (client, _) = logged_in(&engine);
    let response = client.get("/fails").dispatch();
    assert_eq!(response.status(), Status::InternalServerError);
    assert!(set_cookies(&response).is_empty());
    assert_eq!(
        client.get("/whoami").dispatch().into_string().unwrap(),
        "user 42"
    );
}

#[test]
fn a_session_too_large_is_refused() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let engine = engine().with_on_write_error(move |err| {
        assert!(
            matches!(err.encode_error(), Some(EncodeError::TooLarge { .. })),
            "{err}"
        );
        seen.fetch_add(1, Ordering::SeqCst);
    });
    let (client, before) = logged_in(&engine);

    // By default the handler's response goes out, without a cookie.
    let response = client.get("/too-big").dispatch();
    assert_eq!(response.status(), Status::Created);
    assert_eq!(response.headers().get_one("X-Handler"), Some("kept"));
    assert!(set_cookies(&response).is_empty());
    assert_eq!(varies(&response), ["Cookie"]);
    assert_eq!(response.into_string().unwrap(), "handler body");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // The browser keeps the cookie it had: still logged in.
    assert_eq!(client.cookies().get("sessionid").unwrap().value(), before);
    assert_eq!(
        client.get("/whoami").dispatch().into_string().unwrap(),
        "user 42"
    );

    // With error_response: an empty 500, nothing of the handler's.
    let strict = engine.with_error_response(true);
    let (client, _) = logged_in(&strict);
    let response = client.get("/too-big").dispatch();
    assert_eq!(response.status(), Status::InternalServerError);
    assert!(response.headers().get_one("X-Handler").is_none());
    assert!(set_cookies(&response).is_empty());
    assert_eq!(response.into_string().unwrap_or_default(), "");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn hostile_cookie_headers_keep_a_logged_in_user_logged_in() {
    let engine = engine();
    let (_, value) = logged_in(&engine);
    let ours = format!("sessionid={value}");
    let mut thousand = String::new();
    for i in 0..1000 {
        thousand.push_str(&format!("c{i}=v{i}; "));
        if i == 500 {
            thousand.push_str(&ours);
            thousand.push_str("; ");
        }
    }
    thousand.push_str("last=1");
    let cases: [(&str, Vec<String>); 5] = [
        // Chromium sends cookie values set as UTF-8 as raw UTF-8.
        (
            "UTF-8 beside ours",
            vec![format!(
                "lang=fran\u{e7}ais; {ours}; name=J\u{fc}rgen \u{1f600}"
            )],
        ),
        // A planted copy (of a longer path) comes first; Rocket's jar keeps
        // one cookie per name, the engine tries both.
        ("junk copy first", vec![format!("sessionid=junk; {ours}")]),
        (
            "tampered copy first",
            vec![format!("sessionid={value}A; {ours}")],
        ),
        (
            "second header",
            vec!["sessionid=junk; \u{e9}=\u{e9}".to_owned(), ours.clone()],
        ),
        ("1,000 cookies", vec![thousand]),
    ];
    // An untracked client: only the headers below are sent.
    let client = Client::untracked(app(&engine)).unwrap();
    for (what, headers) in cases {
        let mut request = client.get("/whoami");
        for header in headers {
            request = request.header(Header::new("Cookie", header));
        }
        let response = request.dispatch();
        assert!(set_cookies(&response).is_empty(), "{what}: Set-Cookie sent");
        assert_eq!(response.into_string().unwrap(), "user 42", "{what}");
    }

    // Nothing verifies among copies: empty, and nothing deleted (the
    // deletion could hit the user's real cookie elsewhere).
    let response = client
        .get("/whoami")
        .header(Header::new("Cookie", "sessionid=a; sessionid=b"))
        .dispatch();
    assert!(set_cookies(&response).is_empty());
    assert_eq!(response.into_string().unwrap(), "stranger");
}

#[test]
fn an_existing_vary_is_kept_and_cookie_added_once() {
    let engine = engine();
    let client = Client::untracked(app(&engine)).unwrap();
    let response = client.get("/vary/Accept-Encoding").dispatch();
    assert_eq!(varies(&response), ["Accept-Encoding", "Cookie"]);
    for present in ["Cookie", "accept-encoding,cookie", "*"] {
        let response = client.get(format!("/vary/{present}")).dispatch();
        assert_eq!(varies(&response), [present], "{present}");
    }
}

#[test]
fn without_the_fairing_the_guard_answers_500() {
    let client = Client::untracked(bare()).unwrap();
    assert_eq!(
        client.get("/whoami").dispatch().status(),
        Status::InternalServerError
    );
    assert_eq!(client.get("/plain").dispatch().status(), Status::Ok);
}
