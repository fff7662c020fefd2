//! The login site of `examples/login.rs` on actix-web 4: the same routes,
//! pages, status codes, environment variables and start-up errors, behind
//! [`SessionMiddleware`].
//!
//! ```sh
//! cargo run --example login_actix    # http://127.0.0.1:8000/ (PORT overrides)
//! ```
//!
//! Log in as `alice` / `wonderland`. This file is the actix-web routing
//! and glue only; the site (users, Argon2, CSRF, pages, configuration:
//! `PORT`, `SESSION_KEYS`, `SESSION_KEYS_FILE`, `SECURE`) is
//! `examples/login_site/mod.rs`, described in `examples/login.rs`.
//!
//! The integration tests (`tests/http_login.rs`, `tests/browser.rs`)
//! include this file and run [`server`] on a loopback port.

pub mod login_site;

use std::collections::HashMap;
use std::sync::Arc;

use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use actix_web::{App, HttpRequest, HttpResponse, HttpServer, Responder, web};
use session_cookie::actix::SessionMiddleware;
use session_cookie::engine::{SessionEngine, SessionHandle};

use login_site::{MAX_FORM_BYTES, Reply, Sessions, Site, StartError, Users};

/// The site of `users` behind `sessions`, served on `listener` (the
/// returned server runs when awaited, and stops with its handle).
///
/// # Errors
///
/// When actix-web cannot take the listener.
pub fn server(
    users: Arc<Users>,
    sessions: Sessions,
    listener: std::net::TcpListener,
) -> std::io::Result<actix_web::dev::Server> {
    let (site, engine) = Site::new(users, sessions);
    serve(site, engine, listener)
}

fn serve(
    site: Site,
    engine: SessionEngine,
    listener: std::net::TcpListener,
) -> std::io::Result<actix_web::dev::Server> {
    // Called once per worker thread: every worker shares the site (and so
    // its queue of password checks) and the engine.
    let server = HttpServer::new(move || {
        App::new()
            .app_data(web::Data::new(site.clone()))
            .app_data(web::FormConfig::default().limit(MAX_FORM_BYTES))
            .wrap(SessionMiddleware::new(engine.clone()))
            .route("/", web::get().to(home))
            .service(
                web::resource("/login")
                    .route(web::get().to(login_form))
                    .route(web::post().to(login)),
            )
            .service(
                web::resource("/logout")
                    .route(web::get().to(logout_form))
                    .route(web::post().to(logout)),
            )
            .service(web::resource("/logout-everywhere").route(web::post().to(logout_everywhere)))
            .service(
                web::resource("/posts/new")
                    .route(web::get().to(draft_form))
                    .route(web::post().to(save_draft)),
            )
    });
    Ok(server.listen(listener)?.run())
}

impl Responder for Reply {
    type Body = BoxBody;

    fn respond_to(self, _request: &HttpRequest) -> HttpResponse {
        match self {
            Self::Page(status, html) => HttpResponse::build(
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            )
            .content_type("text/html; charset=utf-8")
            .body(html),
            Self::SeeOther(path) => HttpResponse::SeeOther()
                .insert_header((LOCATION, path))
                .finish(),
            Self::ServerError => HttpResponse::InternalServerError().finish(),
        }
    }
}

/// A POST route's form, or `None` when the body is not one.
type FormFields = Option<web::Form<HashMap<String, String>>>;

/// The form fields, or none when the body is not a form.
fn fields(form: FormFields) -> HashMap<String, String> {
    form.map(web::Form::into_inner).unwrap_or_default()
}

async fn home(site: web::Data<Site>, session: SessionHandle) -> Reply {
    site.home(&session)
}

async fn login_form(site: web::Data<Site>, session: SessionHandle) -> Reply {
    site.login_form(&session)
}

async fn login(site: web::Data<Site>, session: SessionHandle, form: FormFields) -> Reply {
    site.login(&session, &fields(form)).await
}

async fn logout_form(site: web::Data<Site>, session: SessionHandle) -> Reply {
    site.logout_form(&session)
}

async fn logout(site: web::Data<Site>, session: SessionHandle, form: FormFields) -> Reply {
    site.logout(&session, &fields(form))
}

async fn logout_everywhere(
    site: web::Data<Site>,
    session: SessionHandle,
    form: FormFields,
) -> Reply {
    site.logout_everywhere(&session, &fields(form))
}

async fn draft_form(site: web::Data<Site>, session: SessionHandle) -> Reply {
    site.draft_form(&session)
}

async fn save_draft(site: web::Data<Site>, session: SessionHandle, form: FormFields) -> Reply {
    site.save_draft(&session, &fields(form))
}

async fn run() -> Result<(), StartError> {
    let start = login_site::start_up()?;
    let addr = start.addr;
    serve(start.site, start.engine, start.listener)
        .map_err(|err| StartError::serving(addr, &err))?
        .await
        .map_err(|err| StartError::serving(addr, &err))
}

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    login_site::exit("login_actix", run().await)
}
