//! Revocation through the framework-free engine, with the in-memory store
//! and a store that does not answer: what a logout, "log out everywhere"
//! and an outage do to a copy of the cookie (`session_cookie::revoke`).
//! `tests/http_login.rs` drives the same through the example site on every
//! framework; `tests/fleet.rs` across two servers and a real Redis.

// Test code: a failed unwrap is the failure report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

use session_cookie::engine::{SessionConfig, SessionEngine};
use session_cookie::revoke::{
    Lookup, MemoryStore, Revocation, RevocationStore, StoreError, StoreFuture, WhenUnreachable,
};
use session_cookie::{
    Limits, MasterKey, NativeConfig, NativeKeyRing, Session, SessionId, UnixTime, inspect,
};

const T0: i64 = 1_800_000_000;

fn ring() -> NativeKeyRing {
    let bytes: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(31) ^ 7).collect();
    NativeKeyRing::new(MasterKey::new("k1", bytes).unwrap())
}

/// An engine whose clock the test moves, with `revocation`.
fn engine(clock: &Arc<AtomicI64>, revocation: Revocation) -> SessionEngine {
    let clock = Arc::clone(clock);
    SessionEngine::native(
        &ring(),
        NativeConfig::ENCRYPTED.with_max_lifetime(Some(30 * 86_400)),
        SessionConfig::DJANGO,
    )
    .unwrap()
    .with_clock(move || UnixTime::from_secs(clock.load(Ordering::SeqCst)))
    .with_revocation(revocation.with_subject_key("user_id"))
}

fn alice() -> Session {
    let mut session = Session::new();
    session.insert("user_id", 42).unwrap();
    session
}

/// The session a request with `cookie` sees, once loaded.
async fn seen(engine: &SessionEngine, cookie: &str) -> Session {
    let request = engine.start([cookie.as_bytes()]);
    request.handle().load().await;
    let session = Session::clone(&request.handle().lock());
    let _ = request.finish(200).await;
    session
}

/// Logs `cookie` out (`everywhere` or not); returns the response's cookies.
async fn log_out(engine: &SessionEngine, cookie: &str, everywhere: bool) -> Vec<String> {
    let request = engine.start([cookie.as_bytes()]);
    request.handle().load().await;
    if everywhere {
        request.handle().flush_everywhere();
    } else {
        request.handle().flush();
    }
    let sent = request.finish(303).await;
    assert!(sent.error().is_none(), "{:?}", sent.error());
    sent.set_cookie().to_vec()
}

#[tokio::test]
async fn a_logout_refuses_every_copy_until_the_token_could_have_expired() {
    let clock = Arc::new(AtomicI64::new(T0));
    let store = Arc::new(MemoryStore::new(100));
    let engine = engine(&clock, Revocation::new(Arc::clone(&store)));
    let cookie = engine.cookie_header(&alice()).unwrap();
    assert_eq!(
        seen(&engine, &cookie).await.get::<u32>("user_id").unwrap(),
        Some(42)
    );

    let deleted = log_out(&engine, &cookie, false).await;
    assert!(deleted[0].starts_with("sessionid=;"), "{deleted:?}");
    assert_eq!(store.len(), 1);

    // The copy: an empty session, and its cookie is deleted.
    let request = engine.start([cookie.as_bytes()]);
    request.handle().load().await;
    assert!(request.handle().is_empty());
    let sent = request.finish(200).await;
    assert!(sent.set_cookie()[0].contains("Max-Age=0"));
    assert_eq!(store.len(), 1, "a revoked session is not recorded twice");

    // Another session of the same user is not affected.
    let other = engine.cookie_header(&alice()).unwrap();
    assert!(!seen(&engine, &other).await.is_empty());

    // The record is kept exactly as long as the token could be accepted:
    // the idle age (Django's two weeks) and the clock skew after the logout.
    let last = T0 + 1_209_600 + 60;
    clock.store(last, Ordering::SeqCst);
    let lookup = store
        .lookup(Some(session_id(&cookie)), None, UnixTime::from_secs(last))
        .await
        .unwrap();
    assert!(lookup.session_revoked());
    let after = UnixTime::from_secs(last + 1);
    let lookup = store.lookup(Some(session_id(&cookie)), None, after).await;
    assert!(!lookup.unwrap().session_revoked());
}

/// The session id of the session in `cookie` (a `sessionid=…` header).
fn session_id(cookie: &str) -> SessionId {
    let value = cookie.strip_prefix("sessionid=").unwrap();
    inspect(value, Limits::DEFAULT)
        .unwrap()
        .native()
        .unwrap()
        .session_id
}

#[tokio::test]
async fn a_re_issued_session_keeps_its_id_and_is_revoked_with_it() {
    let clock = Arc::new(AtomicI64::new(T0));
    let engine = engine(&clock, Revocation::new(MemoryStore::new(100)));
    let first = engine.cookie_header(&alice()).unwrap();
    // A later request changes the session: a new token, the same session.
    clock.store(T0 + 100, Ordering::SeqCst);
    let request = engine.start([first.as_bytes()]);
    request.handle().load().await;
    request.handle().insert("theme", "dark").unwrap();
    let sent = request.finish(200).await;
    let second = sent.set_cookie()[0].split(';').next().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(session_id(&first), session_id(&second));

    log_out(&engine, &second, false).await;
    assert!(
        seen(&engine, &first).await.is_empty(),
        "the older token too"
    );
}

#[tokio::test]
async fn log_out_everywhere_ends_the_subjects_sessions_up_to_its_second() {
    let clock = Arc::new(AtomicI64::new(T0));
    let engine = engine(&clock, Revocation::new(MemoryStore::new(100)));
    let laptop = engine.cookie_header(&alice()).unwrap();
    clock.store(T0 + 10, Ordering::SeqCst);
    let phone = engine.cookie_header(&alice()).unwrap();
    let mut bob = Session::new();
    bob.insert("user_id", "bob").unwrap();
    let bobs = engine.cookie_header(&bob).unwrap();
    // The same second as the revocation: refused too (whole seconds).
    clock.store(T0 + 20, Ordering::SeqCst);
    let same_second = engine.cookie_header(&alice()).unwrap();

    log_out(&engine, &phone, true).await;
    for cookie in [&laptop, &phone, &same_second] {
        assert!(seen(&engine, cookie).await.is_empty());
    }
    assert!(!seen(&engine, &bobs).await.is_empty(), "another subject");

    // A login in the next second is a session of its own.
    clock.store(T0 + 21, Ordering::SeqCst);
    let again = engine.cookie_header(&alice()).unwrap();
    assert_eq!(
        seen(&engine, &again).await.get::<u32>("user_id").unwrap(),
        Some(42)
    );

    // And from outside a request, as an administrator would.
    clock.store(T0 + 30, Ordering::SeqCst);
    engine.revoke_subject("42").await.unwrap();
    assert!(seen(&engine, &again).await.is_empty());
}

#[tokio::test]
async fn a_login_in_an_older_anonymous_session_survives_an_earlier_log_out_everywhere() {
    let clock = Arc::new(AtomicI64::new(T0));
    let engine = engine(&clock, Revocation::new(MemoryStore::new(100)));
    // An anonymous session from before the revocation (a CSRF token).
    let mut anonymous = Session::new();
    anonymous.insert("_csrf", "token").unwrap();
    let anonymous = engine.cookie_header(&anonymous).unwrap();
    let other_device = engine.cookie_header(&alice()).unwrap();
    clock.store(T0 + 5, Ordering::SeqCst);
    log_out(&engine, &other_device, true).await;

    // The login cycles the session: it starts now, after the revocation.
    clock.store(T0 + 6, Ordering::SeqCst);
    let request = engine.start([anonymous.as_bytes()]);
    request.handle().load().await;
    request.handle().cycle_id();
    request.handle().insert("user_id", 42).unwrap();
    let sent = request.finish(303).await;
    let logged_in = sent.set_cookie()[0].split(';').next().unwrap().to_owned();
    assert_ne!(session_id(&logged_in), session_id(&anonymous));
    assert_eq!(
        seen(&engine, &logged_in)
            .await
            .get::<u32>("user_id")
            .unwrap(),
        Some(42)
    );

    // Without the cycle the old first-issue time would have been kept, and
    // the login refused with the sessions it came after.
    let request = engine.start([anonymous.as_bytes()]);
    request.handle().load().await;
    request.handle().insert("user_id", 42).unwrap();
    let sent = request.finish(303).await;
    let uncycled = sent.set_cookie()[0].split(';').next().unwrap().to_owned();
    assert_eq!(session_id(&uncycled), session_id(&anonymous));
    assert!(seen(&engine, &uncycled).await.is_empty());
}

/// A store that is down while `down` is set, and otherwise the memory
/// store it wraps.
struct Flaky {
    down: AtomicBool,
    inner: MemoryStore,
}

impl Flaky {
    /// `call`'s answer, or an outage while `down` is set.
    fn unless_down<'a, T: Send + 'a>(
        &self,
        call: impl FnOnce() -> StoreFuture<'a, T>,
    ) -> StoreFuture<'a, T> {
        if self.down.load(Ordering::SeqCst) {
            Box::pin(async { Err(StoreError::unavailable("connection refused")) })
        } else {
            call()
        }
    }
}

impl RevocationStore for Flaky {
    fn revoke_session(
        &self,
        id: SessionId,
        until: Option<UnixTime>,
        now: UnixTime,
    ) -> StoreFuture<'_, ()> {
        self.unless_down(|| self.inner.revoke_session(id, until, now))
    }

    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        through: UnixTime,
        until: Option<UnixTime>,
        now: UnixTime,
    ) -> StoreFuture<'a, ()> {
        self.unless_down(|| self.inner.revoke_subject(subject, through, until, now))
    }

    fn lookup<'a>(
        &'a self,
        id: Option<SessionId>,
        subject: Option<&'a str>,
        now: UnixTime,
    ) -> StoreFuture<'a, Lookup> {
        self.unless_down(|| self.inner.lookup(id, subject, now))
    }
}

fn flaky() -> Arc<Flaky> {
    Arc::new(Flaky {
        down: AtomicBool::new(false),
        inner: MemoryStore::new(100),
    })
}

#[tokio::test]
async fn fail_closed_hides_the_session_during_an_outage_and_keeps_its_cookie() {
    let clock = Arc::new(AtomicI64::new(T0));
    let store = flaky();
    let engine = engine(&clock, Revocation::new(Arc::clone(&store)));
    let cookie = engine.cookie_header(&alice()).unwrap();
    store.down.store(true, Ordering::SeqCst);

    let request = engine.start([cookie.as_bytes()]);
    request.handle().load().await;
    assert!(request.handle().is_empty(), "anonymous while unchecked");
    let sent = request.finish(200).await;
    assert!(sent.set_cookie().is_empty(), "the cookie is kept");
    assert!(sent.error().is_none());

    store.down.store(false, Ordering::SeqCst);
    assert!(
        !seen(&engine, &cookie).await.is_empty(),
        "back after the outage"
    );
}

#[tokio::test]
async fn a_logout_during_an_outage_deletes_the_cookie_and_says_it_was_not_recorded() {
    let clock = Arc::new(AtomicI64::new(T0));
    let store = flaky();
    let engine = engine(&clock, Revocation::new(Arc::clone(&store)));
    let cookie = engine.cookie_header(&alice()).unwrap();
    store.down.store(true, Ordering::SeqCst);

    let request = engine.start([cookie.as_bytes()]);
    request.handle().load().await;
    request.handle().flush();
    let sent = request.finish(303).await;
    assert!(sent.set_cookie()[0].contains("Max-Age=0"));
    let err = sent.error().expect("reported");
    assert!(err.store_error().is_some(), "{err}");
    assert!(!sent.error_response(), "the default keeps the response");

    // With error responses on, the adapter answers 500 instead.
    let strict = engine.clone().with_error_response(true);
    let request = strict.start([cookie.as_bytes()]);
    request.handle().load().await;
    request.handle().flush();
    assert!(request.finish(303).await.error_response());
}

#[tokio::test]
async fn fail_open_accepts_the_session_unchecked() {
    let clock = Arc::new(AtomicI64::new(T0));
    let store = flaky();
    let revocation =
        Revocation::new(Arc::clone(&store)).when_unreachable(WhenUnreachable::FailOpen);
    let engine = engine(&clock, revocation);
    let cookie = engine.cookie_header(&alice()).unwrap();
    log_out(&engine, &cookie, false).await;
    store.down.store(true, Ordering::SeqCst);
    assert!(
        !seen(&engine, &cookie).await.is_empty(),
        "a logged-out copy works while the store is down: what fail-open means"
    );
}

#[tokio::test]
async fn a_synchronous_use_before_load_counts_as_unanswered() {
    let clock = Arc::new(AtomicI64::new(T0));
    let engine = engine(&clock, Revocation::new(MemoryStore::new(100)));
    let cookie = engine.cookie_header(&alice()).unwrap();
    let request = engine.start([cookie.as_bytes()]);
    assert!(request.handle().is_empty(), "fail closed");
    // A later load changes nothing: the handler has seen the session.
    request.handle().load().await;
    assert!(request.handle().is_empty());
    assert!(request.finish(200).await.set_cookie().is_empty());
}

#[tokio::test]
async fn a_full_store_refuses_the_record_and_the_logout_says_so() {
    let clock = Arc::new(AtomicI64::new(T0));
    let engine = engine(&clock, Revocation::new(MemoryStore::new(1)));
    let first = engine.cookie_header(&alice()).unwrap();
    let second = engine.cookie_header(&alice()).unwrap();
    log_out(&engine, &first, false).await;
    let request = engine.start([second.as_bytes()]);
    request.handle().load().await;
    request.handle().flush();
    let sent = request.finish(303).await;
    assert_eq!(
        sent.error().and_then(|err| err.store_error()),
        Some(&StoreError::Full { capacity: 1 })
    );
}
