//! Sessions for tower and axum services (feature `tower`; the axum
//! extractor needs feature `axum`): [`SessionLayer`] runs a
//! [`SessionEngine`](crate::engine::SessionEngine), Django's
//! `SessionMiddleware` without a framework, around a tower service.
//!
//! ```text
//! request ──► SessionLayer ──────────────────► handler
//!             │ reads `name`, `name.1`, …       │ SessionHandle (extension /
//!             │ reassembles chunks (no crypto)  │ axum extractor): the first
//!             │                                 │ use verifies and decodes
//! response ◄──┤ Vary: Cookie if touched ◄───────┘
//!             │ Set-Cookie: delete if emptied,
//!             │ write (split into chunks) if modified,
//!             │ re-issue if a non-active key verified it or every request
//! ```
//!
//! - [`SessionLayer`] / [`SessionService`]: the middleware, over a
//!   [`SessionEngine`](crate::engine::SessionEngine) (its rules are there).
//! - [`SessionHandle`]: the handler's [`Session`](crate::Session), decoded
//!   lazily.
//! - [`SessionConfig`]: cookie name and attributes, with Django's defaults
//!   and Django's setting names in the docs.
//! - Any [`Codec`](crate::Codec): [`NativeCodec`](crate::NativeCodec),
//!   [`DjangoCodec`](crate::DjangoCodec), `FlaskCodec`, or
//!   [`Migrating`](crate::Migrating) to move users from one to another.
//!
//! Sessions too large for one cookie are split across several
//! (`docs/chunking.md`): each piece names its write's random generation,
//! and the codec's MAC covers the whole reassembled value.
//!
//! # Examples
//!
//! ```
//! use axum::{Router, routing::get};
//! use session_cookie::engine::SessionEngine;
//! use session_cookie::http::{SessionConfig, SessionHandle, SessionLayer};
//! use session_cookie::{MasterKey, NativeConfig, NativeKeyRing};
//!
//! async fn count(session: SessionHandle) -> String {
//!     let visits = session.get_or("visits", 0u64).unwrap_or(0) + 1;
//!     session.insert("visits", visits).ok();
//!     format!("visit number {visits}")
//! }
//!
//! let ring = NativeKeyRing::new(MasterKey::generate("2026-11")?);
//! let layer = SessionLayer::new(SessionEngine::native(&ring, NativeConfig::ENCRYPTED, SessionConfig::DJANGO)?);
//! let app: Router = Router::new().route("/", get(count)).layer(layer);
//! # let _ = app;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[cfg(feature = "axum")]
mod axum;
mod layer;

#[cfg(feature = "axum")]
pub use self::axum::MissingSessionLayer;
pub use layer::{ResponseFuture, SessionLayer, SessionService};

// The engine's types, where tower and axum users look for them.
pub use crate::engine::{
    ConfigError, DEFAULT_MAX_CHUNKS, DEFAULT_MAX_REQUEST_BYTES, MAX_CHUNKS, SameSite,
    SessionConfig, SessionGuard, SessionHandle, SessionWriteError,
};
