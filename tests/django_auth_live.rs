//! Live: `examples/django_bridge.rs` and a real Django 5.2 site
//! (`tests/django_auth/`, signed_cookies sessions, contrib.auth on SQLite)
//! share logins on two ports of 127.0.0.1, driven by one cookie-keeping
//! HTTP client.
//!
//! Django comes from `<target dir>/django-venv` (see tests/support/pyvenv.rs).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "support/pyvenv.rs"]
#[allow(dead_code, unreachable_pub)]
mod pyvenv;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use reqwest::cookie::{CookieStore, Jar};
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};

const DJANGO: pyvenv::Framework = pyvenv::Framework {
    venv: "django-venv",
    requirement: "django>=5.2,<5.3",
    module: "django",
    version_code: "import django, sys; sys.stdout.write(django.get_version())",
    accepts: |v| v.starts_with("5.2"),
    python_env: "SESSION_COOKIE_PYTHON",
};

const OLD_KEY: &str = "django-insecure-bridge-test-key-one-0123456789abcdef";
const NEW_KEY: &str = "django-insecure-bridge-test-key-two-fedcba9876543210";
const PASSWORD: &str = "wonderland";

/// A server process, killed when dropped (also when the test fails).
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn bridge_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let debug = exe.parent().unwrap().parent().unwrap();
    let bin = debug.join("examples").join("django_bridge");
    assert!(
        bin.exists(),
        "{} missing: cargo build --example django_bridge",
        bin.display()
    );
    bin
}

struct Site {
    python: PathBuf,
    dir: PathBuf,
    db: PathBuf,
    django_port: u16,
    bridge_port: u16,
}

impl Site {
    fn django_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.django_port)
    }
    fn bridge_url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.bridge_port)
    }
    fn env(&self, command: &mut Command, key: &str, fallbacks: &[&str]) {
        let origins = json!([
            format!("http://127.0.0.1:{}", self.django_port),
            format!("http://127.0.0.1:{}", self.bridge_port)
        ]);
        command
            .env("DJANGO_SECRET_KEY", key)
            .env("DJANGO_SECRET_KEY_FALLBACKS", json!(fallbacks).to_string())
            .env("DJANGO_DB", &self.db)
            .env("DJANGO_CSRF_TRUSTED_ORIGINS", origins.to_string());
    }
    fn manage(&self, args: &[&str]) {
        let mut command = Command::new(&self.python);
        command.arg(self.dir.join("manage.py")).args(args);
        self.env(&mut command, OLD_KEY, &[]);
        let out = command.output().unwrap();
        assert!(
            out.status.success(),
            "manage.py {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    fn shell(&self, code: &str) {
        self.manage(&["shell", "-c", code]);
    }
    /// Django (runserver) and the bridge, both under `key` and `fallbacks`.
    fn start(&self, key: &str, fallbacks: &[&str]) -> (Server, Server) {
        let mut django = Command::new(&self.python);
        django
            .arg(self.dir.join("manage.py"))
            .args(["runserver", "--noreload", "--nothreading"])
            .arg(format!("127.0.0.1:{}", self.django_port))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.env(&mut django, key, fallbacks);
        let django = Server(django.spawn().unwrap());
        let mut bridge = Command::new(bridge_binary());
        bridge
            .env("PORT", self.bridge_port.to_string())
            .stdout(Stdio::null());
        self.env(&mut bridge, key, fallbacks);
        let bridge = Server(bridge.spawn().unwrap());
        for port in [self.django_port, self.bridge_port] {
            let deadline = Instant::now() + Duration::from_secs(60);
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(Instant::now() < deadline, "port {port} never opened");
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        (django, bridge)
    }
}

fn client(jar: &Arc<Jar>) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(Arc::clone(jar))
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap()
}

async fn whoami(client: &reqwest::Client, url: &str) -> Value {
    let response = client.get(url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{url}");
    serde_json::from_str(&response.text().await.unwrap()).unwrap()
}

/// The masked `csrfmiddlewaretoken` of a form page (sets `csrftoken`).
async fn form_token(client: &reqwest::Client, url: &str) -> String {
    let page = client.get(url).send().await.unwrap().text().await.unwrap();
    let at = page
        .find("name=\"csrfmiddlewaretoken\" value=\"")
        .unwrap_or_else(|| panic!("no token in {url}: {page}"));
    let rest = &page[at + "name=\"csrfmiddlewaretoken\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

async fn post(client: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> StatusCode {
    client.post(url).form(form).send().await.unwrap().status()
}

/// `/whoami` with only the given `sessionid`, through a client without a
/// cookie store: each side judges the same cookie on its own.
async fn whoami_with(url: &str, cookie: &str) -> Value {
    let body = reqwest::Client::new()
        .get(url)
        .header("Cookie", format!("sessionid={cookie}"))
        .timeout(Duration::from_secs(120))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    serde_json::from_str(&body).unwrap()
}

fn alice(id: i64) -> Value {
    json!({"user_id": id, "username": "alice"})
}

fn anonymous() -> Value {
    json!({"user_id": null, "username": null})
}

fn session_cookie(jar: &Jar, url: &str) -> Option<String> {
    let cookies = jar.cookies(&Url::parse(url).unwrap())?;
    cookies
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|pair| pair.strip_prefix("sessionid=").map(str::to_owned))
}

/// A Django project in a scratch directory, migrated, with user `alice`.
fn setup() -> (pyvenv::Scratch, Site) {
    let python = pyvenv::ensure(&DJANGO).unwrap_or_else(|why| panic!("{why}"));
    let scratch = pyvenv::Scratch::new("django-auth-live");
    let dir = scratch.path.join("project");
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/django_auth");
    std::fs::create_dir_all(dir.join("templates/registration")).unwrap();
    for file in [
        "settings.py",
        "urls.py",
        "manage.py",
        "templates/registration/login.html",
    ] {
        std::fs::copy(source.join(file), dir.join(file)).unwrap();
    }
    let site = Site {
        python,
        db: dir.join("db.sqlite3"),
        dir,
        django_port: free_port(),
        bridge_port: free_port(),
    };
    site.manage(&["migrate", "-v", "0"]);
    site.shell(&format!(
        "from django.contrib.auth.models import User; User.objects.create_user('alice', password='{PASSWORD}')"
    ));
    (scratch, site)
}

#[tokio::test(flavor = "multi_thread")]
async fn bridge_shares_logins_with_django() {
    let (_scratch, site) = setup();
    let id = 1;
    let (django, bridge) = site.start(OLD_KEY, &[]);
    let jar = Arc::new(Jar::default());
    let http = client(&jar);
    let dj_whoami = site.django_url("/whoami");
    let br_whoami = site.bridge_url("/whoami");

    // 1. Log in on Django: the bridge names the user.
    let token = form_token(&http, &site.django_url("/accounts/login/")).await;
    let login = [
        ("username", "alice"),
        ("password", PASSWORD),
        ("csrfmiddlewaretoken", token.as_str()),
    ];
    assert_eq!(
        post(&http, &site.django_url("/accounts/login/"), &login).await,
        StatusCode::FOUND
    );
    assert_eq!(whoami(&http, &dj_whoami).await, alice(id));
    assert_eq!(whoami(&http, &br_whoami).await, alice(id));

    // 2. Django's CSRF token (from a Django page) is accepted by the bridge;
    //    logging out there logs out of both.
    let token = form_token(&http, &site.django_url("/accounts/login/")).await;
    let out = [("csrfmiddlewaretoken", token.as_str())];
    assert_eq!(
        post(&http, &site.bridge_url("/logout"), &out).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(whoami(&http, &br_whoami).await, anonymous());
    assert_eq!(whoami(&http, &dj_whoami).await, anonymous());

    // 3. Log in on the bridge (a forged or missing token first: 403, and a
    //    wrong password: 401): Django sees the user.
    let token = form_token(&http, &site.bridge_url("/login")).await;
    let forged = "a".repeat(64);
    let bad = [
        ("username", "alice"),
        ("password", PASSWORD),
        ("csrfmiddlewaretoken", forged.as_str()),
    ];
    assert_eq!(
        post(&http, &site.bridge_url("/login"), &bad).await,
        StatusCode::FORBIDDEN
    );
    let missing = [("username", "alice"), ("password", PASSWORD)];
    assert_eq!(
        post(&http, &site.bridge_url("/login"), &missing).await,
        StatusCode::FORBIDDEN
    );
    let wrong = [
        ("username", "alice"),
        ("password", "nope"),
        ("csrfmiddlewaretoken", token.as_str()),
    ];
    assert_eq!(
        post(&http, &site.bridge_url("/login"), &wrong).await,
        StatusCode::UNAUTHORIZED
    );
    let login = [
        ("username", "alice"),
        ("password", PASSWORD),
        ("csrfmiddlewaretoken", token.as_str()),
    ];
    let response = http
        .post(site.bridge_url("/login"))
        .form(&login)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/whoami");
    assert_eq!(whoami(&http, &dj_whoami).await, alice(id));
    assert_eq!(whoami(&http, &br_whoami).await, alice(id));

    // 4. Forged and missing tokens are refused by Django too; the bridge's
    //    token (rotated at login) is accepted by Django's LogoutView.
    let bad = [("csrfmiddlewaretoken", forged.as_str())];
    assert_eq!(
        post(&http, &site.django_url("/accounts/logout/"), &bad).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(&http, &site.django_url("/accounts/logout/"), &[]).await,
        StatusCode::FORBIDDEN
    );
    // A foreign Origin is refused by the bridge.
    let token = form_token(&http, &site.bridge_url("/login")).await;
    let status = http
        .post(site.bridge_url("/logout"))
        .header("Origin", "http://evil.example")
        .form(&[("csrfmiddlewaretoken", token.as_str())])
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(whoami(&http, &dj_whoami).await, alice(id));

    // 5. A tampered cookie is anonymous on both.
    let cookie = session_cookie(&jar, &dj_whoami).expect("sessionid");
    let mut tampered = cookie.clone().into_bytes();
    let last = tampered.len() - 1;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let bare = reqwest::Client::new();
    for url in [&dj_whoami, &br_whoami] {
        let body: String = bare
            .get(url.as_str())
            .header("Cookie", format!("sessionid={tampered}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            anonymous(),
            "{url}"
        );
        let body: String = bare
            .get(url.as_str())
            .header("Cookie", format!("sessionid={cookie}"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            alice(id),
            "{url} with the untampered cookie"
        );
    }

    // 6. Key rotation: restart both under a new key with the old one as a
    //    fallback: still logged in on both, and the bridge re-issues the
    //    cookie under the new key.
    drop((django, bridge));
    let (django, bridge) = site.start(NEW_KEY, &[OLD_KEY]);
    let response = http.get(&br_whoami).send().await.unwrap();
    let reissued = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .any(|value| value.to_str().unwrap().starts_with("sessionid="));
    assert!(reissued, "the bridge re-issues sessionid under the new key");
    assert_eq!(
        serde_json::from_str::<Value>(&response.text().await.unwrap()).unwrap(),
        alice(id)
    );
    assert_ne!(session_cookie(&jar, &dj_whoami).unwrap(), cookie);
    assert_eq!(whoami(&http, &dj_whoami).await, alice(id));
    // The re-issued cookie no longer needs the old key.
    drop((django, bridge));
    let (django, bridge) = site.start(NEW_KEY, &[]);
    assert_eq!(whoami(&http, &br_whoami).await, alice(id));
    assert_eq!(whoami(&http, &dj_whoami).await, alice(id));

    // 7. Change the password in Django: anonymous on both.
    let before = session_cookie(&jar, &dj_whoami).unwrap();
    site.shell(
        "from django.contrib.auth.models import User; u = User.objects.get(username='alice'); u.set_password('changed'); u.save()",
    );
    assert_eq!(whoami_with(&br_whoami, &before).await, anonymous());
    assert_eq!(whoami_with(&dj_whoami, &before).await, anonymous());
    assert_eq!(whoami(&http, &br_whoami).await, anonymous());
    assert_eq!(whoami(&http, &dj_whoami).await, anonymous());

    // 8. Log in again on the bridge, deactivate in Django: anonymous on both.
    let token = form_token(&http, &site.bridge_url("/login")).await;
    let login = [
        ("username", "alice"),
        ("password", "changed"),
        ("csrfmiddlewaretoken", token.as_str()),
    ];
    assert_eq!(
        post(&http, &site.bridge_url("/login"), &login).await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(whoami(&http, &dj_whoami).await, alice(id));
    let before = session_cookie(&jar, &dj_whoami).unwrap();
    site.shell(
        "from django.contrib.auth.models import User; User.objects.filter(username='alice').update(is_active=False)",
    );
    assert_eq!(whoami_with(&br_whoami, &before).await, anonymous());
    assert_eq!(whoami_with(&dj_whoami, &before).await, anonymous());
    assert_eq!(whoami(&http, &br_whoami).await, anonymous());
    assert_eq!(whoami(&http, &dj_whoami).await, anonymous());
    // An inactive user cannot log in on the bridge.
    let token = form_token(&http, &site.bridge_url("/login")).await;
    let login = [
        ("username", "alice"),
        ("password", "changed"),
        ("csrfmiddlewaretoken", token.as_str()),
    ];
    assert_eq!(
        post(&http, &site.bridge_url("/login"), &login).await,
        StatusCode::UNAUTHORIZED
    );

    // 9. Reactivate, log in on the bridge, log out on Django: both anonymous.
    site.shell(
        "from django.contrib.auth.models import User; User.objects.filter(username='alice').update(is_active=True)",
    );
    assert_eq!(whoami(&http, &dj_whoami).await, alice(id));
    // The token of a bridge page is accepted by Django.
    let token = form_token(&http, &site.bridge_url("/login")).await;
    let out = [("csrfmiddlewaretoken", token.as_str())];
    assert_eq!(
        post(&http, &site.django_url("/accounts/logout/"), &out).await,
        StatusCode::FOUND
    );
    assert_eq!(whoami(&http, &dj_whoami).await, anonymous());
    assert_eq!(whoami(&http, &br_whoami).await, anonymous());
    drop((django, bridge));
}

/// A ChromeDriver process on a loopback port, ended on drop.
struct Driver(Child, u16);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

async fn page_text(browser: &fantoccini::Client, url: &str) -> String {
    browser.goto(url).await.unwrap();
    browser
        .find(Locator::Css("body"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

async fn browser_json(browser: &fantoccini::Client, url: &str) -> Value {
    let text = page_text(browser, url).await;
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("{url}: {text}"))
}

async fn submit_login(browser: &fantoccini::Client, url: &str, password: &str) {
    browser.goto(url).await.unwrap();
    browser
        .find(Locator::Css("#id_username"))
        .await
        .unwrap()
        .send_keys("alice")
        .await
        .unwrap();
    browser
        .find(Locator::Css("#id_password"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    browser
        .find(Locator::Css("#submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The same with headless Chromium, which sends `Origin` on form posts: a
/// login on either side's own form is seen by the other, a logout on either
/// side's form (a POST to the other side's origin is trusted) ends both.
#[tokio::test(flavor = "multi_thread")]
async fn browser_shares_logins_with_django() {
    let (scratch, site) = setup();
    let (_django, _bridge) = site.start(OLD_KEY, &[]);
    let port = free_port();
    let driver = Driver(
        Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver (apt-get install chromium chromium-driver)"),
        port,
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", driver.1)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    let profile = scratch.path.join("chromium-profile");
    let args = [
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        "--no-first-run".to_owned(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": { "binary": "/usr/bin/chromium", "args": args },
    });
    let browser = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities.as_object().cloned().unwrap())
        .connect(&format!("http://127.0.0.1:{}", driver.1))
        .await
        .expect("a WebDriver session with headless Chromium");
    browser
        .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
            Some(Duration::from_secs(60)),
            Some(Duration::from_secs(120)),
            Some(Duration::from_secs(10)),
        ))
        .await
        .unwrap();
    let dj_whoami = site.django_url("/whoami");
    let br_whoami = site.bridge_url("/whoami");

    // Log in on Django's LoginView: the bridge names the user.
    submit_login(&browser, &site.django_url("/accounts/login/"), PASSWORD).await;
    assert_eq!(browser_json(&browser, &dj_whoami).await, alice(1));
    assert_eq!(browser_json(&browser, &br_whoami).await, alice(1));
    // Log out with the bridge's form: anonymous on both.
    browser.goto(&site.bridge_url("/login")).await.unwrap();
    browser
        .find(Locator::Css("#logout-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(browser_json(&browser, &dj_whoami).await, anonymous());
    assert_eq!(browser_json(&browser, &br_whoami).await, anonymous());
    // Log in on the bridge's form: Django sees the user.
    submit_login(&browser, &site.bridge_url("/login"), PASSWORD).await;
    assert_eq!(browser_json(&browser, &br_whoami).await, alice(1));
    assert_eq!(browser_json(&browser, &dj_whoami).await, alice(1));
    // Log out with Django's form: anonymous on both.
    browser
        .goto(&site.django_url("/accounts/login/"))
        .await
        .unwrap();
    browser
        .find(Locator::Css("#logout-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert_eq!(browser_json(&browser, &br_whoami).await, anonymous());
    assert_eq!(browser_json(&browser, &dj_whoami).await, anonymous());
    browser.close().await.unwrap();
}
