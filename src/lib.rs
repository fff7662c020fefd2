#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
#[path = "fuzz_api.rs"]
pub mod __fuzz;
#[cfg(feature = "actix")]
pub mod actix;
mod codec;
#[cfg(feature = "django-auth")]
pub mod django;
pub mod engine;
mod envelope;
mod error;
mod format;
#[cfg(feature = "tower")]
pub mod http;
mod inspect;
pub mod json;
mod key;
mod migrate;
mod random;
pub mod revoke;
#[cfg(feature = "rocket")]
pub mod rocket;
mod session;
mod sign;
pub mod signing;
pub mod specs;
mod time;

pub use codec::{
    BROWSER_COOKIE_LIMIT, Codec, DJANGO_SESSION_COOKIE_AGE, Decoded, DjangoCodec, DjangoConfig,
    KeyUsage, Limits, Lineage, MAX_TOKEN_BYTES, Migrating, Mode, NativeCodec, NativeConfig,
    ParseSessionIdError, SessionId,
};
pub use error::{DecodeError, EncodeError, KeyError, Malformed, PayloadError, SizeLimit, WeakKey};
pub use inspect::{Format, Inspection, NativeHeader, inspect};
pub use key::{
    KeyId, KeyState, MAX_KEY_ID_LEN, MIN_KEY_LEN, MasterKey, NativeKeyRing, Secret, SecretKeys,
};
pub use session::{EXPIRY_KEY, Expiry, Session};
pub use time::UnixTime;

#[cfg(feature = "flask")]
pub use codec::{FLASK_SESSION_LIFETIME, FlaskCodec, FlaskConfig};
pub use migrate::{MigrateError, Migrated, migrate, migrate_at};
