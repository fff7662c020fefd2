//! Decodes session cookies from JavaScript: `decode_django(secret, cookie)`
//! and `decode_native(keyLines, cookie, encrypted)` return the session as
//! JSON text, or throw the decode error's message.
//!
//! The library is built with `--no-default-features --features wasm`: the
//! random source is the Web Crypto API and the clock is `Date.now()`.

use session_cookie::{DjangoCodec, SecretKeys, NativeCodec, NativeConfig, NativeKeyRing};
use wasm_bindgen::prelude::*;

/// A Django `signed_cookies` session cookie under `secret` (Django's
/// `SECRET_KEY`), as JSON text.
///
/// # Errors
///
/// The decode error's message, when the cookie does not verify or has
/// expired.
#[wasm_bindgen]
pub fn decode_django(secret: &str, cookie: &str) -> Result<String, JsError> {
    let codec = DjangoCodec::sessions(&SecretKeys::new(secret)?);
    let decoded = codec.decode::<serde_json::Value>(cookie)?;
    Ok(decoded.value().to_string())
}

/// A native session cookie under the key lines of `session-cookie keygen`,
/// signed or (`encrypted`) encrypted, as JSON text.
///
/// # Errors
///
/// The error's message, when the keys do not parse or the cookie does not
/// verify or has expired.
#[wasm_bindgen]
pub fn decode_native(key_lines: &str, cookie: &str, encrypted: bool) -> Result<String, JsError> {
    let ring = NativeKeyRing::parse(key_lines)?;
    let config = if encrypted {
        NativeConfig::ENCRYPTED
    } else {
        NativeConfig::SIGNED
    };
    let codec = NativeCodec::new(&ring, config)?;
    let decoded = codec.decode::<serde_json::Value>(cookie)?;
    Ok(decoded.value().to_string())
}
