//! `RedisStore` against a real `redis-server` (Debian's, installed by
//! `support/redis.rs` when missing; one server per test, on loopback):
//! records and their keys, the forward-only subject cutoff under
//! concurrency, expiry, one round trip per lookup, outages (a deadline, not
//! a hang), recovery after a restart, a store made while Redis is down, and
//! two engines (two "nodes") sharing one Redis.

#![cfg(feature = "redis")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::cast_possible_truncation
)] // test code: a failed unwrap is a failed test

#[path = "support/redis.rs"]
mod redis_server;

use std::sync::Arc;
use std::time::{Duration, Instant};

use redis_server::{RedisServer, free_port};
use session_cookie::engine::{SessionConfig, SessionEngine};
use session_cookie::revoke::{
    Lookup, RedisConfig, RedisStore, Revocation, RevocationStore, StoreError,
};
use session_cookie::{MasterKey, NativeConfig, NativeKeyRing, Session, SessionId, UnixTime};

const PREFIX: &str = "session-cookie:revoked:";
/// Short, so that the outage tests are quick; the assertions allow a
/// generous margin over it for a loaded machine.
const TIMEOUT: Duration = Duration::from_millis(300);

fn store(url: &str) -> RedisStore {
    RedisStore::new(
        RedisConfig::from_url(url)
            .unwrap()
            .with_command_timeout(TIMEOUT),
    )
    .unwrap()
}

/// A plain connection to look at what the store wrote.
fn raw(server: &RedisServer) -> redis::Connection {
    redis::Client::open(server.url())
        .unwrap()
        .get_connection()
        .unwrap()
}

fn query<T: redis::FromRedisValue>(conn: &mut redis::Connection, args: &[&str]) -> T {
    let mut cmd = redis::cmd(args[0]);
    for arg in &args[1..] {
        cmd.arg(*arg);
    }
    cmd.query(conn).unwrap()
}

fn id(byte: u8) -> SessionId {
    SessionId::from_bytes([byte; 16])
}

fn secs(t: i64) -> UnixTime {
    UnixTime::from_secs(t)
}

fn sha256_hex(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// `f` until it succeeds, for at most `within`.
async fn eventually<T>(
    within: Duration,
    mut f: impl AsyncFnMut() -> Result<T, StoreError>,
) -> (T, Duration) {
    let start = Instant::now();
    loop {
        match f().await {
            Ok(value) => return (value, start.elapsed()),
            Err(err) => assert!(
                start.elapsed() < within,
                "still failing after {within:?}: {err}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Asserts that `result` is `Unavailable`, and came within the deadline.
fn assert_unavailable<T: std::fmt::Debug>(result: Result<T, StoreError>, took: Duration) {
    assert!(
        matches!(result, Err(StoreError::Unavailable { .. })),
        "{result:?}"
    );
    assert!(
        took < TIMEOUT * 3,
        "took {took:?}, the deadline is {TIMEOUT:?}"
    );
}

#[tokio::test]
async fn revoke_and_lookup_round_trip_with_the_documented_keys() {
    let server = RedisServer::start();
    let store = store(&server.url());
    let now = UnixTime::now();
    let hour = secs(now.as_secs() + 3600);

    assert_eq!(
        store.lookup(Some(id(1)), Some("42"), now).await,
        Ok(Lookup::default())
    );
    store.revoke_session(id(1), Some(hour), now).await.unwrap();
    store.revoke_session(id(2), None, now).await.unwrap();
    store
        .revoke_subject("42", secs(1_700_000_000), Some(hour), now)
        .await
        .unwrap();
    let odd = "user\n\u{0}with spaces, ünicode and {braces}".repeat(100);
    store
        .revoke_subject(&odd, secs(-5), None, now)
        .await
        .unwrap();

    let both = store.lookup(Some(id(1)), Some("42"), now).await.unwrap();
    assert!(both.session_revoked());
    assert_eq!(both.subject_through(), Some(secs(1_700_000_000)));
    let only_id = store.lookup(Some(id(2)), None, now).await.unwrap();
    assert_eq!(only_id, Lookup::new(true, None));
    let only_subject = store.lookup(None, Some(&odd), now).await.unwrap();
    assert_eq!(only_subject, Lookup::new(false, Some(secs(-5))));
    let neither = store.lookup(Some(id(3)), Some("43"), now).await.unwrap();
    assert_eq!(neither, Lookup::default());

    // The layout the module docs promise, and the TTL rule: until - now,
    // plus the last second; no expiry without `until`.
    let mut conn = raw(&server);
    let session_key = format!("{PREFIX}s:{}", "01".repeat(16));
    let subject_key = format!("{PREFIX}u:{}", sha256_hex("42"));
    let odd_key = format!("{PREFIX}u:{}", sha256_hex(&odd));
    assert_eq!(query::<String>(&mut conn, &["GET", &session_key]), "1");
    assert_eq!(
        query::<String>(&mut conn, &["GET", &subject_key]),
        "1700000000"
    );
    assert_eq!(query::<String>(&mut conn, &["GET", &odd_key]), "-5");
    let ttl: i64 = query(&mut conn, &["TTL", &session_key]);
    assert!((3595..=3601).contains(&ttl), "{ttl}");
    let ttl: i64 = query(&mut conn, &["TTL", &subject_key]);
    assert!((3595..=3601).contains(&ttl), "{ttl}");
    let forever = format!("{PREFIX}s:{}", "02".repeat(16));
    assert_eq!(query::<i64>(&mut conn, &["TTL", &forever]), -1);
    assert_eq!(query::<i64>(&mut conn, &["TTL", &odd_key]), -1);
    assert_eq!(query::<i64>(&mut conn, &["DBSIZE"]), 4);
}

#[tokio::test]
async fn the_key_prefix_is_the_configured_one() {
    let server = RedisServer::start();
    let store = RedisStore::new(
        RedisConfig::from_url(&server.url())
            .unwrap()
            .with_key_prefix("shop:"),
    )
    .unwrap();
    let now = UnixTime::now();
    store.revoke_session(id(9), None, now).await.unwrap();
    store.revoke_subject("a", now, None, now).await.unwrap();
    let mut conn = raw(&server);
    let mut keys: Vec<String> = query(&mut conn, &["KEYS", "*"]);
    keys.sort();
    assert_eq!(
        keys,
        [
            format!("shop:s:{}", "09".repeat(16)),
            format!("shop:u:{}", sha256_hex("a")),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_subject_cutoff_only_moves_forward_even_concurrently() {
    let server = RedisServer::start();
    let store = Arc::new(store(&server.url()));
    let now = UnixTime::now();
    let base = 1_700_000_000_i64;

    // 200 revocations of one subject at once, from tasks on four threads,
    // with cutoffs in a scrambled order: the largest must win.
    let tasks: Vec<_> = (0..200_i64)
        .map(|i| {
            let store = Arc::clone(&store);
            let through = base + (i * 7919) % 200;
            tokio::spawn(async move {
                store
                    .revoke_subject("alice", secs(through), None, now)
                    .await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().unwrap();
    }
    let through = |store: Arc<RedisStore>| async move {
        store
            .lookup(None, Some("alice"), now)
            .await
            .unwrap()
            .subject_through()
    };
    assert_eq!(through(Arc::clone(&store)).await, Some(secs(base + 199)));

    // A later call with an earlier cutoff does not move it back.
    store
        .revoke_subject("alice", secs(base), None, now)
        .await
        .unwrap();
    assert_eq!(through(Arc::clone(&store)).await, Some(secs(base + 199)));
    store
        .revoke_subject("alice", secs(base + 500), None, now)
        .await
        .unwrap();
    assert_eq!(through(Arc::clone(&store)).await, Some(secs(base + 500)));
}

#[tokio::test]
async fn the_later_expiry_wins_and_no_expiry_is_the_latest() {
    let server = RedisServer::start();
    let store = store(&server.url());
    let mut conn = raw(&server);
    let now = UnixTime::now();
    let at = |offset: i64| Some(secs(now.as_secs() + offset));
    let key = format!("{PREFIX}u:{}", sha256_hex("bob"));
    let ttl = |conn: &mut redis::Connection| query::<i64>(conn, &["TTL", &key]);

    store
        .revoke_subject("bob", now, at(1000), now)
        .await
        .unwrap();
    assert!((995..=1001).contains(&ttl(&mut conn)));
    // A shorter expiry, even with a later cutoff, keeps the longer one.
    store
        .revoke_subject("bob", secs(now.as_secs() + 1), at(10), now)
        .await
        .unwrap();
    assert!((995..=1001).contains(&ttl(&mut conn)));
    assert_eq!(
        query::<String>(&mut conn, &["GET", &key]),
        (now.as_secs() + 1).to_string()
    );
    store
        .revoke_subject("bob", now, at(5000), now)
        .await
        .unwrap();
    assert!((4995..=5001).contains(&ttl(&mut conn)));
    store.revoke_subject("bob", now, None, now).await.unwrap();
    assert_eq!(ttl(&mut conn), -1);
    store.revoke_subject("bob", now, at(10), now).await.unwrap();
    assert_eq!(ttl(&mut conn), -1, "no expiry stays no expiry");

    // Sessions follow the same rule.
    store.revoke_session(id(5), at(1000), now).await.unwrap();
    store.revoke_session(id(5), at(10), now).await.unwrap();
    let session_ttl: i64 = query(
        &mut conn,
        &["TTL", &format!("{PREFIX}s:{}", "05".repeat(16))],
    );
    assert!((995..=1001).contains(&session_ttl), "{session_ttl}");
}

#[tokio::test]
async fn records_expire_in_redis_when_no_longer_needed() {
    let server = RedisServer::start();
    let store = store(&server.url());
    let mut conn = raw(&server);
    let now = UnixTime::now();
    let soon = Some(secs(now.as_secs() + 2));

    store.revoke_session(id(1), soon, now).await.unwrap();
    store.revoke_subject("carol", now, soon, now).await.unwrap();
    // Already past: kept the minimum of one second, then gone.
    store
        .revoke_session(id(2), Some(secs(now.as_secs() - 100)), now)
        .await
        .unwrap();
    assert_eq!(server.dbsize(), 3);
    assert!(
        store
            .lookup(Some(id(1)), Some("carol"), now)
            .await
            .unwrap()
            .revokes(now)
    );

    // TTL 3 s (2 s, plus the last second): all gone within a few seconds.
    let start = Instant::now();
    while server.dbsize() > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(8),
            "keys left: {:?}",
            query::<Vec<String>>(&mut conn, &["KEYS", "*"])
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        start.elapsed() >= Duration::from_millis(1500),
        "{:?}",
        start.elapsed()
    );
    let later = UnixTime::now();
    assert_eq!(
        store.lookup(Some(id(1)), Some("carol"), later).await,
        Ok(Lookup::default())
    );
}

/// `total_commands_processed` from INFO (the INFO itself counted).
fn commands_processed(conn: &mut redis::Connection) -> u64 {
    let info: String = query(conn, &["INFO", "stats"]);
    info.lines()
        .find_map(|line| line.strip_prefix("total_commands_processed:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_lookup_is_one_command_and_none_without_id_or_subject() {
    let mut server = RedisServer::start();
    // One connection, so that its set-up commands are all done by the
    // first call.
    let store = RedisStore::new(
        RedisConfig::from_url(&server.url())
            .unwrap()
            .with_pool_size(1)
            .with_command_timeout(TIMEOUT),
    )
    .unwrap();
    let now = UnixTime::now();
    store.revoke_session(id(1), None, now).await.unwrap();
    let mut conn = raw(&server);

    let before = commands_processed(&mut conn);
    let lookup = store.lookup(Some(id(1)), Some("dave"), now).await.unwrap();
    assert_eq!(lookup, Lookup::new(true, None));
    let after = commands_processed(&mut conn);
    assert_eq!(after - before, 2, "the lookup's one MGET, and one INFO");

    assert_eq!(store.lookup(None, None, now).await, Ok(Lookup::default()));
    assert_eq!(commands_processed(&mut conn) - after, 1, "only the INFO");

    // Nothing is sent, so it works with Redis down, and at once.
    server.stop();
    let start = Instant::now();
    assert_eq!(store.lookup(None, None, now).await, Ok(Lookup::default()));
    assert!(start.elapsed() < Duration::from_millis(50));
}

#[tokio::test]
async fn with_redis_down_every_call_is_unavailable_within_the_deadline() {
    let mut server = RedisServer::start();
    let store = store(&server.url());
    let now = UnixTime::now();
    store.revoke_session(id(1), None, now).await.unwrap();
    server.stop();

    // Several rounds: the first finds the connection broken, the later
    // ones wait on reconnection attempts; each ends within the deadline.
    for _ in 0..3 {
        let start = Instant::now();
        let result = store.lookup(Some(id(1)), Some("erin"), now).await;
        assert_unavailable(result, start.elapsed());
        let start = Instant::now();
        let result = store.revoke_session(id(2), None, now).await;
        assert_unavailable(result, start.elapsed());
        let start = Instant::now();
        let result = store.revoke_subject("erin", now, None, now).await;
        assert_unavailable(result, start.elapsed());
    }
}

#[tokio::test]
async fn a_server_that_stops_answering_is_unavailable_within_the_deadline() {
    // A listener that accepts and never answers: a hung Redis.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let store = store(&format!("redis://127.0.0.1:{port}"));
    let start = Instant::now();
    let result = store.lookup(Some(id(1)), None, UnixTime::now()).await;
    assert_unavailable(result, start.elapsed());
    drop(listener);
}

#[tokio::test]
async fn the_same_store_works_again_after_redis_restarts() {
    let mut server = RedisServer::start();
    let store = store(&server.url());
    let now = UnixTime::now();
    store.revoke_session(id(1), None, now).await.unwrap();

    // An outage the store saw.
    server.stop();
    let start = Instant::now();
    let result = store.lookup(Some(id(1)), None, now).await;
    assert_unavailable(result, start.elapsed());
    server.restart();
    let (_, took) = eventually(Duration::from_secs(5), async || {
        store.revoke_session(id(2), None, now).await
    })
    .await;
    eprintln!("recovered {took:?} after the restart");
    assert!(took < Duration::from_secs(2), "{took:?}");
    // A new, empty server: the old record is gone, the new one is there.
    let lookup = store.lookup(Some(id(2)), None, now).await.unwrap();
    assert!(lookup.session_revoked());

    // A restart between two calls is not even seen: every connection of
    // the pool finds its socket closed, reconnects and tries once more.
    server.restart();
    for byte in 0..8 {
        assert_eq!(
            store.lookup(Some(id(byte)), None, now).await,
            Ok(Lookup::default())
        );
    }
}

#[tokio::test]
async fn a_store_made_while_redis_is_down_works_once_it_comes_up() {
    let port = free_port();
    let store = store(&format!("redis://127.0.0.1:{port}/0"));
    let now = UnixTime::now();
    for _ in 0..2 {
        let start = Instant::now();
        let result = store.lookup(Some(id(1)), None, now).await;
        assert_unavailable(result, start.elapsed());
    }

    let server = RedisServer::start_on(port, &[]);
    assert_eq!(server.port(), port);
    let (_, took) = eventually(Duration::from_secs(5), async || {
        store.revoke_session(id(1), None, now).await
    })
    .await;
    eprintln!("connected {took:?} after Redis came up");
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert!(
        store
            .lookup(Some(id(1)), None, now)
            .await
            .unwrap()
            .session_revoked()
    );
}

#[tokio::test]
async fn errors_never_show_the_password() {
    let port = free_port();
    let _server = RedisServer::start_on(port, &["--requirepass", "right-pa55"]);
    let now = UnixTime::now();

    let good = store(&format!("redis://:right-pa55@127.0.0.1:{port}/0"));
    good.revoke_session(id(1), None, now).await.unwrap();
    assert!(
        good.lookup(Some(id(1)), None, now)
            .await
            .unwrap()
            .session_revoked()
    );

    let wrong = store(&format!("redis://:wrong-pa55@127.0.0.1:{port}/0"));
    let err = wrong.lookup(Some(id(1)), None, now).await.unwrap_err();
    let shown = format!("{err} {err:?} {wrong:?}");
    assert!(matches!(err, StoreError::Unavailable { .. }), "{shown}");
    assert!(!shown.contains("pa55"), "{shown}");
    eprintln!("wrong password: {err}");

    let none = store(&format!("redis://127.0.0.1:{port}/0"));
    let err = none.lookup(Some(id(1)), None, now).await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err}");
    eprintln!("no password: {err}");
}

#[tokio::test]
async fn a_subject_record_that_is_not_a_number_is_not_read_as_no_cutoff() {
    let server = RedisServer::start();
    let store = store(&server.url());
    let mut conn = raw(&server);
    let key = format!("{PREFIX}u:{}", sha256_hex("mallory"));
    let _: () = query(&mut conn, &["SET", &key, "soon"]);
    let err = store
        .lookup(None, Some("mallory"), UnixTime::now())
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unavailable { .. }), "{err}");
}

/// Two engines sharing one key ring and one Redis: two nodes of a fleet.
fn node(server: &RedisServer, ring: &NativeKeyRing) -> SessionEngine {
    SessionEngine::native(ring, NativeConfig::ENCRYPTED, SessionConfig::DJANGO)
        .unwrap()
        .with_revocation(Revocation::new(store(&server.url())).with_subject_key("user_id"))
}

async fn user_on(engine: &SessionEngine, cookie: &str) -> Option<u64> {
    let request = engine.start([cookie.as_bytes()]);
    request.handle().load().await;
    request.handle().get("user_id").unwrap()
}

#[tokio::test]
async fn a_logout_on_one_node_holds_on_another() {
    let mut server = RedisServer::start();
    let ring = NativeKeyRing::new(MasterKey::generate("k1").unwrap());
    let (a, b) = (node(&server, &ring), node(&server, &ring));

    let mut session = Session::new();
    session.insert("user_id", 42).unwrap();
    let copy = a.cookie_header(&session).unwrap();
    let other_device = a.cookie_header(&session).unwrap();
    let someone_else = {
        let mut session = Session::new();
        session.insert("user_id", 7).unwrap();
        a.cookie_header(&session).unwrap()
    };
    assert_eq!(user_on(&b, &copy).await, Some(42));

    // Logout on node A; the copy is refused on node B.
    let request = a.start([copy.as_bytes()]);
    request.handle().load().await;
    request.handle().flush();
    let response = request.finish(303).await;
    assert!(response.error().is_none(), "{:?}", response.error());
    assert_eq!(user_on(&b, &copy).await, None);
    assert_eq!(user_on(&b, &other_device).await, Some(42));

    // "Log out everywhere" on B refuses the other device on A.
    let request = b.start([other_device.as_bytes()]);
    request.handle().load().await;
    request.handle().flush_everywhere();
    assert!(request.finish(303).await.error().is_none());
    assert_eq!(user_on(&a, &other_device).await, None);
    assert_eq!(user_on(&a, &someone_else).await, Some(7));

    // Redis down: checks fail closed (anonymous), then work again.
    server.stop();
    let start = Instant::now();
    assert_eq!(user_on(&a, &someone_else).await, None);
    assert!(start.elapsed() < TIMEOUT * 3, "{:?}", start.elapsed());
    server.restart();
    let start = Instant::now();
    while user_on(&a, &someone_else).await.is_none() {
        assert!(start.elapsed() < Duration::from_secs(5));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
