//! Heap allocations and bytes per encode and per decode, counted by a
//! global allocator that wraps the system one.
//!
//! `cargo bench --bench allocations` prints one line per operation and
//! payload: `allocations/<op>/<payload> <count> allocs <bytes> bytes`.

#![allow(clippy::expect_used)] // setup failures are broken benchmarks

use serde_json::{Map, Value};
use session_cookie::{
    Codec, DjangoCodec, DjangoConfig, MasterKey, NativeCodec, NativeConfig, NativeKeyRing,
    SecretKeys, Session, UnixTime,
};

#[path = "payloads/mod.rs"]
mod payloads;

// dhat's allocator counts every allocation; the crate forbids unsafe code,
// so a hand-written counting allocator is not an option.
#[global_allocator]
static ALLOC: dhat::Alloc = dhat::Alloc;

fn count<T>(label: &str, mut f: impl FnMut() -> T) {
    drop(f()); // warm up thread-locals and lazy statics
    let before = dhat::HeapStats::get();
    let out = f();
    let after = dhat::HeapStats::get();
    drop(out);
    println!(
        "allocations/{label} {} allocs {} bytes",
        after.total_blocks - before.total_blocks,
        after.total_bytes - before.total_bytes
    );
}

fn main() {
    let _profiler = dhat::Profiler::builder().testing().build();
    let now = UnixTime::from_secs(1_700_000_000);
    let ring =
        SecretKeys::new("django-insecure-benchmark-secret-key-0123456789abcdef").expect("ring");
    let django = DjangoCodec::new(&ring, DjangoConfig::SESSIONS.with_compress(false));
    let key = MasterKey::new(
        "k0",
        (0..32u8)
            .map(|i| i.wrapping_mul(31).wrapping_add(1))
            .collect(),
    )
    .expect("key");
    let native_ring = NativeKeyRing::new(key);
    let signed = NativeCodec::new(
        &native_ring,
        NativeConfig::SIGNED.with_max_cookie_bytes(1 << 16),
    )
    .expect("codec");
    let encrypted = NativeCodec::new(
        &native_ring,
        NativeConfig::ENCRYPTED.with_max_cookie_bytes(1 << 16),
    )
    .expect("codec");
    assert!(payloads::small().is_object());
    for (name, value) in payloads::all() {
        let map: Map<String, Value> = serde_json::from_value(value).expect("object");
        let session = Session::from(map);
        let cookie = django.encode_at(&session, now).expect("encode");
        let mut buffer = String::with_capacity(cookie.len());
        count(&format!("django_encode/{name}"), || {
            Codec::encode_at(&django, &session, None, now)
        });
        count(&format!("django_encode_into/{name}"), || {
            buffer.clear();
            django.encode_into(&session, now, &mut buffer)
        });
        count(&format!("django_decode/{name}"), || {
            django.decode_session_at(&cookie, now)
        });
        let token = signed.encode_at(&session, now).expect("encode");
        count(&format!("native_signed_encode/{name}"), || {
            Codec::encode_at(&signed, &session, None, now)
        });
        count(&format!("native_signed_decode/{name}"), || {
            signed.decode_session_at(&token, now)
        });
        let token = encrypted.encode_at(&session, now).expect("encode");
        count(&format!("native_encrypted_encode/{name}"), || {
            Codec::encode_at(&encrypted, &session, None, now)
        });
        count(&format!("native_encrypted_decode/{name}"), || {
            encrypted.decode_session_at(&token, now)
        });
    }
}
