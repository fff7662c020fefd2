//! `signing`: every dialect of `session_cookie::signing` with its
//! configuration (separator, salt, digest, key derivation, cookie name,
//! legacy salt, limits, clock, maximum age) taken from the input, and then
//! any text through its verifier; and a round trip of the same text, which
//! must come back unchanged under the same configuration.
//!
//! Input layout (zeros past the end):
//!
//! | bytes | meaning |
//! |---|---|
//! | 1 | dialect (mod 7): Django signer, timed, cookie; itsdangerous signer, timed, serializer, timed serializer |
//! | 1 | digest (mod 3), key derivation (bits 2-3), flags (bit 4 legacy salt off, bit 5 tight limits) |
//! | 1 + n | separator (short bytes, lossy UTF-8; refused ones end the run) |
//! | 1 + n | salt (short bytes, lossy UTF-8) |
//! | 1 | secret: index into `SECRETS` |
//! | 1 + 8 | clock: selector, raw |
//! | 1 + 8 | maximum age: selector, raw |
//! | rest | the text (lossy UTF-8) |

use std::time::Duration;

use serde_json::value::RawValue;
use session_cookie::signing::{Algorithm, KeyDerivation, django, itsdangerous};
use session_cookie::{DecodeError, Limits, SecretKeys, UnixTime};

use super::common::{Reader, SECRETS, pick_max_age, pick_time};

const DIGESTS: [Algorithm; 3] = [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512];
const DERIVATIONS: [KeyDerivation; 4] = [
    KeyDerivation::DjangoConcat,
    KeyDerivation::Concat,
    KeyDerivation::Hmac,
    KeyDerivation::None,
];

/// Runs one input.
pub fn run(data: &[u8]) {
    let mut r = Reader::new(data);
    let dialect = r.u8() % 7;
    let bits = r.u8();
    let sep = String::from_utf8_lossy(r.short_bytes()).into_owned();
    let salt = String::from_utf8_lossy(r.short_bytes()).into_owned();
    let secret = SECRETS[usize::from(r.u8()) % SECRETS.len()];
    let (now_sel, now_raw) = (r.u8(), r.u64());
    let (age_sel, age_raw) = (r.u8(), r.u64());
    let text = String::from_utf8_lossy(r.rest()).into_owned();

    let digest = DIGESTS[usize::from(bits % 3)];
    let derivation = DERIVATIONS[usize::from((bits >> 2) & 3)];
    let no_legacy = bits & 16 != 0;
    let limits = if bits & 32 != 0 {
        Limits::DEFAULT
            .with_max_cookie_len(64)
            .with_max_inflated_len(16)
    } else {
        Limits::DEFAULT
    };
    let keys = SecretKeys::new(secret)
        .expect("the fixed secrets are not empty")
        .with_fallback(SECRETS[(usize::from(bits) + 1) % SECRETS.len()]);
    let now = UnixTime::from_secs(pick_time(now_sel, now_raw));
    let max_age = pick_max_age(age_sel, age_raw).map(Duration::from_secs);

    let django_options = || {
        django::Options::new()
            .with_salt(salt.clone())
            .with_algorithm(digest)
            .with_sep(sep.clone())
            .ok()
    };
    // itsdangerous accepts separators made of base64 characters (`ax`)
    // that then occur inside signatures and break its own round trip; only
    // separators with a character outside the alphabet are checked.
    let its_round_trips = sep
        .chars()
        .any(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '=')));
    let its_options = || {
        itsdangerous::Options::new()
            .with_salt(salt.clone())
            .with_digest(digest)
            .with_key_derivation(derivation)
            .with_limits(limits)
            .with_sep(sep.clone())
            .ok()
    };
    // Each dialect: verify the fuzzed text (any typed answer is fine), then
    // sign it and check that it verifies back to itself.
    match dialect {
        0 => {
            let Some(options) = django_options() else {
                return;
            };
            let signer = django::Signer::new(&keys, &options);
            let _ = signer.unsign(&text);
            assert_eq!(signer.unsign(&signer.sign(&text)), Ok(text.as_str()));
        }
        1 => {
            let Some(options) = django_options() else {
                return;
            };
            let signer = django::TimestampSigner::new(&keys, &options);
            let _ = signer.unsign_at(&text, max_age, now);
            let signed = signer.sign_at(&text, now);
            round_trip(
                signer.unsign_at(&signed, None, now).map(|d| d.into_value()),
                &text,
            );
        }
        2 => {
            let signer = django::CookieSigner::new(&keys, &sep, &salt);
            let signer = if no_legacy {
                signer.without_legacy_salt()
            } else {
                signer
            };
            let _ = signer.unsign_at(&text, max_age, now);
            let signed = signer.sign_at(&text, now);
            round_trip(
                signer.unsign_at(&signed, None, now).map(|d| d.into_value()),
                &text,
            );
        }
        3 => {
            let Some(options) = its_options() else { return };
            let signer = itsdangerous::Signer::new(&keys, &options);
            let _ = signer.unsign(&text);
            let signed = signer.sign(&text);
            match signer.unsign(&signed) {
                Err(DecodeError::TooLarge { .. }) => {}
                _ if !its_round_trips => {}
                other => assert_eq!(other, Ok(text.as_str())),
            }
        }
        4 => {
            let Some(options) = its_options() else { return };
            let signer = itsdangerous::TimestampSigner::new(&keys, &options);
            let _ = signer.unsign_at(&text, max_age, now);
            let signed = signer.sign_at(&text, now);
            match signer.unsign_at(&signed, None, now) {
                Err(DecodeError::TooLarge { .. }) => {}
                _ if !its_round_trips => {}
                other => round_trip(other.map(|d| d.into_value()), &text),
            }
        }
        5 => {
            let Some(options) = its_options() else { return };
            let serializer = itsdangerous::UrlSafeSerializer::new(&keys, &options);
            let _ = serializer.loads::<Box<RawValue>>(&text);
            if let Ok(token) = serializer.dumps(&text) {
                match serializer.loads::<String>(&token) {
                    Err(DecodeError::TooLarge { .. }) => {}
                    _ if !its_round_trips => {}
                    other => assert_eq!(other.as_deref(), Ok(text.as_str())),
                }
            }
        }
        _ => {
            let Some(options) = its_options() else { return };
            let serializer = itsdangerous::UrlSafeTimedSerializer::new(&keys, &options);
            let _ = serializer.loads_at::<Box<RawValue>>(&text, max_age, now);
            if let Ok(token) = serializer.dumps_at(&text, now) {
                match serializer.loads_at::<String>(&token, None, now) {
                    Err(DecodeError::TooLarge { .. }) => {}
                    _ if !its_round_trips => {}
                    other => {
                        assert_eq!(other.map(|d| d.into_value()).as_deref(), Ok(text.as_str()))
                    }
                }
            }
        }
    }
}

/// A timed round trip gives the text back: the signature and then the
/// timestamp are split off at the last separator, and neither holds a
/// character of a safe separator, so the text may contain it freely.
fn round_trip(result: Result<&str, DecodeError>, text: &str) {
    assert_eq!(result, Ok(text));
}
