//! A fleet: two example servers (axum and actix-web, two processes on two
//! ports, the same keys) sharing one real Redis (`SESSION_REVOCATION=
//! redis://…`). A logout on either is refused on both; "log out
//! everywhere" ends the user's sessions on every device and node; Redis
//! killed and restarted mid-test gives what the default (fail closed)
//! promises and recovers without restarting the servers; and the store
//! holds no more than the live revoked sessions.

#![cfg(all(feature = "redis", feature = "axum", feature = "actix"))]
// Test code: a failed unwrap is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[allow(dead_code, unreachable_pub)]
#[path = "support/redis.rs"]
mod redis_server;
#[allow(dead_code, unreachable_pub)]
#[path = "support/login_sites.rs"]
mod sites;

use std::sync::Arc;
use std::time::{Duration, Instant};

use redis_server::RedisServer;
use reqwest::Client;
use reqwest::cookie::{CookieStore as _, Jar};
use reqwest::header::SET_COOKIE;
use reqwest::redirect::Policy;
use session_cookie::engine::{SessionConfig, SessionEngine};
use session_cookie::revoke::{RedisConfig, RedisStore, Revocation};
use session_cookie::{MasterKey, NativeConfig, NativeKeyRing, Session, UnixTime};
use sites::{Framework, Process as Node, spawn_example};

const ANONYMOUS: &str = "Hello, stranger";
const ALICE: &str = "Hello, Alice!";

/// `framework`'s example with revocation in `redis`. Both nodes use the
/// example's development key file (the same keys).
async fn node(framework: Framework, redis: &str) -> Node {
    spawn_example(framework, &[("SESSION_REVOCATION", redis)]).await
}

/// Both nodes; the first is started alone so that it makes the
/// development key file the second reads.
async fn fleet(redis: &RedisServer) -> (Node, Node) {
    let a = node(Framework::Axum, &redis.url()).await;
    let b = node(Framework::Actix, &redis.url()).await;
    (a, b)
}

struct Page {
    status: u16,
    set_cookies: Vec<String>,
    body: String,
}

async fn read(response: reqwest::Response) -> Page {
    Page {
        status: response.status().as_u16(),
        set_cookies: response
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .map(|value| value.to_str().unwrap().to_owned())
            .collect(),
        body: response.text().await.unwrap(),
    }
}

/// A browser: its cookies are the site's on every port of 127.0.0.1, as a
/// load balancer in front of both nodes would make them.
struct Device {
    jar: Arc<Jar>,
    client: Client,
}

impl Device {
    fn new() -> Self {
        let jar = Arc::new(Jar::default());
        let client = Client::builder()
            .cookie_provider(Arc::clone(&jar))
            .redirect(Policy::none())
            .build()
            .unwrap();
        Self { jar, client }
    }

    async fn get(&self, node: &Node, path: &str) -> Page {
        let url = format!("{}{path}", node.base);
        read(self.client.get(url).send().await.unwrap()).await
    }

    async fn post(&self, node: &Node, path: &str, form: &[(&str, &str)]) -> Page {
        let url = format!("{}{path}", node.base);
        read(self.client.post(url).form(form).send().await.unwrap()).await
    }

    async fn csrf(&self, node: &Node, path: &str) -> String {
        let body = self.get(node, path).await.body;
        let marker = r#"name="csrf_token" value=""#;
        let start = body.find(marker).expect("a csrf_token field") + marker.len();
        let len = body[start..].find('"').unwrap();
        body[start..start + len].to_owned()
    }

    async fn log_in(&self, node: &Node) {
        let token = self.csrf(node, "/login").await;
        let form = [
            ("username", "alice"),
            ("password", "wonderland"),
            ("csrf_token", &token),
        ];
        assert_eq!(self.post(node, "/login", &form).await.status, 303);
    }

    async fn log_out(&self, node: &Node, path: &str) -> Page {
        let token = self.csrf(node, "/logout").await;
        let page = self.post(node, path, &[("csrf_token", &token)]).await;
        assert_eq!(page.status, 303, "{path}: {}", page.body);
        page
    }

    /// The session cookie as the jar holds it: `sessionid=…`.
    fn cookie(&self, node: &Node) -> String {
        let url = format!("{}/", node.base).parse().unwrap();
        let header = self.jar.cookies(&url).expect("a cookie");
        header.to_str().unwrap().to_owned()
    }
}

/// The home page for a request with only `cookie`: a copy of it.
async fn replay(node: &Node, cookie: &str) -> Page {
    let client = Client::builder().redirect(Policy::none()).build().unwrap();
    let request = client
        .get(format!("{}/", node.base))
        .header("cookie", cookie);
    read(request.send().await.unwrap()).await
}

/// Waits for the next whole second: the cutoff of "log out everywhere" is
/// whole seconds (`session_cookie::revoke`).
async fn next_second() {
    let left = 1_000_000_000 - u64::from(UnixTime::now().subsec_nanos());
    tokio::time::sleep(Duration::from_nanos(left + 1_000_000)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_logout_on_either_node_is_refused_by_both_and_log_out_everywhere_reaches_every_device() {
    let redis = RedisServer::start();
    let (a, b) = fleet(&redis).await;

    // Log in on A; a copy of the cookie works on B: one site.
    let laptop = Device::new();
    laptop.log_in(&a).await;
    let copy = laptop.cookie(&a);
    assert!(replay(&b, &copy).await.body.contains(ALICE));

    // Log out on A, replay the copy on B (and A): anonymous.
    laptop.log_out(&a, "/logout").await;
    let page = replay(&b, &copy).await;
    assert!(page.body.contains(ANONYMOUS), "B after A's logout");
    assert!(page.set_cookies[0].contains("Max-Age=0"), "and deleted");
    assert!(replay(&a, &copy).await.body.contains(ANONYMOUS));

    // Two devices, on two nodes; the phone logs out everywhere on B.
    laptop.log_in(&a).await;
    let phone = Device::new();
    phone.log_in(&b).await;
    let laptop_copy = laptop.cookie(&a);
    assert!(laptop.get(&b, "/").await.body.contains(ALICE));
    next_second().await;
    phone.log_out(&b, "/logout-everywhere").await;
    for node in [&a, &b] {
        assert!(laptop.get(node, "/").await.body.contains(ANONYMOUS));
        assert!(replay(node, &laptop_copy).await.body.contains(ANONYMOUS));
        assert!(phone.get(node, "/").await.body.contains(ANONYMOUS));
    }

    // A login after it works, on both nodes.
    next_second().await;
    laptop.log_in(&a).await;
    for node in [&a, &b] {
        assert!(laptop.get(node, "/").await.body.contains(ALICE));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_sessions_fail_closed_without_5xx_and_come_back_with_it() {
    // Redis as deployed for revocation: every write on disk before it is
    // acknowledged, so that a killed server comes back with its records.
    let args = ["--appendonly", "yes", "--appendfsync", "always"];
    let mut redis = RedisServer::start_on(redis_server::free_port(), &args);
    let (a, b) = fleet(&redis).await;
    let alice = Device::new();
    alice.log_in(&a).await;
    let cookie = alice.cookie(&a);
    assert!(alice.get(&b, "/").await.body.contains(ALICE));
    let revoked = Device::new();
    revoked.log_in(&b).await;
    let revoked_copy = revoked.cookie(&b);
    revoked.log_out(&b, "/logout").await;

    redis.stop();
    for node in [&a, &b] {
        for path in ["/", "/login", "/logout"] {
            let page = alice.get(node, path).await;
            assert!(page.status < 500, "{path}: {}", page.status);
        }
        // Anonymous while unchecked, and the cookie is kept.
        let page = alice.get(node, "/").await;
        assert!(page.body.contains(ANONYMOUS), "fail closed");
        assert!(page.set_cookies.is_empty(), "{:?}", page.set_cookies);
        // The logged-out copy is refused too: nothing unchecked gets in.
        assert!(replay(node, &revoked_copy).await.body.contains(ANONYMOUS));
    }
    assert_eq!(alice.cookie(&a), cookie);

    // Back, on the same port, from its append-only file: the same servers
    // answer for the session again once they have reconnected, and the
    // revocation is still there.
    redis.restart();
    let deadline = Instant::now() + Duration::from_secs(30);
    for node in [&a, &b] {
        while !alice.get(node, "/").await.body.contains(ALICE) {
            assert!(Instant::now() < deadline, "no recovery");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(replay(node, &revoked_copy).await.body.contains(ANONYMOUS));
    }
}

fn short_lived_engine(store: RedisStore) -> SessionEngine {
    let bytes: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(31) ^ 5).collect();
    let ring = NativeKeyRing::new(MasterKey::new("k1", bytes).unwrap());
    // Two seconds of idle age and one of clock skew: a token can be
    // accepted three seconds after its last issue at most.
    SessionEngine::native(
        &ring,
        NativeConfig::ENCRYPTED.with_skew(1),
        SessionConfig::DJANGO.with_age(2),
    )
    .unwrap()
    .with_revocation(Revocation::new(store).with_subject_key("user_id"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_holds_only_the_live_revoked_sessions() {
    let redis = RedisServer::start();
    let store = RedisStore::new(RedisConfig::from_url(&redis.url()).unwrap()).unwrap();
    let engine = short_lived_engine(store);
    let count = 200;
    for user in 0..count {
        let mut session = Session::new();
        session.insert("user_id", user).unwrap();
        let cookie = engine.cookie_header(&session).unwrap();
        let request = engine.start([cookie.as_bytes()]);
        request.handle().load().await;
        request.handle().flush();
        let sent = request.finish(303).await;
        assert!(sent.error().is_none(), "{:?}", sent.error());
    }
    assert_eq!(redis.dbsize(), count, "one record per logout");
    // Once every token could have expired, nothing is left.
    let deadline = Instant::now() + Duration::from_secs(10);
    while redis.dbsize() > 0 {
        assert!(Instant::now() < deadline, "{} keys left", redis.dbsize());
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
