#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod codec;
mod envelope;
mod error;
mod format;
mod inspect;
pub mod json;
mod key;
mod session;
mod sign;
mod time;

pub use codec::{DJANGO_SESSION_COOKIE_AGE, Decoded, DjangoCodec, DjangoConfig, Limits};
pub use error::{DecodeError, EncodeError, KeyError, Malformed, PayloadError, SizeLimit};
pub use inspect::{Format, Inspection, inspect};
pub use key::{KeyRing, Secret};
pub use session::{EXPIRY_KEY, Expiry, Session};
pub use time::UnixTime;
