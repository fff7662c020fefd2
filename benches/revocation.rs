//! What revocation costs a request that reads the session: the engine's
//! whole request (start, load, read `user_id`, finish) for a logged-in
//! native encrypted session, without a store, with the in-memory store
//! (holding 10,000 revoked sessions), and with Redis on loopback (a real
//! `redis-server`, started here; `tests/support/redis.rs`).
//!
//! `cargo bench --bench revocation --features redis`; BENCHMARKS.md has
//! the method and the numbers.

#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)] // setup failures are broken benchmarks

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use session_cookie::engine::{SessionConfig, SessionEngine};
use session_cookie::revoke::{MemoryStore, Revocation, RevocationStore};
use session_cookie::{MasterKey, NativeConfig, NativeKeyRing, Session, SessionId, UnixTime};

#[cfg(feature = "redis")]
#[allow(dead_code, unreachable_pub)]
#[path = "../tests/support/redis.rs"]
mod redis_server;

fn ring() -> NativeKeyRing {
    let bytes: Vec<u8> = (0..32u8).map(|i| i.wrapping_mul(31) ^ 3).collect();
    NativeKeyRing::new(MasterKey::new("k1", bytes).expect("benchmark key"))
}

fn engine(revocation: Option<Revocation>) -> SessionEngine {
    let engine = SessionEngine::native(&ring(), NativeConfig::ENCRYPTED, SessionConfig::DJANGO)
        .expect("engine");
    match revocation {
        Some(revocation) => engine.with_revocation(revocation.with_subject_key("user_id")),
        None => engine,
    }
}

/// One request that reads `user_id` and changes nothing.
async fn request(engine: &SessionEngine, cookie: &str) -> Option<u64> {
    let request = engine.start([cookie.as_bytes()]);
    request.handle().load().await;
    let user_id = request.handle().get::<u64>("user_id").ok().flatten();
    black_box(request.finish(200).await);
    user_id
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut session = Session::new();
    session.insert("user_id", 42).expect("insert");
    let mut group = c.benchmark_group("revocation/read user_id");

    let plain = engine(None);
    let cookie = plain.cookie_header(&session).expect("cookie");
    group.bench_function("no store", |b| {
        b.iter(|| runtime.block_on(request(&plain, &cookie)));
    });

    let memory = MemoryStore::new(100_000);
    let now = UnixTime::now();
    let until = Some(UnixTime::from_secs(now.as_secs() + 3_600));
    runtime.block_on(async {
        for n in 0..10_000u32 {
            let mut id = [0u8; 16];
            id[..4].copy_from_slice(&n.to_be_bytes());
            let id = SessionId::from_bytes(id);
            memory.revoke_session(id, until, now).await.expect("record");
        }
    });
    let with_memory = engine(Some(Revocation::new(memory)));
    let cookie = with_memory.cookie_header(&session).expect("cookie");
    assert_eq!(runtime.block_on(request(&with_memory, &cookie)), Some(42));
    group.bench_function("memory store", |b| {
        b.iter(|| runtime.block_on(request(&with_memory, &cookie)));
    });

    #[cfg(feature = "redis")]
    {
        use session_cookie::revoke::{RedisConfig, RedisStore};
        let server = redis_server::RedisServer::start();
        let config = RedisConfig::from_url(&server.url()).expect("redis url");
        let store = runtime
            .block_on(async { RedisStore::new(config) })
            .expect("redis store");
        let with_redis = engine(Some(Revocation::new(store)));
        let cookie = with_redis.cookie_header(&session).expect("cookie");
        assert_eq!(runtime.block_on(request(&with_redis, &cookie)), Some(42));
        group.bench_function("redis on loopback", |b| {
            b.iter(|| runtime.block_on(request(&with_redis, &cookie)));
        });
        drop(server);
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
