//! A small site with login, logout and a draft post, its whole session in
//! an encrypted cookie, on axum.
//!
//! ```sh
//! cargo run --example login          # http://127.0.0.1:8000/ (PORT overrides)
//! ```
//!
//! Log in as `alice` / `wonderland`. The session is the native format,
//! encrypted, behind [`SessionLayer`]: `POST /login` stores `user_id`, `/`
//! greets the user, `POST /logout` ends the session (`GET /logout` only
//! shows the form), and a long draft post (`/posts/new`) is split across
//! several cookies. Every POST form carries a `csrf_token` tied to the
//! session; a POST without the right one gets 403 and changes nothing.
//!
//! This file is the axum routing and glue only; the site itself (users,
//! Argon2, CSRF, pages, configuration) is `examples/login_site/mod.rs`,
//! which `examples/login_actix.rs` serves on actix-web.
//!
//! Configuration, all from the environment; anything invalid refuses to
//! start with one line on standard error naming the variable:
//!
//! - `PORT`: the port on 127.0.0.1 (default 8000).
//! - `SESSION_KEYS` (key lines, as printed by `session-cookie keygen`) or
//!   `SESSION_KEYS_FILE` (a file of them). Without either, the example
//!   uses a DEVELOPMENT key file under `target/`, made on first run; never
//!   deploy with it.
//! - `SECURE=1`: behind HTTPS, the cookie is `__Host-sessionid` with
//!   `Secure` (browsers then send it only over HTTPS). Leave it unset for
//!   plain `http://127.0.0.1`.
//! - `SESSION_REVOCATION`: where logged-out sessions are remembered, so that
//!   a copy of a logged-out cookie is refused: `memory` (the default, this
//!   process), `redis://HOST:PORT/DB` (one store for every server of the
//!   site: start two with the same keys and log out on either), or `off`.
//!   `POST /logout-everywhere` ends every session of the user.
//!
//! The integration tests (`tests/http_login.rs`, `tests/browser.rs`)
//! include this file and serve [`app`] on a loopback port.

pub mod login_site;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, Form, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use session_cookie::engine::SessionEngine;
use session_cookie::http::{SessionHandle, SessionLayer};

use login_site::{MAX_FORM_BYTES, Reply, Sessions, Site, StartError, Users};

/// The site's routes behind `sessions`.
pub fn app(users: Arc<Users>, sessions: Sessions) -> Router {
    let (site, engine) = Site::new(users, sessions);
    routes(site, engine)
}

fn routes(site: Site, engine: SessionEngine) -> Router {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_form).post(login))
        .route("/logout", get(logout_form).post(logout))
        .route("/logout-everywhere", post(logout_everywhere))
        .route("/posts/new", get(draft_form).post(save_draft))
        .with_state(site)
        .layer(DefaultBodyLimit::max(MAX_FORM_BYTES))
        .layer(SessionLayer::new(engine))
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        match self {
            Self::Page(status, html) => (
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                Html(html),
            )
                .into_response(),
            Self::SeeOther(path) => Redirect::to(path).into_response(),
            Self::ServerError => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
        }
    }
}

/// A POST route's form, or why the body is not one.
type FormFields = Result<Form<HashMap<String, String>>, FormRejection>;

/// The form fields, or none when the body is not a form.
fn fields(form: FormFields) -> HashMap<String, String> {
    form.map(|Form(fields)| fields).unwrap_or_default()
}

async fn home(State(site): State<Site>, session: SessionHandle) -> Reply {
    site.home(&session)
}

async fn login_form(State(site): State<Site>, session: SessionHandle) -> Reply {
    site.login_form(&session)
}

async fn login(State(site): State<Site>, session: SessionHandle, form: FormFields) -> Reply {
    site.login(&session, &fields(form)).await
}

async fn logout_form(State(site): State<Site>, session: SessionHandle) -> Reply {
    site.logout_form(&session)
}

async fn logout(State(site): State<Site>, session: SessionHandle, form: FormFields) -> Reply {
    site.logout(&session, &fields(form))
}

async fn logout_everywhere(
    State(site): State<Site>,
    session: SessionHandle,
    form: FormFields,
) -> Reply {
    site.logout_everywhere(&session, &fields(form))
}

async fn draft_form(State(site): State<Site>, session: SessionHandle) -> Reply {
    site.draft_form(&session)
}

async fn save_draft(State(site): State<Site>, session: SessionHandle, form: FormFields) -> Reply {
    site.save_draft(&session, &fields(form))
}

async fn run() -> Result<(), StartError> {
    let start = login_site::start_up()?;
    let addr = start.addr;
    let listener = tokio::net::TcpListener::from_std(start.listener)
        .map_err(|err| StartError::serving(addr, &err))?;
    axum::serve(listener, routes(start.site, start.engine))
        .await
        .map_err(|err| StartError::serving(addr, &err))
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    login_site::exit("login", run().await)
}
