//! [`SessionHandle`] as an axum extractor.

use axum_core::extract::FromRequestParts;
use axum_core::response::{IntoResponse, Response};
use http::StatusCode;
use http::request::Parts;

use super::SessionHandle;

/// The request has no [`SessionHandle`]: the route is not behind a
/// [`SessionLayer`](super::SessionLayer). Answers 500.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingSessionLayer;

impl core::fmt::Display for MissingSessionLayer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("no session: the route is not behind a SessionLayer")
    }
}

impl std::error::Error for MissingSessionLayer {}

impl IntoResponse for MissingSessionLayer {
    fn into_response(self) -> Response {
        (StatusCode::INTERNAL_SERVER_ERROR, "no session layer").into_response()
    }
}

/// Takes the request's session from the extensions that
/// [`SessionLayer`](super::SessionLayer) filled, and loads it
/// ([`SessionHandle::load`]: with a revocation store, the one check).
///
/// # Errors
///
/// [`MissingSessionLayer`] when the route is not behind the layer.
impl<S: Send + Sync> FromRequestParts<S> for SessionHandle {
    type Rejection = MissingSessionLayer;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let session = parts
            .extensions
            .get::<SessionHandle>()
            .cloned()
            .ok_or(MissingSessionLayer)?;
        session.load().await;
        Ok(session)
    }
}
