//! `decode_native_signed` and `decode_native_encrypted`: any input through
//! `NativeCodec::decode_at`, with the key ring (ids, states), purpose,
//! cookie name, lifetimes, skew, limits and clock taken from the input;
//! or, in "forge" mode, the rest of the input is the raw token (header and
//! body, or header and plaintext) that the target authenticates (and
//! encrypts) itself, from `docs/FORMAT.md`, so that the fuzzed content gets
//! past the MAC.
//!
//! Input layout (zeros past the end):
//!
//! | bytes | meaning |
//! |---|---|
//! | 1 | flags: bit 0 forge, bit 1 compress, bits 2-3 context, bits 4-5 limits, bits 6-7 states of keys 2 and 3 (verify/retired) |
//! | 1 | number of extra keys (mod 3) |
//! | 1 + 8 | clock |
//! | 1 + 8 | idle maximum age |
//! | 1 + 8 | absolute lifetime |
//! | 1 | skew selector |
//! | forge: 16 + 12 | GCM salt and nonce (encrypted mode) |
//! | rest | the cookie text, or (forge) the token bytes before the tag |

use serde_json::value::RawValue;
use session_cookie::{
    DecodeError, Format, KeyState, Limits, MasterKey, Mode, NativeCodec, NativeConfig,
    NativeKeyRing, Session, SizeLimit, UnixTime, inspect,
};

use super::common::{
    KEY_IDS, MASTER_KEYS, Reader, Writer, exact, native_context, native_finish, native_seal,
    native_subkeys, pick_max_age, pick_time,
};

const CONTEXTS: [(&str, &str); 4] = [
    ("session", "sessionid"),
    ("session", "__Host-session"),
    ("csrf", "sessionid"),
    ("p", "n"),
];

struct Setup {
    codec: NativeCodec,
    /// (id, master key, state) in ring order.
    keys: Vec<(&'static str, [u8; 32], KeyState)>,
    context: Vec<u8>,
    limits: Limits,
    now: UnixTime,
}

fn setup(mode: Mode, r: &mut Reader<'_>, flags: u8) -> Option<Setup> {
    let extra = usize::from(r.u8() % 3);
    let mut keys = vec![(KEY_IDS[0], MASTER_KEYS[0], KeyState::Active)];
    for i in 0..extra {
        let state = if flags >> (6 + i) & 1 == 0 {
            KeyState::Verify
        } else {
            KeyState::Retired
        };
        keys.push((KEY_IDS[i + 1], MASTER_KEYS[i + 1], state));
    }
    let mut ring = NativeKeyRing::new(MasterKey::new(keys[0].0, keys[0].1.to_vec()).ok()?);
    for (id, key, state) in keys.iter().skip(1) {
        ring = ring
            .with_key(MasterKey::new(id, key.to_vec()).ok()?, *state)
            .ok()?;
    }
    let (now_sel, now_raw) = (r.u8(), r.u64());
    let (age_sel, age_raw) = (r.u8(), r.u64());
    let (life_sel, life_raw) = (r.u8(), r.u64());
    let skew = match r.u8() % 4 {
        0 => 60,
        1 => 0,
        2 => u64::MAX,
        _ => 3600,
    };
    let (purpose, cookie_name) = CONTEXTS[usize::from((flags >> 2) & 3)];
    let limits = match (flags >> 4) & 3 {
        0 => Limits::DEFAULT,
        1 => Limits::DEFAULT.with_max_cookie_len(4096),
        2 => Limits::DEFAULT.with_max_inflated_len(64),
        _ => Limits::DEFAULT.with_max_inflated_len(0),
    };
    let base = match mode {
        Mode::Signed => NativeConfig::SIGNED,
        Mode::Encrypted => NativeConfig::ENCRYPTED,
    };
    let config = base
        .with_purpose(purpose)
        .with_cookie_name(cookie_name)
        .with_compress(flags & 2 != 0)
        .with_max_age(pick_max_age(age_sel, age_raw))
        .with_max_lifetime(pick_max_age(life_sel, life_raw))
        .with_skew(skew)
        .with_limits(limits);
    let codec = NativeCodec::new(&ring, config).ok()?;
    Some(Setup {
        codec,
        keys,
        context: native_context(purpose, cookie_name),
        limits,
        now: UnixTime::from_secs(pick_time(now_sel, now_raw)),
    })
}

/// The key id a raw token names, if its header is long enough.
fn header_key_id(bytes: &[u8]) -> Option<&[u8]> {
    let len = usize::from(*bytes.get(2)?);
    bytes.get(3..3 + len)
}

/// Runs one input in `mode`.
pub fn run(mode: Mode, data: &[u8]) {
    let mut r = Reader::new(data);
    let flags = r.u8();
    let Some(setup) = setup(mode, &mut r, flags) else {
        return;
    };
    let now = setup.now;
    let forge = flags & 1 == 1;
    let mut signer_state = None;
    let cookie = if forge {
        let salt: [u8; 16] = r.take(16).try_into().unwrap_or([0; 16]);
        let nonce: [u8; 12] = r.take(12).try_into().unwrap_or([0; 12]);
        let raw = r.rest();
        // Sign with the key the header names, or the active key.
        let named = header_key_id(raw)
            .and_then(|id| setup.keys.iter().find(|(kid, _, _)| kid.as_bytes() == id));
        let (_, master, state) = named.copied().unwrap_or(setup.keys[0]);
        if named.is_some() {
            signer_state = Some(state);
        }
        let (mac, enc) = native_subkeys(&master);
        let bytes = match (
            mode,
            raw.len()
                .checked_sub(19 + raw.get(2).map_or(0, |&l| usize::from(l))),
        ) {
            (Mode::Encrypted, Some(_)) => {
                let header_len = 19 + usize::from(raw[2]);
                let (header, plaintext) = raw.split_at(header_len);
                let aad = [setup.context.as_slice(), header].concat();
                let mut bytes = header.to_vec();
                bytes.extend(native_seal(&enc, &aad, &salt, &nonce, plaintext));
                bytes
            }
            _ => raw.to_vec(),
        };
        native_finish(&mac, &setup.context, bytes)
    } else {
        String::from_utf8_lossy(r.rest()).into_owned()
    };

    let before: u64 = setup.codec.key_usage().iter().map(|k| k.verified).sum();
    let result = setup.codec.decode_at::<Box<RawValue>>(&cookie, now);
    let after: u64 = setup.codec.key_usage().iter().map(|k| k.verified).sum();
    let config = setup.codec.config();
    // The same bytes decode as a session exactly when they decode as a
    // JSON object (lazily parsed sessions included).
    let as_session = setup.codec.decode_at::<Session>(&cookie, now);
    match (&result, &as_session) {
        (Ok(v), Ok(s)) => {
            assert_eq!(
                exact(v.value()).as_object().map(Vec::len),
                Some(s.value().len())
            );
        }
        (Ok(v), Err(e)) => assert!(
            !exact(v.value()).is_object() && matches!(e, DecodeError::BadPayload(_)),
            "an object that is not a session: {e:?}"
        ),
        (Err(a), Err(b)) if !matches!(a, DecodeError::BadPayload(_)) => assert_eq!(a, b),
        (Err(_), Err(_)) => {}
        (Err(e), Ok(_)) => panic!("a session from an invalid value (F3 is back?): {e:?}"),
    }
    match &result {
        Ok(decoded) => {
            assert_eq!(after, before + 1, "a verified token is counted once");
            let index = decoded.key_index();
            let (_, _, state) = setup.keys[index];
            assert_ne!(state, KeyState::Retired, "a retired key verified");
            assert!(decoded.first_issued_at() <= decoded.issued_at());
            let secs = |t: UnixTime| i128::from(t.as_secs());
            if let Some(max_age) = config.max_age() {
                assert!(secs(now) - secs(decoded.issued_at()) <= i128::from(max_age));
            }
            if let Some(max) = config.max_lifetime() {
                assert!(secs(now) - secs(decoded.first_issued_at()) <= i128::from(max));
            }
            if state != KeyState::Active {
                assert!(decoded.needs_reissue());
            }
            assert!(cookie.len() <= setup.limits.max_cookie_len());
            let inspected = inspect(&cookie, setup.limits)
                .unwrap_or_else(|e| panic!("decodes but does not inspect: {e:?}"));
            assert_eq!(inspected.format(), Format::Native);
            let header = inspected.native().map(|h| (h.mode, h.key_id.clone()));
            assert_eq!(header, Some((mode, setup.keys[index].0.to_owned())));
            assert_eq!(inspected.issued_at(), Some(decoded.issued_at()));
        }
        Err(err) => {
            match signer_state {
                Some(KeyState::Active | KeyState::Verify) => {
                    assert_ne!(
                        *err,
                        DecodeError::BadSignature,
                        "an authentic token refused"
                    );
                }
                Some(KeyState::Retired) => {}
                None => {}
            }
            match err {
                DecodeError::Expired { age, max_age } => {
                    assert!(i128::from(*age) > i128::from(*max_age));
                    assert!(
                        Some(*max_age) == config.max_age()
                            || Some(*max_age) == config.max_lifetime()
                    );
                }
                DecodeError::NotYetValid { ahead } => {
                    assert!(i128::from(*ahead) > 0);
                }
                DecodeError::TooLarge { what, limit } => match what {
                    SizeLimit::Cookie => assert!(cookie.len() > *limit),
                    SizeLimit::Inflated => {
                        assert_eq!(*limit, setup.limits.max_inflated_len());
                    }
                    _ => {}
                },
                _ => {}
            }
            // Only the MAC step counts; failures before it count nothing.
            if matches!(
                err,
                DecodeError::Malformed(_)
                    | DecodeError::BadSignature
                    | DecodeError::TooLarge {
                        what: SizeLimit::Cookie,
                        ..
                    }
            ) {
                assert_eq!(after, before);
            }
            let shown = format!("{err} {err:?}");
            assert!(!shown.contains("fuzz-master-key"), "an error shows a key");
        }
    }
    let _ = inspect(&cookie, setup.limits);
}

/// Seed inputs for `mode`: valid tokens, and forged raw tokens.
pub fn seeds(mode: Mode) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let base = match mode {
        Mode::Signed => NativeConfig::SIGNED,
        Mode::Encrypted => NativeConfig::ENCRYPTED,
    };
    let Ok(key) = MasterKey::new(KEY_IDS[0], MASTER_KEYS[0].to_vec()) else {
        return out;
    };
    let ring = NativeKeyRing::new(key);
    let now = UnixTime::from_secs(1_700_000_000);
    let values = [
        serde_json::json!({}),
        serde_json::json!({"user_id": 42, "csrf": "0123456789abcdef"}),
        serde_json::json!({"cart": [1, 2.5, -0.0, 1e100, "é中😀"], "big": "x".repeat(200)}),
    ];
    for (i, value) in values.iter().enumerate() {
        let compress = i == 2;
        let Ok(codec) = NativeCodec::new(&ring, base.clone().with_compress(compress)) else {
            continue;
        };
        let Ok(token) = codec.encode_at(value, now) else {
            continue;
        };
        out.push(
            Writer::default()
                .u8(u8::from(compress) << 1)
                .u8(0)
                .u8(0)
                .u64(0)
                .u8(1)
                .u64(0)
                .u8(0)
                .u64(0)
                .u8(0)
                .bytes(token.as_bytes())
                .0,
        );
    }
    // Forged: header (k1, issued 1_700_000_000, origin 1_690_000_000) then
    // a body / plaintext.
    let mut header = vec![1u8, if mode == Mode::Encrypted { 1 } else { 0 }, 2];
    header.extend_from_slice(b"k1");
    header.extend_from_slice(&1_700_000_000u64.to_be_bytes());
    header.extend_from_slice(&1_690_000_000u64.to_be_bytes());
    let bodies: [&[u8]; 4] = match mode {
        Mode::Signed => [
            b"{\"a\":1}",
            b"[]",
            b"{\"s\":\"\xff\xfe\"}",
            b"{\"a\":1,\"a\":2}",
        ],
        Mode::Encrypted => [b"{\"a\":1}\x80", b"{}\x80\0\0\0", b"{}", b"\x80"],
    };
    for body in bodies {
        let mut raw = header.clone();
        raw.extend_from_slice(body);
        out.push(
            Writer::default()
                .u8(1)
                .u8(0)
                .u8(0)
                .u64(0)
                .u8(1)
                .u64(0)
                .u8(0)
                .u64(0)
                .u8(0)
                .bytes(&[7; 28])
                .bytes(&raw)
                .0,
        );
    }
    // A compressed forged token.
    #[cfg(feature = "fuzzing")]
    if let Some(z) = session_cookie::__fuzz::compress_if_smaller(
        &[b'{', b'"', b'a', b'"', b':', b'"']
            .iter()
            .copied()
            .chain(std::iter::repeat_n(b'a', 100))
            .chain(*b"\"}")
            .collect::<Vec<u8>>(),
    ) {
        let mut raw = header.clone();
        raw[1] |= 2;
        raw.extend_from_slice(&z);
        if mode == Mode::Encrypted {
            raw.push(0x80);
        }
        out.push(
            Writer::default()
                .u8(1)
                .u8(0)
                .u8(0)
                .u64(0)
                .u8(1)
                .u64(0)
                .u8(0)
                .u64(0)
                .u8(0)
                .bytes(&[9; 28])
                .bytes(&raw)
                .0,
        );
    }
    out
}
