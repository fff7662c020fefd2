//! The login example in a real browser: Debian's Chromium, headless,
//! driven through ChromeDriver (WebDriver) by `fantoccini`, one journey
//! per framework port of the site (axum, actix-web), in turn.
//!
//! Login, reload, a chunked session that survives a reload, its shrinking,
//! and logout; the browser must keep the cookies with the attributes the
//! layer wrote (HttpOnly: invisible to page scripts), and send them back.
//! The page's look is checked through computed styles, and screenshots are
//! left in `target/tmp/browser/EXAMPLE/` for a person to look at.
//!
//! Chromium and ChromeDriver are installed with apt-get when missing (we
//! run as root in CI); if that fails the test fails: it never skips.
//! Everything stays on 127.0.0.1.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation
)] // test code: a failed unwrap is a failed test

#[allow(dead_code)] // the browser journey needs only part of the seam
#[path = "support/login_sites.rs"]
mod sites;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource as _, MouseActions, PointerAction};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use session_cookie::{MasterKey, NativeKeyRing, UnixTime};
use sites::{Framework, Options};

#[path = "support/chromium.rs"]
mod chromium;

use chromium::{CHROMEDRIVER, CHROMIUM};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A ChromeDriver process on a loopback port, ended on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start() -> Self {
        let port = free_port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh, empty profile directory for one browser run.
struct Profile(PathBuf);

impl Profile {
    fn new() -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("chromium-profile-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }
}

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn browser(driver: &Driver, profile: &Profile) -> Client {
    let args = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-first-run",
        "--window-size=1000,760",
        &format!("--user-data-dir={}", profile.0.display()),
    ];
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
    });
    let capabilities = capabilities.as_object().cloned().unwrap();
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session with headless Chromium")
}

/// Where a journey's screenshots go: `target/tmp/browser/EXAMPLE/`.
fn screenshot_dir(site: &Site<'_>) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("browser")
        .join(site.framework.example());
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn save_screenshot(client: &Client, site: &Site<'_>, name: &str) {
    let png = client.screenshot().await.unwrap();
    std::fs::write(screenshot_dir(site).join(name), png).unwrap();
}

async fn text(client: &Client, id: &str) -> String {
    client
        .wait()
        .for_element(Locator::Id(id))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// `rgb(R, G, B)` or `rgba(R, G, B, 1)` (what ChromeDriver reports) as
/// `R, G, B`; anything else unchanged.
fn rgb(css: &str) -> &str {
    css.strip_prefix("rgba(")
        .and_then(|rest| rest.strip_suffix(", 1)"))
        .or_else(|| {
            css.strip_prefix("rgb(")
                .and_then(|rest| rest.strip_suffix(')'))
        })
        .unwrap_or(css)
}

async fn path(client: &Client) -> String {
    client.current_url().await.unwrap().path().to_owned()
}

/// The session cookies the browser holds, sorted by name.
async fn session_cookies(client: &Client) -> Vec<cookie::Cookie<'static>> {
    let mut cookies: Vec<_> = client
        .get_all_cookies()
        .await
        .unwrap()
        .into_iter()
        .filter(|c| c.name().starts_with("sessionid"))
        .collect();
    cookies.sort_by(|a, b| a.name().cmp(b.name()));
    cookies
}

fn names(cookies: &[cookie::Cookie<'static>]) -> Vec<String> {
    cookies.iter().map(|c| c.name().to_owned()).collect()
}

async fn set_draft(client: &Client, site: &Site<'_>, draft: &str) {
    goto(client, site, "/posts/new").await;
    client
        .execute(
            "document.getElementById('draft').value = arguments[0];",
            vec![json!(draft)],
        )
        .await
        .unwrap();
    client
        .find(Locator::Id("save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("greeting"))
        .await
        .unwrap();
}

/// The site under test: which port of it, and where it listens.
struct Site<'a> {
    framework: Framework,
    base: &'a str,
}

async fn goto(client: &Client, site: &Site<'_>, path: &str) {
    client.goto(&format!("{}{path}", site.base)).await.unwrap();
}

/// One journey per framework port of the site. They take turns: two
/// Chromiums at once on a small shared machine would only slow each other
/// down past the timeouts.
macro_rules! per_framework {
    ($($name:ident: $framework:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                in_chromium(Framework::$framework).await;
            }
        )*
    };
}

per_framework! {
    login_reload_chunked_session_and_logout_in_chromium_on_axum: Axum,
    login_reload_chunked_session_and_logout_in_chromium_on_actix: Actix,
    login_reload_chunked_session_and_logout_in_chromium_on_rocket: Rocket,
}

async fn in_chromium(framework: Framework) {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    let _turn = TURN.lock().await;
    chromium::ensure().unwrap();
    let ring = NativeKeyRing::new(MasterKey::generate("browser").unwrap());
    let server = sites::start(framework, Options::new(ring)).await;
    let site = Site {
        framework,
        base: &server.base,
    };

    let driver = Driver::start();
    let profile = Profile::new();
    let client = tokio::time::timeout(Duration::from_secs(60), browser(&driver, &profile))
        .await
        .expect("Chromium started within a minute");
    let outcome = tokio::time::timeout(Duration::from_secs(120), journey(&client, &site)).await;
    let _ = client.close().await;
    drop(server);
    outcome.expect("the browser journey finished within two minutes");
}

async fn journey(client: &Client, site: &Site<'_>) {
    // Anonymous.
    goto(client, site, "/").await;
    let body = client
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Hello, stranger"), "{body}");
    assert!(session_cookies(client).await.is_empty());

    // Log in through the form.
    goto(client, site, "/login").await;
    save_screenshot(client, site, "login.png").await;
    client
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .send_keys("alice")
        .await
        .unwrap();
    client
        .find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("wonderland")
        .await
        .unwrap();
    client
        .find(Locator::Id("submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(text(client, "greeting").await, "Hello, Alice!");
    assert_eq!(path(client).await, "/");

    // The cookie as the browser keeps it.
    let cookies = session_cookies(client).await;
    assert_eq!(names(&cookies), ["sessionid"]);
    let cookie = &cookies[0];
    assert_eq!(cookie.http_only(), Some(true));
    assert_eq!(cookie.same_site(), Some(cookie::SameSite::Lax));
    assert_eq!(cookie.path(), Some("/"));
    assert_ne!(cookie.secure(), Some(true));
    let expires = cookie
        .expires_datetime()
        .expect("a persistent cookie")
        .unix_timestamp();
    let expected = UnixTime::now().as_secs() + 1_209_600;
    assert!(
        (expires - expected).abs() < 120,
        "expires {expires}, expected about {expected}"
    );
    // HttpOnly: page scripts cannot read it.
    let visible = client
        .execute("return document.cookie;", vec![])
        .await
        .unwrap();
    assert_eq!(visible, json!(""));

    // Reload: the browser sends the cookie back.
    client.refresh().await.unwrap();
    assert_eq!(text(client, "greeting").await, "Hello, Alice!");

    // The theme: pure orange and white, a lift on hover, a pulsing "+".
    let button = client.find(Locator::Css(".create-post")).await.unwrap();
    assert!(button.text().await.unwrap().ends_with("Create Post"));
    assert_eq!(
        rgb(&button.css_value("background-color").await.unwrap()),
        "255, 140, 0"
    );
    assert_eq!(
        rgb(&button.css_value("color").await.unwrap()),
        "255, 255, 255"
    );
    let plus = client
        .find(Locator::Css(".create-post .plus"))
        .await
        .unwrap();
    assert_eq!(plus.css_value("animation-name").await.unwrap(), "pulse");
    assert_eq!(button.css_value("transform").await.unwrap(), "none");
    save_screenshot(client, site, "home.png").await;
    let hover = MouseActions::new("mouse".to_owned()).then(PointerAction::MoveToElement {
        element: button.clone(),
        duration: None,
        x: 0.0,
        y: 0.0,
    });
    client.perform_actions(hover).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let lifted = button.css_value("transform").await.unwrap();
    assert_eq!(
        lifted, "matrix(1, 0, 0, 1, 0, -3)",
        "hover lifts the button"
    );
    save_screenshot(client, site, "home-hover.png").await;
    client.release_actions().await.unwrap();

    // A 5 000-character draft: two cookies (the default budget), and it
    // survives a reload.
    let draft: String = (0..5_000)
        .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
        .collect();
    set_draft(client, site, &draft).await;
    assert_eq!(text(client, "draft-len").await, "5000");
    assert_eq!(text(client, "cookie-count").await, "2");
    save_screenshot(client, site, "home-draft.png").await;
    let cookies = session_cookies(client).await;
    assert_eq!(names(&cookies), ["sessionid", "sessionid.1"]);
    for cookie in &cookies {
        assert_eq!(cookie.http_only(), Some(true), "{}", cookie.name());
        assert_eq!(cookie.path(), Some("/"));
        assert!(cookie.name().len() + cookie.value().len() <= 4096);
    }
    client.refresh().await.unwrap();
    assert_eq!(text(client, "greeting").await, "Hello, Alice!");
    assert_eq!(text(client, "draft-len").await, "5000");
    goto(client, site, "/posts/new").await;
    let stored = client
        .execute("return document.getElementById('draft').value;", vec![])
        .await
        .unwrap();
    assert_eq!(stored, json!(draft), "the draft read back from two cookies");

    // Shrinking deletes the chunks.
    set_draft(client, site, "A short draft.").await;
    assert_eq!(text(client, "draft-len").await, "14");
    assert_eq!(names(&session_cookies(client).await), ["sessionid"]);
    client.refresh().await.unwrap();
    assert_eq!(text(client, "draft-len").await, "14");

    // Log out through the POST form (its CSRF field sent with it): GET
    // /logout only shows the form, and changes nothing.
    client
        .find(Locator::Id("logout-link"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("logout"))
        .await
        .unwrap();
    assert_eq!(path(client).await, "/logout");
    assert_eq!(names(&session_cookies(client).await), ["sessionid"]);
    client
        .find(Locator::Id("logout"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("username"))
        .await
        .unwrap();
    assert_eq!(path(client).await, "/login");
    // The old session's cookies are gone; the login form made a new,
    // anonymous one for its CSRF token.
    assert_eq!(names(&session_cookies(client).await), ["sessionid"]);
    goto(client, site, "/").await;
    let body = client
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("Hello, stranger"), "{body}");
}
