//! Django's and itsdangerous' signers and serializers, for values that are
//! not sessions: signed tokens in links, Django's signed cookies,
//! Flask-WTF's CSRF tokens, password-reset and e-mail-confirmation tokens.
//!
//! Every type here is a dialect of one pipeline (`docs/signing.md`): a
//! signer appends `sep + base64url(HMAC(derived key, value))`; a timestamp
//! signer first appends `sep + timestamp` and checks the age after the
//! signature; a serializer signs `[.]base64url([zlib](json))`. The
//! verification order is always the same: the last separator, the
//! signature under the signing key and then each fallback (constant-time
//! comparisons), then the timestamp and the age, then base64, zlib (capped)
//! and JSON.
//!
//! | Python | Here |
//! |---|---|
//! | `django.core.signing.Signer(key=, fallback_keys=, salt=, sep=, algorithm=)` | [`django::Signer`] |
//! | `django.core.signing.TimestampSigner(...)` | [`django::TimestampSigner`] |
//! | `HttpResponse.set_signed_cookie(name, value, salt=)`, `HttpRequest.get_signed_cookie(name, salt=, max_age=)` | [`django::CookieSigner`] |
//! | `django.core.signing.dumps` / `loads` | [`crate::DjangoCodec::signing`] |
//! | `itsdangerous.Signer(secret_key, salt=, sep=, key_derivation=, digest_method=)` | [`itsdangerous::Signer`] |
//! | `itsdangerous.TimestampSigner(...)` | [`itsdangerous::TimestampSigner`] |
//! | `itsdangerous.URLSafeSerializer(secret_key, salt=, signer_kwargs=)` | [`itsdangerous::UrlSafeSerializer`] |
//! | `itsdangerous.URLSafeTimedSerializer(...)` | [`itsdangerous::UrlSafeTimedSerializer`] |
//! | Flask's session (`SecureCookieSessionInterface`) | [`crate::FlaskCodec`] (feature `flask`) |
//!
//! The secrets are a [`SecretKeys`](crate::SecretKeys): its signing key signs and
//! is tried first, then each fallback in the ring's order. Django's
//! `SECRET_KEY_FALLBACKS` is in that order already; itsdangerous' own
//! `secret_key` list runs from the oldest to the newest and signs with the
//! last, so `[k1, k2, k3]` there is `SecretKeys::new(k3)?.with_fallback(k2)
//! .with_fallback(k1)` here.
//!
//! # Security
//!
//! A value is returned only after its signature verified. Only the
//! canonical base64 of a tag is accepted as a signature, which is all that
//! Django and itsdangerous write. A signer's output is authentic, not
//! secret: anyone can read the value.

pub mod django;
pub mod itsdangerous;
mod signers;

pub use crate::sign::mac::{Algorithm, KeyDerivation};
pub use signers::{Django, ItsDangerous, Signer, TimestampSigner};
