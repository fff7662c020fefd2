//! `session-cookie`: encode, decode and inspect session cookies from the
//! command line.
//!
//! The interface is a contract that scripts rely on: the cookie or JSON on
//! one line of stdout, exit status 0 on success, and on failure exit status
//! 1 with exactly one line `error: <kind>: <message>` on stderr. Usage
//! errors exit with status 2.

mod failure;
mod input;
mod keys;

use std::io::Write;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use session_cookie::{DjangoCodec, DjangoConfig, Limits, UnixTime, inspect, json};

use crate::failure::Failure;
use crate::input::{MaxAge, Now, read_arg_or_stdin};
use crate::keys::KeyArgs;

const SECRET_WARNING: &str = "Secrets given with --secret or --fallback are visible to other \
local users (for example in `ps` output and shell history); prefer --secret-env or --secret-file.";

#[derive(Parser)]
#[command(name = "session-cookie", version, about = "Encode, decode and inspect session cookies", after_help = SECRET_WARNING)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, ValueEnum)]
enum FormatArg {
    /// Django's `signing.dumps` / `signed_cookies` session format.
    Django,
}

#[derive(Subcommand)]
enum Command {
    /// Sign a JSON value and print the cookie value.
    #[command(after_help = SECRET_WARNING)]
    Encode {
        /// Wire format.
        #[arg(long, value_enum, default_value = "django")]
        format: FormatArg,
        #[command(flatten)]
        keys: KeyArgs,
        /// Salt (namespace); default: Django's session salt
        /// `django.contrib.sessions.backends.signed_cookies`.
        #[arg(long)]
        salt: Option<String>,
        /// zlib-compress the JSON when that saves at least two bytes.
        #[arg(long)]
        compress: bool,
        /// Signing time in Unix seconds (fractions are truncated); default:
        /// the system clock.
        #[arg(long, value_name = "UNIX")]
        now: Option<Now>,
        /// The JSON value; read from stdin when absent. Numbers keep every
        /// digit and objects keep their key order.
        json: Option<String>,
    },
    /// Verify a cookie value and print its payload as compact JSON.
    #[command(after_help = SECRET_WARNING)]
    Decode {
        /// Wire format.
        #[arg(long, value_enum, default_value = "django")]
        format: FormatArg,
        #[command(flatten)]
        keys: KeyArgs,
        /// Salt (namespace); default: Django's session salt.
        #[arg(long)]
        salt: Option<String>,
        /// Maximum age in seconds, or `none`; default: 1209600 (Django's
        /// SESSION_COOKIE_AGE).
        #[arg(long, value_name = "SECONDS|none", default_value = "1209600")]
        max_age: MaxAge,
        /// The time to check the age against, in Unix seconds; default: the
        /// system clock.
        #[arg(long, value_name = "UNIX")]
        now: Option<Now>,
        /// The cookie value; read from stdin when absent.
        cookie: Option<String>,
    },
    /// Show what a cookie claims, without any key. Nothing shown is verified.
    Inspect {
        /// The time to compute the age against, in Unix seconds; default:
        /// the system clock.
        #[arg(long, value_name = "UNIX")]
        now: Option<Now>,
        /// The cookie value; read from stdin when absent.
        cookie: Option<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(text) => {
            let mut stdout = std::io::stdout().lock();
            if writeln!(stdout, "{text}")
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("{failure}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<String, Failure> {
    match command {
        Command::Encode {
            format: FormatArg::Django,
            keys,
            salt,
            compress,
            now,
            json: text,
        } => {
            let text = read_arg_or_stdin(text)?;
            let value: serde_json::Value = serde_json::from_str(text.trim())
                .map_err(|err| Failure::new("invalid-json", err))?;
            let codec =
                DjangoCodec::new(&keys.ring()?, django_config(salt).with_compress(compress));
            codec
                .encode_at(&value, Now::or_system(now))
                .map_err(|err| Failure::new("invalid-json", err))
        }
        Command::Decode {
            format: FormatArg::Django,
            keys,
            salt,
            max_age,
            now,
            cookie,
        } => {
            let cookie = read_arg_or_stdin(cookie)?;
            let codec = DjangoCodec::new(
                &keys.ring()?,
                django_config(salt).with_max_age(max_age.seconds()),
            );
            let decoded = codec
                .decode_at::<serde_json::Value>(cookie.trim(), Now::or_system(now))
                .map_err(Failure::from)?;
            json::to_string(decoded.value()).map_err(|err| Failure::new("bad-payload", err))
        }
        Command::Inspect { now, cookie } => {
            let cookie = read_arg_or_stdin(cookie)?;
            let seen = inspect(cookie.trim(), Limits::DEFAULT).map_err(Failure::from)?;
            Ok(describe(&seen, Now::or_system(now)))
        }
    }
}

fn django_config(salt: Option<String>) -> DjangoConfig {
    match salt {
        Some(salt) => DjangoConfig::SESSIONS.with_salt(salt),
        None => DjangoConfig::SESSIONS,
    }
}

/// The human-readable report of `inspect`.
fn describe(seen: &session_cookie::Inspection, now: UnixTime) -> String {
    use core::fmt::Write as _;

    let mut out = String::new();
    let _ = writeln!(out, "format:     {}", seen.format().name());
    let _ = writeln!(out, "signature:  HMAC-SHA256, NOT VERIFIED (no key given)");
    let _ = writeln!(
        out,
        "compressed: {}",
        if seen.compressed() { "yes" } else { "no" }
    );
    match seen.issued_at() {
        Some(at) => {
            let age = i128::from(now.as_secs()) - i128::from(at.as_secs());
            let _ = writeln!(
                out,
                "issued at:  {} ({}), age {age} s",
                at.as_secs(),
                utc_date(at)
            );
        }
        None => {
            let _ = writeln!(out, "issued at:  unreadable");
        }
    }
    let size =
        |n: Option<usize>| n.map_or_else(|| "unreadable".to_owned(), |n| format!("{n} bytes"));
    let _ = writeln!(
        out,
        "sizes:      cookie {} bytes, payload {}{}, JSON {}",
        seen.cookie_len(),
        size(seen.payload_len()),
        if seen.compressed() { " compressed" } else { "" },
        size(seen.json_len()),
    );
    let payload = match seen.payload_unverified() {
        Ok(value) => json::to_string(value).unwrap_or_else(|err| format!("<{err}>")),
        Err(err) => format!("<{err}>"),
    };
    let _ = write!(out, "payload (UNVERIFIED): {payload}");
    out
}

fn utc_date(at: UnixTime) -> String {
    time::OffsetDateTime::from_unix_timestamp(at.as_secs())
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "out of range".to_owned())
}
