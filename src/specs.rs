//! The specifications, as documentation: the wire formats, the check order
//! and the design notes that the code follows. The same text is in `docs/`
//! in the repository; here it is readable on docs.rs. Nothing in this
//! module is code.

#[doc = include_str!("../docs/FORMAT.md")]
pub mod native_format {}

#[doc = include_str!("../docs/django.md")]
pub mod django {}

#[doc = include_str!("../docs/flask.md")]
pub mod flask {}

#[doc = include_str!("../docs/chunking.md")]
pub mod chunking {}

#[doc = include_str!("../docs/json.md")]
pub mod json {}

#[doc = include_str!("../docs/signing.md")]
pub mod signing {}

#[doc = include_str!("../docs/itsdangerous.md")]
pub mod itsdangerous {}
