//! Moving users from Django's cookie (or Flask's) to the native format
//! through the session layer: an old cookie is accepted once, answered with
//! a native one that keeps the original issue time, and from then on only
//! the native cookie is read.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed unwrap is a failed test

use axum::Router;
use axum::body::Body;
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::{Request, Response};
use axum::routing::get;
use session_cookie::Migrating;
use session_cookie::engine::SessionEngine;
use session_cookie::http::{SessionConfig, SessionHandle, SessionLayer};
use session_cookie::{
    DjangoCodec, FlaskCodec, FlaskConfig, Limits, MasterKey, NativeCodec, NativeConfig,
    NativeKeyRing, SecretKeys, UnixTime, inspect,
};
use tower::ServiceExt as _;

fn app(layer: SessionLayer) -> Router {
    Router::new()
        .route(
            "/whoami",
            get(|session: SessionHandle| async move {
                session
                    .get::<u64>("user_id")
                    .unwrap()
                    .map_or_else(|| "anonymous".to_owned(), |id| id.to_string())
            }),
        )
        .layer(layer)
}

async fn whoami(layer: &SessionLayer, cookie: &str) -> (String, Option<String>) {
    let request = Request::get("/whoami")
        .header(COOKIE, format!("sessionid={cookie}"))
        .body(Body::empty())
        .unwrap();
    let response: Response<Body> = app(layer.clone()).oneshot(request).await.unwrap();
    let set_cookie = response
        .headers()
        .get(SET_COOKIE)
        .map(|v| v.to_str().unwrap().to_owned());
    let body = axum::body::to_bytes(response.into_body(), 1 << 16)
        .await
        .unwrap();
    (String::from_utf8(body.to_vec()).unwrap(), set_cookie)
}

fn new_cookie_value(set_cookie: &str) -> String {
    let pair = set_cookie.split(';').next().unwrap();
    pair.strip_prefix("sessionid=").unwrap().to_owned()
}

fn native(ring: &NativeKeyRing) -> NativeCodec {
    NativeCodec::new(ring, NativeConfig::ENCRYPTED).unwrap()
}

#[tokio::test]
async fn a_django_user_comes_back_and_leaves_with_a_native_cookie() {
    let issued = UnixTime::now().as_secs() - 3_600;
    let django = DjangoCodec::sessions(&SecretKeys::new("the-old-django-secret-key").unwrap());
    let old_cookie = django
        .encode_at(
            &serde_json::json!({"user_id": 42}),
            UnixTime::from_secs(issued),
        )
        .unwrap();
    let ring = NativeKeyRing::new(MasterKey::generate("k1").unwrap());
    let layer = SessionLayer::new(
        SessionEngine::new(
            Migrating::new(native(&ring), django.clone()),
            SessionConfig::DJANGO,
        )
        .unwrap(),
    );

    let (who, set_cookie) = whoami(&layer, &old_cookie).await;
    assert_eq!(who, "42", "the Django cookie is accepted");
    let native_value = new_cookie_value(&set_cookie.expect("answered with a new cookie"));
    let seen = inspect(&native_value, Limits::DEFAULT).unwrap();
    let header = seen.native().expect("the new cookie is native");
    assert_eq!(
        header.first_issued_at,
        Some(UnixTime::from_secs(issued)),
        "first issue kept"
    );

    // The native cookie is read as it is, with no further re-issue.
    let (who, set_cookie) = whoami(&layer, &native_value).await;
    assert_eq!((who.as_str(), set_cookie), ("42", None));

    // Once the old codec is gone, old cookies are anonymous again.
    let native_only =
        SessionLayer::new(SessionEngine::new(native(&ring), SessionConfig::DJANGO).unwrap());
    assert_eq!(whoami(&native_only, &old_cookie).await.0, "anonymous");
    assert_eq!(whoami(&native_only, &native_value).await.0, "42");
}

#[tokio::test]
async fn a_flask_user_comes_back_too_and_forgeries_stay_anonymous() {
    let flask = FlaskCodec::new(
        &SecretKeys::new("the-old-flask-secret-key").unwrap(),
        FlaskConfig::SESSIONS,
    );
    let old_cookie = flask
        .encode_at(&serde_json::json!({"user_id": 7}), UnixTime::now())
        .unwrap();
    let ring = NativeKeyRing::new(MasterKey::generate("k1").unwrap());
    let layer = SessionLayer::new(
        SessionEngine::new(Migrating::new(native(&ring), flask), SessionConfig::DJANGO).unwrap(),
    );

    let (who, set_cookie) = whoami(&layer, &old_cookie).await;
    assert_eq!(who, "7");
    let native_value = new_cookie_value(&set_cookie.unwrap());
    assert!(
        inspect(&native_value, Limits::DEFAULT)
            .unwrap()
            .native()
            .is_some()
    );

    let forged = old_cookie.replace('e', "f");
    assert_eq!(whoami(&layer, &forged).await.0, "anonymous");
}
