//! The login example served for real on a loopback port, driven by an HTTP
//! client with a cookie store: login, pages, logout; tampered and expired
//! cookies; key rotation; a chunked 5 KB session and its shrinking.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation
)] // test code: a failed unwrap is a failed test

#[allow(dead_code, unreachable_pub)]
#[path = "../examples/login.rs"]
mod login;

use std::sync::{Arc, OnceLock};

use reqwest::Client;
use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::{LOCATION, SET_COOKIE, VARY};
use reqwest::redirect::Policy;
use session_cookie::http::SessionLayer;
use session_cookie::{KeyState, MasterKey, NativeKeyRing, UnixTime};

fn users() -> Arc<login::Users> {
    static USERS: OnceLock<Arc<login::Users>> = OnceLock::new();
    Arc::clone(USERS.get_or_init(|| Arc::new(login::Users::demo().unwrap())))
}

fn key(id: &str, byte: u8) -> MasterKey {
    let bytes: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(31) ^ byte).collect();
    MasterKey::new(id, bytes).unwrap()
}

fn ring(active: &MasterKey, verify: &[&MasterKey]) -> NativeKeyRing {
    verify
        .iter()
        .fold(NativeKeyRing::new(active.clone()), |ring, key| {
            ring.with_key((*key).clone(), KeyState::Verify).unwrap()
        })
}

/// The example's site on 127.0.0.1, on a port of its own.
struct Server {
    base: String,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    async fn start(layer: SessionLayer) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = login::app(users(), layer);
        let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            base: format!("http://{addr}"),
            task,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A browser-like client: a cookie store, and redirects left to the test so
/// that every response's headers can be checked.
fn client(jar: &Arc<Jar>) -> Client {
    Client::builder()
        .cookie_provider(Arc::clone(jar))
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// The cookies the jar would send to `server`, as (name, value) pairs.
fn jar_cookies(jar: &Jar, server: &Server) -> Vec<(String, String)> {
    let url = server.url("/").parse().unwrap();
    jar.cookies(&url)
        .map(|header| {
            header
                .to_str()
                .unwrap()
                .split("; ")
                .map(|pair| {
                    let (name, value) = pair.split_once('=').unwrap();
                    (name.to_owned(), value.to_owned())
                })
                .collect()
        })
        .unwrap_or_default()
}

fn names(cookies: &[(String, String)]) -> Vec<&str> {
    let mut names: Vec<&str> = cookies.iter().map(|(name, _)| name.as_str()).collect();
    names.sort_unstable();
    names
}

/// A response, read: status, headers and body.
struct Page {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: String,
}

impl Page {
    async fn read(response: reqwest::Response) -> Self {
        Self {
            status: response.status().as_u16(),
            headers: response.headers().clone(),
            body: response.text().await.unwrap(),
        }
    }

    fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .map(|value| value.to_str().unwrap().to_owned())
            .collect()
    }
}

async fn get(client: &Client, server: &Server, path: &str) -> Page {
    Page::read(client.get(server.url(path)).send().await.unwrap()).await
}

async fn post(client: &Client, server: &Server, path: &str, form: &[(&str, &str)]) -> Page {
    Page::read(
        client
            .post(server.url(path))
            .form(form)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn log_in(client: &Client, server: &Server) -> Page {
    let response = post(
        client,
        server,
        "/login",
        &[("username", "alice"), ("password", "wonderland")],
    )
    .await;
    assert_eq!(response.status, 303);
    response
}

const ANONYMOUS: &str = "Hello, stranger";
const ALICE: &str = "Hello, Alice!";

#[tokio::test]
async fn login_home_logout() {
    let keys = ring(&key("k1", 1), &[]);
    let server = Server::start(login::session_layer(&keys).unwrap()).await;
    let jar = Arc::new(Jar::default());
    let client = client(&jar);

    let page = get(&client, &server, "/").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains(ANONYMOUS) && page.body.contains(r#"href="/login""#));
    assert!(!page.body.contains("Create Post"));
    assert!(page.set_cookies().is_empty());

    let page = get(&client, &server, "/login").await;
    assert!(page.body.contains(r#"name="username""#) && page.body.contains(r#"name="password""#));
    assert!(page.set_cookies().is_empty() && page.headers.get(VARY).is_none());

    let page = post(
        &client,
        &server,
        "/login",
        &[("username", "alice"), ("password", "wrong")],
    )
    .await;
    assert_eq!(page.status, 401);
    assert!(
        page.body.contains("Wrong username or password.") && page.body.contains(r#"value="alice""#)
    );
    assert!(page.set_cookies().is_empty());
    let page = post(
        &client,
        &server,
        "/login",
        &[("username", "mallory"), ("password", "wonderland")],
    )
    .await;
    assert!(page.body.contains("Wrong username or password."));
    assert!(jar_cookies(&jar, &server).is_empty());

    let page = log_in(&client, &server).await;
    assert_eq!(page.headers[LOCATION], "/");
    let cookies = page.set_cookies();
    assert_eq!(cookies.len(), 1, "{cookies:?}");
    let cookie = &cookies[0];
    assert!(cookie.starts_with("sessionid="), "{cookie}");
    for attribute in [
        "; HttpOnly",
        "; SameSite=Lax",
        "; Path=/",
        "; Max-Age=1209600",
        "; Expires=",
    ] {
        assert!(cookie.contains(attribute), "{attribute} in {cookie}");
    }
    assert!(!cookie.contains("Secure") && !cookie.contains("Domain"));
    let stored = jar_cookies(&jar, &server);
    assert_eq!(names(&stored), ["sessionid"]);
    assert!(!stored[0].1.contains("user_id"), "encrypted");

    let page = get(&client, &server, "/").await;
    assert!(page.body.contains(ALICE), "{}", page.body);
    assert!(page.body.contains("Create Post") && page.body.contains("#ff8c00"));
    assert_eq!(page.headers[VARY], "Cookie");
    assert!(page.set_cookies().is_empty(), "reading does not re-issue");

    let page = get(&client, &server, "/logout").await;
    assert_eq!(page.status, 303);
    assert_eq!(page.headers[LOCATION], "/login");
    let cookies = page.set_cookies();
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].starts_with("sessionid=;") && cookies[0].contains("Max-Age=0"));
    assert!(jar_cookies(&jar, &server).is_empty());

    let page = get(&client, &server, "/").await;
    assert!(page.body.contains(ANONYMOUS));
}

#[tokio::test]
async fn tampered_and_expired_cookies_give_the_anonymous_page() {
    let keys = ring(&key("k1", 1), &[]);
    let server = Server::start(login::session_layer(&keys).unwrap()).await;
    let jar = Arc::new(Jar::default());
    let client = client(&jar);
    log_in(&client, &server).await;
    let value = jar_cookies(&jar, &server)[0].1.clone();

    // Every character position: change it and the page is anonymous.
    let plain = Client::builder().redirect(Policy::none()).build().unwrap();
    for index in (0..value.len()).step_by(7) {
        let mut bytes = value.clone().into_bytes();
        bytes[index] = if bytes[index] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(bytes).unwrap();
        let response = plain
            .get(server.url("/"))
            .header("cookie", format!("sessionid={tampered}"))
            .send()
            .await
            .unwrap();
        let page = Page::read(response).await;
        let cookies = page.set_cookies();
        assert_eq!(cookies.len(), 1);
        assert!(cookies[0].starts_with("sessionid=;"), "deleted");
        assert!(page.body.contains(ANONYMOUS), "{index}");
    }

    // The same cookie, fifteen days later.
    let now = UnixTime::now().as_secs();
    let later = login::session_layer(&keys)
        .unwrap()
        .with_clock(move || UnixTime::from_secs(now + 15 * 86_400));
    let later = Server::start(later).await;
    let page = get(&client, &later, "/").await;
    assert!(page.body.contains(ANONYMOUS), "{}", page.body);
    assert!(page.set_cookies()[0].contains("Max-Age=0"));
    assert!(jar_cookies(&jar, &server).is_empty());
}

/// The key id of a native token (`docs/FORMAT.md` section 2).
fn key_id(token: &str) -> String {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .unwrap();
    let len = usize::from(bytes[2]);
    String::from_utf8(bytes[3..3 + len].to_vec()).unwrap()
}

#[tokio::test]
async fn after_a_key_rotation_the_user_stays_logged_in_under_the_new_key() {
    let (old, new) = (key("2026-10", 1), key("2026-11", 2));
    let before = Server::start(login::session_layer(&ring(&old, &[])).unwrap()).await;
    let jar = Arc::new(Jar::default());
    let client = client(&jar);
    log_in(&client, &before).await;
    assert_eq!(key_id(&jar_cookies(&jar, &before)[0].1), "2026-10");
    drop(before);

    // The new key signs, the old one still verifies.
    let rotated = Server::start(login::session_layer(&ring(&new, &[&old])).unwrap()).await;
    let page = get(&client, &rotated, "/").await;
    assert!(page.body.contains(ALICE));
    assert_eq!(page.set_cookies().len(), 1, "re-issued");
    assert_eq!(key_id(&jar_cookies(&jar, &rotated)[0].1), "2026-11");
    let page = get(&client, &rotated, "/").await;
    assert!(page.set_cookies().is_empty(), "only once");
    drop(rotated);

    // The old key is gone: still logged in.
    let after = Server::start(login::session_layer(&ring(&new, &[])).unwrap()).await;
    let page = get(&client, &after, "/").await;
    assert!(page.body.contains(ALICE));
}

#[tokio::test]
async fn a_ten_kilobyte_session_is_chunked_read_back_and_shrunk() {
    let keys = ring(&key("k1", 1), &[]);
    let server = Server::start(login::session_layer(&keys).unwrap()).await;
    let jar = Arc::new(Jar::default());
    let client = client(&jar);
    log_in(&client, &server).await;

    // Two cookies: the default budget keeps the whole Cookie request header
    // under what nginx and Apache accept.
    let draft: String = (0..5_000)
        .map(|i| char::from(b"abcdefghij klmnopqrstuvwxyz."[i * 7 % 28]))
        .collect();
    let page = post(&client, &server, "/posts/new", &[("draft", &draft)]).await;
    assert_eq!(page.status, 303);
    let cookies = page.set_cookies();
    let written: Vec<&str> = cookies
        .iter()
        .map(|c| c.split_once('=').unwrap().0)
        .collect();
    assert_eq!(written, ["sessionid", "sessionid.1"]);
    for cookie in &cookies {
        let pair = cookie.split("; ").next().unwrap();
        assert!(pair.len() <= 4096, "{} bytes", pair.len());
        assert!(cookie.contains("; HttpOnly") && cookie.contains("; Path=/"));
    }
    let stored = jar_cookies(&jar, &server);
    assert_eq!(names(&stored), ["sessionid", "sessionid.1"]);

    let page = get(&client, &server, "/posts/new").await;
    assert!(
        page.body.contains(&format!(">{draft}</textarea>")),
        "read back"
    );
    let page = get(&client, &server, "/").await;
    assert!(page.body.contains(ALICE));
    assert!(
        page.body
            .contains(r#"<strong id="draft-len">5000</strong>"#)
    );
    assert!(page.body.contains(r#"<span id="cookie-count">2</span>"#));

    // Too long for the cookies: refused, and the session is unharmed.
    let huge = "z".repeat(20_000);
    let page = post(&client, &server, "/posts/new", &[("draft", &huge)]).await;
    assert_eq!(page.status, 413);
    assert!(page.body.contains("at most"));

    let page = get(&client, &server, "/posts/new").await;
    assert!(page.body.contains(&format!(">{draft}</textarea>")));

    // Shrinking: one cookie again, the other chunk deleted.
    let page = post(&client, &server, "/posts/new", &[("draft", "short")]).await;
    let cookies = page.set_cookies();
    let deleted: Vec<&str> = cookies
        .iter()
        .filter(|c| c.contains("Max-Age=0"))
        .map(|c| c.split_once('=').unwrap().0)
        .collect();
    assert_eq!(deleted, ["sessionid.1"]);
    assert_eq!(names(&jar_cookies(&jar, &server)), ["sessionid"]);
    let page = get(&client, &server, "/posts/new").await;
    assert!(page.body.contains(">short</textarea>"));

    // Logging out deletes what is left.
    get(&client, &server, "/logout").await;
    assert!(jar_cookies(&jar, &server).is_empty());
}
