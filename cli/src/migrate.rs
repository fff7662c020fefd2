//! `session-cookie migrate`: a Django or Flask cookie in, a native token out.

use clap::ValueEnum;
use session_cookie::{
    DJANGO_SESSION_COOKIE_AGE, DjangoCodec, DjangoConfig, FLASK_SESSION_LIFETIME, FlaskCodec,
    FlaskConfig, MigrateError, NativeCodec, NativeConfig, migrate_at,
};

use crate::failure::Failure;
use crate::input::{MaxAge, Now, read_arg_or_stdin};
use crate::keys::{DjangoKeys, NativeKeys};

/// The formats a cookie can be migrated from.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum From {
    /// Django's `signed_cookies` session cookie.
    Django,
    /// Flask's session cookie.
    Flask,
}

/// The formats a cookie can be migrated to.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum To {
    /// This crate's own format (docs/FORMAT.md).
    Native,
}

#[derive(clap::Args)]
pub(crate) struct Args {
    /// The old format: the cookie is verified exactly as that framework
    /// verifies it.
    #[arg(long, value_enum)]
    from: From,
    /// The new format.
    #[arg(long, value_enum, default_value = "native")]
    to: To,
    /// The old format's keys: --secret (SECRET_KEY) and --fallback
    /// (SECRET_KEY_FALLBACKS, in the settings' order).
    #[command(flatten)]
    old: DjangoKeys,
    /// The native keys and context of the new token.
    #[command(flatten)]
    native: NativeKeys,
    /// The old format's salt; default: its session salt.
    #[arg(long)]
    salt: Option<String>,
    /// The old cookie's maximum age in seconds, or `none`; default: the old
    /// framework's (django 1209600, flask 2678400).
    #[arg(long, value_name = "SECONDS|none")]
    max_age: Option<MaxAge>,
    /// native: the absolute lifetime, counted from the old cookie's issue
    /// time; a session already past it is refused (`expired`).
    #[arg(long, value_name = "SECONDS|none", default_value = "none")]
    max_lifetime: MaxAge,
    /// native: encrypt (AES-256-GCM) instead of only signing.
    #[arg(long)]
    encrypt: bool,
    /// native, with --encrypt: pad the plaintext to a multiple of BYTES.
    #[arg(long, value_name = "BYTES", default_value_t = 1)]
    pad: usize,
    /// native: zlib-compress the JSON when that saves at least two bytes.
    #[arg(long)]
    compress: bool,
    /// The time of the migration in Unix seconds: the old cookie is checked
    /// and the token signed at this time; default: the system clock.
    #[arg(long, value_name = "UNIX")]
    now: Option<Now>,
    /// The old cookie value; read from stdin when absent.
    cookie: Option<String>,
}

pub(crate) fn run(args: Args) -> Result<String, Failure> {
    let To::Native = args.to;
    let cookie = read_arg_or_stdin(args.cookie)?;
    let cookie = cookie.trim();
    let now = Now::or_system(args.now);
    let base = if args.encrypt {
        NativeConfig::ENCRYPTED.with_padding(args.pad)
    } else {
        NativeConfig::SIGNED
    };
    let config = args
        .native
        .context(base)
        .with_compress(args.compress)
        .with_max_lifetime(args.max_lifetime.seconds());
    let to = NativeCodec::new(&args.native.ring()?, config).map_err(Failure::from)?;
    let ring = args.old.ring()?;
    let moved = match args.from {
        From::Django => {
            let max_age = args
                .max_age
                .map_or(Some(DJANGO_SESSION_COOKIE_AGE), MaxAge::seconds);
            let config = match args.salt {
                Some(salt) => DjangoConfig::SESSIONS.with_salt(salt),
                None => DjangoConfig::SESSIONS,
            };
            let codec = DjangoCodec::new(&ring, config.with_max_age(max_age));
            migrate_at(cookie, &codec, &to, now)
        }
        From::Flask => {
            let max_age = args
                .max_age
                .map_or(Some(FLASK_SESSION_LIFETIME), MaxAge::seconds);
            let config = match args.salt {
                Some(salt) => FlaskConfig::SESSIONS.with_salt(salt),
                None => FlaskConfig::SESSIONS,
            };
            let codec = FlaskCodec::new(&ring, config.with_max_age(max_age));
            migrate_at(cookie, &codec, &to, now)
        }
    };
    moved
        .map(session_cookie::Migrated::into_token)
        .map_err(|err: MigrateError| Failure::new(err.kind(), err))
}
