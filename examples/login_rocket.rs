//! The login site (`examples/login_site/mod.rs`) on Rocket 0.5: routing and
//! glue only, the same routes, pages and start-up errors as
//! `examples/login.rs` (axum) and `examples/login_actix.rs` (actix-web).
//!
//! ```sh
//! cargo run --example login_rocket   # http://127.0.0.1:8000/ (PORT overrides)
//! ```
//!
//! Rocket 0.5 binds its own socket from its configuration: the site checks
//! the port first (so a busy port names `PORT`), then hands the number to
//! Rocket.

pub mod login_site;

use std::collections::HashMap;
use std::io::Cursor;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use rocket::data::{ByteUnit, Limits};
use rocket::form::Form;
use rocket::http::{ContentType, Status};
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use rocket::{Build, Rocket, State, get, post, routes};
use session_cookie::engine::{SessionEngine, SessionHandle};
use session_cookie::rocket::SessionFairing;

use login_site::{MAX_FORM_BYTES, Reply, Sessions, Site, StartError, Users};

/// The site on Rocket, for `port` on loopback.
pub fn rocket(users: Arc<Users>, sessions: Sessions, port: u16) -> Rocket<Build> {
    let (site, engine) = Site::new(users, sessions);
    build(site, engine, port)
}

fn build(site: Site, engine: SessionEngine, port: u16) -> Rocket<Build> {
    let bytes = u64::try_from(MAX_FORM_BYTES).unwrap_or(u64::MAX);
    let config = rocket::Config {
        address: Ipv4Addr::LOCALHOST.into(),
        port,
        // Rocket's default form limit (32 KiB) would refuse a long draft
        // before the site can say it is too large for the cookies.
        limits: Limits::default().limit("form", ByteUnit::from(bytes)),
        log_level: rocket::config::LogLevel::Off,
        cli_colors: false,
        ..rocket::Config::default()
    };
    rocket::custom(config)
        .manage(site)
        .attach(SessionFairing::new(engine))
        .mount(
            "/",
            routes![
                home,
                login_form,
                login,
                logout_form,
                logout,
                logout_everywhere,
                draft_form,
                save_draft
            ],
        )
}

impl<'r> Responder<'r, 'static> for Reply {
    fn respond_to(self, _request: &'r Request<'_>) -> response::Result<'static> {
        match self {
            Self::Page(status, html) => Response::build()
                .status(Status::new(status))
                .header(ContentType::HTML)
                .sized_body(html.len(), Cursor::new(html))
                .ok(),
            Self::SeeOther(path) => Response::build()
                .status(Status::SeeOther)
                .raw_header("Location", path)
                .ok(),
            Self::ServerError => Response::build().status(Status::InternalServerError).ok(),
        }
    }
}

/// A form's fields; a body that is not a form is no fields, which the site
/// answers with its CSRF 403 rather than Rocket's 422.
type FormFields = Option<Form<HashMap<String, String>>>;

fn fields(form: FormFields) -> HashMap<String, String> {
    form.map(Form::into_inner).unwrap_or_default()
}

#[get("/")]
fn home(site: &State<Site>, session: SessionHandle) -> Reply {
    site.home(&session)
}

#[get("/login")]
fn login_form(site: &State<Site>, session: SessionHandle) -> Reply {
    site.login_form(&session)
}

#[post("/login", data = "<form>")]
async fn login(site: &State<Site>, session: SessionHandle, form: FormFields) -> Reply {
    site.login(&session, &fields(form)).await
}

#[get("/logout")]
fn logout_form(site: &State<Site>, session: SessionHandle) -> Reply {
    site.logout_form(&session)
}

#[post("/logout", data = "<form>")]
fn logout(site: &State<Site>, session: SessionHandle, form: FormFields) -> Reply {
    site.logout(&session, &fields(form))
}

#[post("/logout-everywhere", data = "<form>")]
fn logout_everywhere(site: &State<Site>, session: SessionHandle, form: FormFields) -> Reply {
    site.logout_everywhere(&session, &fields(form))
}

#[get("/posts/new")]
fn draft_form(site: &State<Site>, session: SessionHandle) -> Reply {
    site.draft_form(&session)
}

#[post("/posts/new", data = "<form>")]
fn save_draft(site: &State<Site>, session: SessionHandle, form: FormFields) -> Reply {
    site.save_draft(&session, &fields(form))
}

async fn run() -> Result<(), StartError> {
    let start = login_site::start_up()?;
    let addr: SocketAddr = start.addr;
    // The port was free a moment ago (or `start_up` said why not); Rocket
    // binds it again itself.
    drop(start.listener);
    build(start.site, start.engine, addr.port())
        .launch()
        .await
        .map(drop)
        .map_err(|err| StartError::serving(addr, &err))
}

#[rocket::main]
async fn main() -> std::process::ExitCode {
    login_site::exit("login_rocket", run().await)
}
