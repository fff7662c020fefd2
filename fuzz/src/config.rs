//! `config`: every codec and session-layer setting taken from the input,
//! with the extremes easy to reach, then a session of a chosen size encoded
//! and decoded. Nothing may panic (the target runs with overflow checks);
//! whatever encodes decodes back, at the same time, to the same entries.
//!
//! Input layout (zeros past the end):
//!
//! | bytes | meaning |
//! |---|---|
//! | 1 | codec (mod 4: native signed, native encrypted, Django, Flask), flags (bit 2 compress) |
//! | 4 × (1 + 8) | sizes: padding, cookie budget, cookie limit, inflate limit (selector, raw) |
//! | 3 × (1 + 8) | seconds: max age, max lifetime, skew (selector, raw) |
//! | 1 + n | purpose or salt (short bytes, lossy UTF-8) |
//! | 1 + n | cookie name (short bytes, lossy UTF-8) |
//! | 1 + 8 | clock: selector, raw |
//! | 2 | session value length (little-endian, × 4) |
//! | 2 × (1 + 8) | layer: max chunks, max request bytes (selector, raw) |

use session_cookie::http::SessionConfig;
use session_cookie::{
    Codec, DecodeError, DjangoCodec, DjangoConfig, EncodeError, FlaskCodec, FlaskConfig, Limits,
    Lineage, MAX_TOKEN_BYTES, MasterKey, NativeCodec, NativeConfig, NativeKeyRing, SecretKeys,
    Session, UnixTime,
};

use super::common::{Reader, pick_max_age, pick_time};

/// A size near one of the crate's bounds, or the raw value.
fn pick_size(selector: u8, raw: u64) -> usize {
    let raw = usize::try_from(raw).unwrap_or(usize::MAX);
    match selector % 8 {
        0 => 0,
        1 => 1,
        2 => 4096,
        3 => MAX_TOKEN_BYTES,
        4 => MAX_TOKEN_BYTES + 1,
        5 => usize::MAX,
        6 => raw % 100_000,
        _ => raw,
    }
}

fn entries(session: &Session) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = session
        .iter()
        .map(|(key, value)| (key.to_owned(), value.into_owned()))
        .collect();
    out.sort();
    out
}

/// Runs one input.
pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let flags = r.u8();
    let mut size = || {
        let selector = r.u8();
        pick_size(selector, r.u64())
    };
    let (padding, budget, cookie_limit, inflate_limit) = (size(), size(), size(), size());
    let mut seconds = || {
        let selector = r.u8();
        pick_max_age(selector, r.u64())
    };
    let (max_age, max_lifetime, skew) = (seconds(), seconds(), seconds());
    let context = String::from_utf8_lossy(r.short_bytes()).into_owned();
    let cookie_name = String::from_utf8_lossy(r.short_bytes()).into_owned();
    let (now_sel, now_raw) = (r.u8(), r.u64());
    let value_len = usize::from(u16::from_le_bytes([r.u8(), r.u8()])) * 4;
    let (chunks_sel, chunks_raw) = (r.u8(), r.u64());
    let (request_sel, request_raw) = (r.u8(), r.u64());

    let now = UnixTime::from_secs(pick_time(now_sel, now_raw));
    let limits = Limits::DEFAULT
        .with_max_cookie_len(cookie_limit)
        .with_max_inflated_len(inflate_limit);
    let compress = flags & 4 != 0;
    let secrets = SecretKeys::new("fuzz-config-secret")
        .expect("not empty")
        .with_fallback("older");
    let codec: Box<dyn Codec> = match flags % 4 {
        mode @ (0 | 1) => {
            let base = if mode == 0 {
                NativeConfig::SIGNED
            } else {
                NativeConfig::ENCRYPTED
            };
            let config = base
                .with_compress(compress)
                .with_padding(padding)
                .with_max_cookie_bytes(budget)
                .with_max_age(max_age)
                .with_max_lifetime(max_lifetime)
                .with_skew(skew.unwrap_or(u64::MAX))
                .with_limits(limits)
                .with_purpose(context)
                .with_cookie_name(cookie_name.clone());
            let ring =
                NativeKeyRing::new(MasterKey::new("k1", (1..=32).collect()).expect("32 bytes"));
            match NativeCodec::new(&ring, config) {
                Ok(codec) => Box::new(codec),
                // A purpose or name out of bounds: a typed refusal.
                Err(_) => return,
            }
        }
        2 => Box::new(DjangoCodec::new(
            &secrets,
            DjangoConfig::SESSIONS
                .with_salt(context)
                .with_compress(compress)
                .with_max_age(max_age)
                .with_limits(limits),
        )),
        _ => Box::new(FlaskCodec::new(
            &secrets,
            FlaskConfig::SESSIONS
                .with_salt(context)
                .with_max_age(max_age)
                .with_limits(limits),
        )),
    };

    let mut session = Session::new();
    session.insert("user_id", 42).expect("a number");
    session
        .insert("blob", "x".repeat(value_len))
        .expect("a string");
    let _ = codec.encoded_len(&session);
    match codec.encode_at(&session, Some(Lineage::new(now, None)), now) {
        Ok(value) => match codec.decode_at(&value, now) {
            Ok(decoded) => assert_eq!(entries(decoded.value()), entries(&session)),
            Err(
                DecodeError::TooLarge { .. }
                | DecodeError::Expired { .. }
                | DecodeError::NotYetValid { .. },
            ) => {}
            Err(err) => panic!("a value this codec wrote does not decode: {err}"),
        },
        Err(EncodeError::TooLarge { .. }) => {}
        Err(err) => panic!("unexpected encode error: {err}"),
    }

    let layer = SessionConfig::DJANGO
        .with_name(cookie_name)
        .with_max_chunks(pick_size(chunks_sel, chunks_raw))
        .with_max_request_bytes(pick_size(request_sel, request_raw));
    let _ = layer.max_value_len();
}
