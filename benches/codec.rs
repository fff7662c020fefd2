//! Speed of the codecs beside their peers and the hardware floor, all in
//! one run so that ratios are taken on the same machine at the same time.
//!
//! `cargo bench --bench codec`; `scripts/bench_report.py` turns criterion's
//! output into the tables of BENCHMARKS.md, the chart and a JSON of ratios.

#![allow(clippy::expect_used, clippy::indexing_slicing)] // setup failures are broken benchmarks

use std::hint::black_box;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cookie::{Cookie, CookieJar, Key};
use criterion::{Criterion, criterion_group, criterion_main};
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value};
#[cfg(feature = "flask")]
use session_cookie::FlaskCodec;
use session_cookie::{
    Codec, DjangoCodec, DjangoConfig, KeyState, MasterKey, NativeCodec, NativeConfig,
    NativeKeyRing, SecretKeys, Session, UnixTime,
};
use sha2::Sha256;

#[path = "payloads/mod.rs"]
mod payloads;

const NOW: UnixTime = UnixTime::from_secs(1_700_000_000);
const SECRET: &str = "django-insecure-benchmark-secret-key-0123456789abcdef";

fn master(id: &str, byte: u8) -> MasterKey {
    let bytes: Vec<u8> = (0..32u8)
        .map(|i| i.wrapping_mul(31).wrapping_add(byte))
        .collect();
    MasterKey::new(id, bytes).expect("benchmark key")
}

fn native(config: NativeConfig) -> NativeCodec {
    let config = config.with_max_cookie_bytes(64 * 1024);
    NativeCodec::new(&NativeKeyRing::new(master("k0", 1)), config).expect("codec")
}

fn session(value: &Value) -> Session {
    let map: Map<String, Value> = serde_json::from_value(value.clone()).expect("object");
    Session::from(map)
}

/// Ours: every format and mode, encode and decode, per payload size.
fn codecs(c: &mut Criterion) {
    let ring = SecretKeys::new(SECRET).expect("ring");
    let plain = DjangoCodec::new(&ring, DjangoConfig::SESSIONS.with_compress(false));
    let zlib = DjangoCodec::sessions(&ring);
    let signed = native(NativeConfig::SIGNED);
    let encrypted = native(NativeConfig::ENCRYPTED);
    for (name, value) in payloads::all() {
        let session = session(&value);
        let mut group = c.benchmark_group(format!("ours/{name}"));
        let cookie = plain.encode_at(&session, NOW).expect("encode");
        let compressed = zlib.encode_at(&session, NOW).expect("encode");
        let signed_token = signed.encode_at(&session, NOW).expect("encode");
        let encrypted_token = encrypted.encode_at(&session, NOW).expect("encode");

        // A `Session` is encoded through `Codec::encode_at`, as the
        // framework layer does: the session writes its own JSON. The
        // inherent `encode_at`/`encode_into` take any `Serialize` value
        // through serde; `django_encode_into` times that path.
        group.bench_function("django_encode", |b| {
            b.iter(|| Codec::encode_at(&plain, black_box(&session), None, NOW))
        });
        let mut buffer = String::with_capacity(cookie.len());
        group.bench_function("django_encode_into", |b| {
            b.iter(|| {
                buffer.clear();
                plain.encode_into(black_box(&session), NOW, &mut buffer)
            })
        });
        group.bench_function("django_decode", |b| {
            b.iter(|| plain.decode_session_at(black_box(&cookie), NOW))
        });
        // Decode, then read every value (the eager case the lazy design
        // must not make slower than a plain parse).
        group.bench_function("django_decode_read_all", |b| {
            b.iter(|| {
                let session = plain
                    .decode_session_at(black_box(&cookie), NOW)
                    .expect("decode")
                    .into_value();
                read_all(&session)
            })
        });
        group.bench_function("django_zlib_encode", |b| {
            b.iter(|| Codec::encode_at(&zlib, black_box(&session), None, NOW))
        });
        group.bench_function("django_zlib_decode", |b| {
            b.iter(|| zlib.decode_session_at(black_box(&compressed), NOW))
        });
        group.bench_function("native_signed_encode", |b| {
            b.iter(|| Codec::encode_at(&signed, black_box(&session), None, NOW))
        });
        group.bench_function("native_signed_decode", |b| {
            b.iter(|| signed.decode_session_at(black_box(&signed_token), NOW))
        });
        group.bench_function("native_encrypted_encode", |b| {
            b.iter(|| Codec::encode_at(&encrypted, black_box(&session), None, NOW))
        });
        group.bench_function("native_encrypted_decode", |b| {
            b.iter(|| encrypted.decode_session_at(black_box(&encrypted_token), NOW))
        });
        group.finish();
    }
}

/// The floor: the primitives a decode or encode cannot avoid, on the same
/// bytes (the payload of the uncompressed Django cookie).
fn floor(c: &mut Criterion) {
    let ring = SecretKeys::new(SECRET).expect("ring");
    let plain = DjangoCodec::new(&ring, DjangoConfig::SESSIONS.with_compress(false));
    let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&[7u8; 32]).expect("hmac");
    let aes = Aes256Gcm::new(&[9u8; 32].into());
    let nonce = Nonce::from([3u8; 12]);
    let prk = Hkdf::<Sha256>::from_prk(&[11u8; 32]).expect("prk");
    for (name, value) in payloads::all() {
        let json = session_cookie::json::to_string(&value).expect("json");
        let cookie = plain.encode_at(&value, NOW).expect("encode");
        let (signed, _) = cookie.rsplit_once(':').expect("signature");
        let b64 = URL_SAFE_NO_PAD.encode(&json);
        let mut group = c.benchmark_group(format!("floor/{name}"));
        group.bench_function("hmac_sha256", |b| {
            b.iter(|| {
                let mut m = mac.clone();
                m.update(black_box(signed.as_bytes()));
                m.finalize().into_bytes()
            })
        });
        // The signed jar's MAC input: the JSON itself, not its base64.
        group.bench_function("hmac_sha256_json", |b| {
            b.iter(|| {
                let mut m = mac.clone();
                m.update(black_box(json.as_bytes()));
                m.finalize().into_bytes()
            })
        });
        group.bench_function("base64_decode", |b| {
            b.iter(|| URL_SAFE_NO_PAD.decode(black_box(&b64)))
        });
        group.bench_function("base64_encode", |b| {
            b.iter(|| URL_SAFE_NO_PAD.encode(black_box(json.as_bytes())))
        });
        group.bench_function("json_parse", |b| {
            b.iter(|| serde_json::from_slice::<Map<String, Value>>(black_box(json.as_bytes())))
        });
        // The validating skim a lazy decode makes so that a malformed
        // payload fails at decode, not at some later read: every value is
        // checked and none is built.
        group.bench_function("json_skim", |b| {
            b.iter(|| serde_json::from_slice::<serde::de::IgnoredAny>(black_box(json.as_bytes())))
        });
        // The three decode primitives above in one loop, as an eager decode
        // runs them: the base64 output is a fresh buffer each time and the
        // parsed map is dropped before the next. Summed separately, they
        // never meet the allocator in the state a real decode leaves it in.
        group.bench_function("eager_decode", |b| {
            b.iter(|| {
                let mut m = mac.clone();
                m.update(black_box(signed.as_bytes()));
                let tag = m.finalize().into_bytes();
                let bytes = URL_SAFE_NO_PAD.decode(black_box(&b64)).expect("base64");
                (tag, serde_json::from_slice::<Map<String, Value>>(&bytes))
            })
        });
        group.bench_function("json_serialize", |b| {
            b.iter(|| serde_json::to_vec(black_box(&value)))
        });
        let mut sealed = json.clone().into_bytes();
        let tag = aes
            .encrypt_inout_detached(&nonce, b"", sealed.as_mut_slice().into())
            .expect("seal");
        group.bench_function("aes_gcm_seal", |b| {
            b.iter(|| {
                let mut buf = json.clone().into_bytes();
                aes.encrypt_inout_detached(&nonce, b"", buf.as_mut_slice().into())
                    .map(|tag| (buf, tag))
            })
        });
        group.bench_function("aes_gcm_open", |b| {
            b.iter(|| {
                let mut buf = sealed.clone();
                aes.decrypt_inout_detached(&nonce, b"", buf.as_mut_slice().into(), &tag)
                    .map(|()| buf)
            })
        });
        // The whole encrypted encode a format cannot avoid: serialize, seal
        // with a cipher built once, MAC the ciphertext, base64 the result.
        let seal_mac_encode = |aes: &Aes256Gcm| {
            let mut buf = serde_json::to_vec(black_box(&value)).expect("json");
            let tag = aes
                .encrypt_inout_detached(&nonce, b"", buf.as_mut_slice().into())
                .expect("seal");
            buf.extend_from_slice(&tag);
            let mut m = mac.clone();
            m.update(&buf);
            buf.extend_from_slice(&m.finalize().into_bytes());
            URL_SAFE_NO_PAD.encode(&buf)
        };
        group.bench_function("encrypted_encode", |b| b.iter(|| seal_mac_encode(&aes)));
        // What the native format adds by design: a key per message, one
        // HKDF-Expand from a precomputed PRK and one AES key schedule
        // (docs/FORMAT.md section 5).
        let message_key = |salt: &[u8]| {
            let mut key = [0u8; 32];
            prk.expand_multi_info(&[b"session-cookie/v1/msg", salt], &mut key)
                .expect("hkdf");
            Aes256Gcm::new(&key.into())
        };
        group.bench_function("message_key", |b| {
            b.iter(|| message_key(black_box(&[5u8; 16])))
        });
        // What every native token adds for fork safety: its random bytes
        // (a new session's id, a salt and nonce) come from a per-thread
        // block that checks the process id on each draw (`src/random.rs`),
        // one system call that no unsafe `pthread_atfork` hook replaces.
        group.bench_function("fork_check", |b| b.iter(std::process::id));
        group.bench_function("encrypted_encode_message_key", |b| {
            b.iter(|| seal_mac_encode(&message_key(black_box(&[5u8; 16]))))
        });
        group.finish();
    }
}

/// The key a request reads: `user_id` where the payload has it, else
/// Django's `_auth_user_id` (the small auth session).
fn read_key(value: &Value) -> String {
    let map = value.as_object().expect("object");
    ["user_id", "_auth_user_id"]
        .into_iter()
        .find(|key| map.contains_key(*key))
        .expect("a user id")
        .to_owned()
}

/// Reads every value of a decoded session, as an eager parse would.
fn read_all(session: &Session) -> usize {
    session
        .keys()
        .map(|key| session.get::<Value>(key).map(|v| v.is_some()))
        .filter(Result::is_ok)
        .count()
}

/// Ours, decode + read: one value (what a request does) and every value
/// (the eager case), for each format the floors and peers compare.
fn reads(c: &mut Criterion) {
    let ring = SecretKeys::new(SECRET).expect("ring");
    let plain = DjangoCodec::new(&ring, DjangoConfig::SESSIONS.with_compress(false));
    let signed = native(NativeConfig::SIGNED);
    let encrypted = native(NativeConfig::ENCRYPTED);
    for (name, value) in payloads::all() {
        let session = session(&value);
        let key = read_key(&value);
        let cookie = plain.encode_at(&session, NOW).expect("encode");
        let signed_token = signed.encode_at(&session, NOW).expect("encode");
        let encrypted_token = encrypted.encode_at(&session, NOW).expect("encode");
        let mut group = c.benchmark_group(format!("ours/{name}"));
        group.bench_function("django_decode_read_one", |b| {
            b.iter(|| {
                let session = plain
                    .decode_session_at(black_box(&cookie), NOW)
                    .expect("decode");
                session.into_value().get::<Value>(&key)
            })
        });
        group.bench_function("native_signed_decode_read_one", |b| {
            b.iter(|| {
                let session = signed
                    .decode_session_at(black_box(&signed_token), NOW)
                    .expect("decode");
                session.into_value().get::<Value>(&key)
            })
        });
        group.bench_function("native_signed_decode_read_all", |b| {
            b.iter(|| {
                let session = signed
                    .decode_session_at(black_box(&signed_token), NOW)
                    .expect("decode");
                read_all(&session.into_value())
            })
        });
        group.bench_function("native_encrypted_decode_read_one", |b| {
            b.iter(|| {
                let session = encrypted
                    .decode_session_at(black_box(&encrypted_token), NOW)
                    .expect("decode");
                session.into_value().get::<Value>(&key)
            })
        });
        group.finish();
    }
}

/// What a Rust user picks instead: the `cookie` crate's signed and private
/// jars carrying `serde_json` text of the same map. Decode is the jar's
/// `get` (verify or decrypt) of the value a browser sends back, a
/// `serde_json` parse and the read of one value; encode is a `serde_json`
/// serialize and the jar's `add`. The jar's cookie borrows a `'static`
/// value, so the peer pays no copy of it: its best case.
fn peers(c: &mut Criterion) {
    let key = Key::from(&[5u8; 64]);
    for (name, value) in payloads::all() {
        let map: Map<String, Value> = serde_json::from_value(value.clone()).expect("object");
        let read = read_key(&value);
        let text = serde_json::to_string(&map).expect("json");
        let sealed = |add: &dyn Fn(&mut CookieJar)| -> &'static str {
            let mut jar = CookieJar::new();
            add(&mut jar);
            String::leak(jar.get("sessionid").expect("cookie").value().to_owned())
        };
        let signed = sealed(&|jar| {
            jar.signed_mut(&key)
                .add(Cookie::new("sessionid", text.clone()));
        });
        let private = sealed(&|jar| {
            jar.private_mut(&key)
                .add(Cookie::new("sessionid", text.clone()));
        });
        let decode = |jar_get: &dyn Fn(&CookieJar) -> Option<Cookie<'static>>,
                      raw: &'static str| {
            let mut jar = CookieJar::new();
            jar.add_original(Cookie::new("sessionid", raw));
            let cookie = jar_get(&jar)?;
            let map = serde_json::from_str::<Map<String, Value>>(cookie.value()).ok()?;
            map.get(&read).cloned()
        };
        let mut group = c.benchmark_group(format!("peer/{name}"));
        group.bench_function("signed_jar_encode", |b| {
            b.iter(|| {
                let mut jar = CookieJar::new();
                let text = serde_json::to_string(black_box(&map)).expect("json");
                jar.signed_mut(&key).add(Cookie::new("sessionid", text));
                jar
            })
        });
        group.bench_function("signed_jar_decode_read_one", |b| {
            b.iter(|| decode(&|jar| jar.signed(&key).get("sessionid"), black_box(signed)))
        });
        group.bench_function("private_jar_encode", |b| {
            b.iter(|| {
                let mut jar = CookieJar::new();
                let text = serde_json::to_string(black_box(&map)).expect("json");
                jar.private_mut(&key).add(Cookie::new("sessionid", text));
                jar
            })
        });
        group.bench_function("private_jar_decode_read_one", |b| {
            b.iter(|| {
                decode(
                    &|jar| jar.private(&key).get("sessionid"),
                    black_box(private),
                )
            })
        });
        group.finish();
    }
}

/// Ours, Flask: encode, decode + read one value, decode + read every value.
/// Every payload compresses by at least two bytes, so Flask deflates them
/// all and so do we.
#[cfg(feature = "flask")]
fn flask_codec(c: &mut Criterion) {
    let codec = FlaskCodec::sessions(&SecretKeys::new(SECRET).expect("ring"));
    for (name, value) in payloads::all() {
        let session = session(&value);
        let key = read_key(&value);
        let cookie = codec.encode_at(&session, NOW).expect("encode");
        let mut group = c.benchmark_group(format!("ours/{name}"));
        group.bench_function("flask_encode", |b| {
            b.iter(|| codec.encode_at(black_box(&session), NOW))
        });
        group.bench_function("flask_decode_read_one", |b| {
            b.iter(|| {
                let session = codec
                    .decode_session_at(black_box(&cookie), NOW)
                    .expect("decode")
                    .into_value();
                session.get::<Value>(&key).map(|v| v.is_some())
            })
        });
        group.bench_function("flask_decode_read_all", |b| {
            b.iter(|| {
                let session = codec
                    .decode_session_at(black_box(&cookie), NOW)
                    .expect("decode")
                    .into_value();
                read_all(&session)
            })
        });
        group.finish();
    }
}

/// The Flask floor, with the `hmac` and `sha1` crates directly, on the
/// sorted JSON Flask signs: decode is base64 decode + HMAC-SHA1 verify +
/// `serde_json` parse; encode is `serde_json` serialize + base64 encode +
/// HMAC-SHA1. The `_zlib` rows add what Flask itself does to these
/// payloads (all of them compress): inflate before the parse, deflate at
/// level 6 after the serialize.
#[cfg(feature = "flask")]
fn flask_floor(c: &mut Criterion) {
    use std::io::{Read, Write};

    use flate2::Compression;
    use flate2::read::ZlibDecoder;
    use flate2::write::ZlibEncoder;
    use sha1::Sha1;

    let mac = <Hmac<Sha1> as KeyInit>::new_from_slice(&[7u8; 20]).expect("hmac");
    let stamp = ".ZVPxAA";
    let sign = |body: &str| {
        let mut m = mac.clone();
        m.update(body.as_bytes());
        m.update(stamp.as_bytes());
        URL_SAFE_NO_PAD.encode(m.finalize().into_bytes())
    };
    let deflate = |json: &[u8]| {
        let mut z = ZlibEncoder::new(Vec::new(), Compression::new(6));
        z.write_all(json).expect("deflate");
        z.finish().expect("deflate")
    };
    for (name, value) in payloads::all() {
        // serde_json's map is sorted, as Flask sorts: the same bytes.
        let json = session_cookie::json::to_string_sorted(&value).expect("json");
        let body = URL_SAFE_NO_PAD.encode(&json);
        let signature = sign(&body);
        let zbody = URL_SAFE_NO_PAD.encode(deflate(json.as_bytes()));
        let zsignature = sign(&zbody);
        let verify = |body: &str, signature: &str| {
            let tag = URL_SAFE_NO_PAD.decode(signature).expect("tag");
            let mut m = mac.clone();
            m.update(body.as_bytes());
            m.update(stamp.as_bytes());
            m.verify_slice(&tag).is_ok()
        };
        let mut group = c.benchmark_group(format!("floor/{name}"));
        group.bench_function("flask_decode", |b| {
            b.iter(|| {
                let ok = verify(black_box(&body), &signature);
                let bytes = URL_SAFE_NO_PAD.decode(&body).expect("base64");
                (ok, serde_json::from_slice::<Map<String, Value>>(&bytes))
            })
        });
        group.bench_function("flask_encode", |b| {
            b.iter(|| {
                let json = serde_json::to_vec(black_box(&value)).expect("json");
                let body = URL_SAFE_NO_PAD.encode(&json);
                let signature = sign(&body);
                (body, signature)
            })
        });
        group.bench_function("flask_decode_zlib", |b| {
            b.iter(|| {
                let ok = verify(black_box(&zbody), &zsignature);
                let bytes = URL_SAFE_NO_PAD.decode(&zbody).expect("base64");
                let mut json = Vec::with_capacity(bytes.len() * 4);
                ZlibDecoder::new(bytes.as_slice())
                    .read_to_end(&mut json)
                    .expect("inflate");
                (ok, serde_json::from_slice::<Map<String, Value>>(&json))
            })
        });
        group.bench_function("flask_encode_zlib", |b| {
            b.iter(|| {
                let json = serde_json::to_vec(black_box(&value)).expect("json");
                let body = URL_SAFE_NO_PAD.encode(deflate(&json));
                let signature = sign(&body);
                (body, signature)
            })
        });
        group.finish();
    }
}

#[cfg(not(feature = "flask"))]
fn flask_codec(_: &mut Criterion) {}

#[cfg(not(feature = "flask"))]
fn flask_floor(_: &mut Criterion) {}

/// Peers: the `cookie` crate's signed and private jars, `serde_json`
/// serialize + add + get + `serde_json` parse of the same map; ours: encode
/// + decode of the same session.
fn round_trips(c: &mut Criterion) {
    let ring = SecretKeys::new(SECRET).expect("ring");
    let plain = DjangoCodec::new(&ring, DjangoConfig::SESSIONS.with_compress(false));
    let signed = native(NativeConfig::SIGNED);
    let encrypted = native(NativeConfig::ENCRYPTED);
    let key = Key::from(&[5u8; 64]);
    for (name, value) in payloads::all() {
        let map: Map<String, Value> = serde_json::from_value(value.clone()).expect("object");
        let session = session(&value);
        let mut group = c.benchmark_group(format!("roundtrip/{name}"));
        group.bench_function("cookie_signed_jar", |b| {
            b.iter(|| {
                let mut jar = CookieJar::new();
                let text = serde_json::to_string(black_box(&map)).expect("json");
                jar.signed_mut(&key).add(Cookie::new("sessionid", text));
                let cookie = jar.signed(&key).get("sessionid").expect("verify");
                serde_json::from_str::<Map<String, Value>>(cookie.value())
            })
        });
        group.bench_function("cookie_private_jar", |b| {
            b.iter(|| {
                let mut jar = CookieJar::new();
                let text = serde_json::to_string(black_box(&map)).expect("json");
                jar.private_mut(&key).add(Cookie::new("sessionid", text));
                let cookie = jar.private(&key).get("sessionid").expect("decrypt");
                serde_json::from_str::<Map<String, Value>>(cookie.value())
            })
        });
        group.bench_function("ours_django", |b| {
            b.iter(|| {
                let cookie =
                    Codec::encode_at(&plain, black_box(&session), None, NOW).expect("encode");
                plain.decode_session_at(&cookie, NOW)
            })
        });
        group.bench_function("ours_native_signed", |b| {
            b.iter(|| {
                let token =
                    Codec::encode_at(&signed, black_box(&session), None, NOW).expect("encode");
                signed.decode_session_at(&token, NOW)
            })
        });
        group.bench_function("ours_native_encrypted", |b| {
            b.iter(|| {
                let token =
                    Codec::encode_at(&encrypted, black_box(&session), None, NOW).expect("encode");
                encrypted.decode_session_at(&token, NOW)
            })
        });
        group.finish();
    }
}

/// The reject path: a forged cookie must cost no more than finding out
/// that it is forged (base64 of the tag and one HMAC).
fn forgeries(c: &mut Criterion) {
    let ring = SecretKeys::new(SECRET).expect("ring");
    let codec = DjangoCodec::new(&ring, DjangoConfig::SESSIONS.with_compress(false));
    let cookie = codec.encode_at(&payloads::small(), NOW).expect("encode");
    let forged = format!("{}A", &cookie[..cookie.len() - 1]);
    let forged = if forged == cookie {
        format!("{}B", &cookie[..cookie.len() - 1])
    } else {
        forged
    };
    let (signed, signature) = cookie.rsplit_once(':').expect("signature");
    let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&[7u8; 32]).expect("hmac");
    let mut group = c.benchmark_group("forged/small");
    group.bench_function("ours_django_reject", |b| {
        b.iter(|| codec.decode_session_at(black_box(&forged), NOW))
    });
    group.bench_function("floor_base64_tag_and_hmac", |b| {
        b.iter(|| {
            let tag = URL_SAFE_NO_PAD.decode(black_box(signature));
            let mut m = mac.clone();
            m.update(black_box(signed.as_bytes()));
            (tag, m.finalize().into_bytes())
        })
    });
    group.finish();
}

/// Decodes on every core at once: the time per decode of the slower of
/// two threads that decode together, beside one thread alone. Whatever a
/// decode writes to memory that every thread shares (a usage counter, say)
/// shows here as the two-thread row's excess over the one-thread row;
/// Django's decode, which writes nothing shared, is the control.
fn threads(c: &mut Criterion) {
    let ring = SecretKeys::new(SECRET).expect("ring");
    let django = DjangoCodec::new(&ring, DjangoConfig::SESSIONS.with_compress(false));
    let signed = native(NativeConfig::SIGNED);
    let session = session(&payloads::small());
    let cookie = django.encode_at(&session, NOW).expect("encode");
    let token = signed.encode_at(&session, NOW).expect("encode");
    let decode = |which: &str| {
        if which == "django" {
            django.decode_session_at(black_box(&cookie), NOW).is_ok()
        } else {
            signed.decode_session_at(black_box(&token), NOW).is_ok()
        }
    };
    let mut group = c.benchmark_group("threads/small");
    for which in ["django", "native_signed"] {
        for count in [1usize, 2] {
            group.bench_function(format!("{which}_decode_{count}_threads"), |b| {
                b.iter_custom(|iters| {
                    std::thread::scope(|scope| {
                        let workers: Vec<_> = (0..count)
                            .map(|_| {
                                scope.spawn(|| {
                                    let start = std::time::Instant::now();
                                    for _ in 0..iters {
                                        black_box(decode(which));
                                    }
                                    start.elapsed()
                                })
                            })
                            .collect();
                        workers
                            .into_iter()
                            .map(|worker| worker.join().expect("decoding thread"))
                            .max()
                            .unwrap_or_default()
                    })
                })
            });
        }
    }
    group.finish();
}

/// Rotation cost: Django tries each fallback in turn; the native format
/// looks the key up by id.
fn key_rings(c: &mut Criterion) {
    let mut group = c.benchmark_group("keys/small");
    let value = payloads::small();
    let session = session(&value);
    for fallbacks in [1u8, 8] {
        let mut ring = SecretKeys::new(SECRET).expect("ring");
        for i in 0..fallbacks {
            ring = ring.with_fallback(format!("{SECRET}-old-{i}"));
        }
        let last = ring.fallbacks().last().expect("a fallback").clone();
        let signer = DjangoCodec::new(
            &SecretKeys::new(last).expect("ring"),
            DjangoConfig::SESSIONS.with_compress(false),
        );
        let cookie = signer.encode_at(&session, NOW).expect("encode");
        let codec = DjangoCodec::new(&ring, DjangoConfig::SESSIONS.with_compress(false));
        group.bench_function(format!("django_last_of_{fallbacks}_fallbacks"), |b| {
            b.iter(|| codec.decode_session_at(black_box(&cookie), NOW))
        });

        let last_key = master("last", 200);
        let mut ring = NativeKeyRing::new(master("k0", 1));
        for i in 0..fallbacks {
            ring = ring
                .with_key(master(&format!("old{i}"), 10 + i), KeyState::Verify)
                .expect("ring");
        }
        let ring = ring
            .with_key(last_key.clone(), KeyState::Verify)
            .expect("ring");
        let signer =
            NativeCodec::new(&NativeKeyRing::new(last_key), NativeConfig::SIGNED).expect("codec");
        let token = signer.encode_at(&session, NOW).expect("encode");
        let codec = NativeCodec::new(&ring, NativeConfig::SIGNED).expect("codec");
        group.bench_function(format!("native_last_of_{}_keys", fallbacks + 2), |b| {
            b.iter(|| codec.decode_session_at(black_box(&token), NOW))
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(500))
        .measurement_time(std::time::Duration::from_secs(2));
    targets = codecs, reads, peers, floor, flask_codec, flask_floor, round_trips, forgeries, key_rings, threads
}
criterion_main!(benches);
