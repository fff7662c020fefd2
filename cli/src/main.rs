//! `session-cookie`: make keys, and encode, decode and inspect session
//! cookies from the command line.
//!
//! The interface is a contract that scripts rely on: the cookie or JSON on
//! one line of stdout, exit status 0 on success, and on failure exit status
//! 1 with exactly one line `error: <kind>: <message>` on stderr. Usage
//! errors exit with status 2.

mod failure;
mod input;
mod keys;
mod migrate;
mod report;
mod signing;

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use serde_json::value::RawValue;
use session_cookie::json::tagged::Wire;
use session_cookie::signing::itsdangerous;
use session_cookie::{
    DJANGO_SESSION_COOKIE_AGE, DjangoCodec, DjangoConfig, FLASK_SESSION_LIFETIME, FlaskCodec,
    FlaskConfig, Limits, MasterKey, Mode, NativeCodec, NativeConfig, inspect, json,
};

use crate::failure::Failure;
use crate::input::{MaxAge, Now, Seconds, read_arg_or_stdin};
use crate::keys::{DjangoKeys, NativeKeys};
use crate::signing::{Dialect, SignArgs};

const SECRET_WARNING: &str = "Secrets and keys given on the command line (--secret, --fallback, \
--key) are visible to other local users, for example in `ps` output and shell history; prefer \
--secret-env/--secret-file and --keys-env/--keys-file.";

#[derive(Parser)]
#[command(
    name = "session-cookie",
    version,
    about = "Make keys, and encode, decode and inspect session cookies",
    after_help = SECRET_WARNING
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// Django's `signing.dumps` / `signed_cookies` session format.
    Django,
    /// This crate's own format (docs/FORMAT.md).
    Native,
    /// Flask's session cookie (itsdangerous, docs/flask.md).
    Flask,
    /// itsdangerous' URLSafeSerializer, or URLSafeTimedSerializer with
    /// --timestamp (docs/signing.md).
    Itsdangerous,
}

impl FormatArg {
    /// `--max-age` when it is not given: each framework's default.
    fn default_max_age(self) -> Option<u64> {
        match self {
            Self::Django | Self::Native => Some(DJANGO_SESSION_COOKIE_AGE),
            Self::Flask => Some(FLASK_SESSION_LIFETIME),
            Self::Itsdangerous => None,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Print a new native-format key line `ID:BASE64URLKEY` (32 random bytes).
    Keygen {
        /// The key id: 1 to 32 characters of A-Z a-z 0-9 _ -; default
        /// `key-YYYYMMDD` (today, UTC).
        #[arg(long)]
        id: Option<String>,
    },
    /// Sign (or encrypt) a JSON value and print the cookie value.
    #[command(after_help = SECRET_WARNING)]
    Encode {
        /// Wire format.
        #[arg(long, value_enum, default_value = "django")]
        format: FormatArg,
        #[command(flatten)]
        django: DjangoKeys,
        #[command(flatten)]
        native: NativeKeys,
        /// django, flask: salt (namespace); default: the session salt
        /// (django `django.contrib.sessions.backends.signed_cookies`, flask
        /// `cookie-session`).
        #[arg(long)]
        salt: Option<String>,
        /// zlib-compress the JSON when that saves at least two bytes (flask
        /// always does).
        #[arg(long)]
        compress: bool,
        /// flask: the JSON is already in Flask's tagged wire form (as
        /// `decode` prints tagged sessions, or `decode --wire`): write it as
        /// it is, without escaping one-key objects named like tags.
        #[arg(long)]
        tagged: bool,
        /// native: encrypt (AES-256-GCM) instead of only signing.
        #[arg(long)]
        encrypt: bool,
        /// native, with --encrypt: pad the plaintext to a multiple of BYTES.
        #[arg(long, value_name = "BYTES", default_value_t = 1)]
        pad: usize,
        #[command(flatten)]
        dialect: Dialect,
        /// Signing time in Unix seconds (fractions are truncated); default:
        /// the system clock.
        #[arg(long, value_name = "UNIX")]
        now: Option<Now>,
        /// The JSON value; read from stdin when absent. Numbers keep every
        /// digit and objects keep their key order.
        json: Option<String>,
    },
    /// Verify (and decrypt) a cookie value and print its payload as compact JSON.
    #[command(after_help = SECRET_WARNING)]
    Decode {
        /// Wire format.
        #[arg(long, value_enum, default_value = "django")]
        format: FormatArg,
        #[command(flatten)]
        django: DjangoKeys,
        #[command(flatten)]
        native: NativeKeys,
        /// django, flask: salt (namespace); default: the session salt.
        #[arg(long)]
        salt: Option<String>,
        /// Maximum age in seconds since the cookie was issued, or `none`;
        /// default: 1209600 (Django's SESSION_COOKIE_AGE; native), 2678400
        /// (Flask's PERMANENT_SESSION_LIFETIME).
        #[arg(long, value_name = "SECONDS|none")]
        max_age: Option<MaxAge>,
        /// native: maximum seconds since the session was first issued, or
        /// `none` (the default).
        #[arg(long, value_name = "SECONDS|none", default_value = "none")]
        max_lifetime: MaxAge,
        /// native: accept only encrypted tokens (default: the token's own mode).
        #[arg(long)]
        encrypt: bool,
        /// flask: print the whole value in the tagged wire form, which
        /// `encode --tagged` writes back unchanged (default: the wire form
        /// only when the session holds tagged values, plain JSON otherwise).
        #[arg(long)]
        wire: bool,
        #[command(flatten)]
        dialect: Dialect,
        /// The time to check against, in Unix seconds; default: the system clock.
        #[arg(long, value_name = "UNIX")]
        now: Option<Now>,
        /// The cookie value; read from stdin when absent.
        cookie: Option<String>,
    },
    /// Sign a value as Django's Signer, TimestampSigner or signed cookies
    /// do, or itsdangerous' signers, and print it.
    #[command(after_help = SECRET_WARNING)]
    Sign {
        #[command(flatten)]
        args: SignArgs,
        /// The value; read from stdin when absent (without one trailing
        /// newline).
        value: Option<String>,
    },
    /// Verify a signed value and print the value.
    #[command(after_help = SECRET_WARNING)]
    Unsign {
        #[command(flatten)]
        args: SignArgs,
        /// With a timestamp: the maximum age in seconds (a fraction is
        /// allowed), or `none` (the default).
        #[arg(long, value_name = "SECONDS|none")]
        max_age: Option<Seconds>,
        /// The signed value; read from stdin when absent (without one
        /// trailing newline).
        signed: Option<String>,
    },
    /// Verify a Django or Flask cookie and re-issue its session as a native
    /// token that keeps the cookie's issue time as its first-issue time.
    #[command(after_help = SECRET_WARNING)]
    Migrate(migrate::Args),
    /// Show what a cookie claims, without any key. Nothing shown is verified.
    Inspect {
        /// The time to compute ages against, in Unix seconds; default: the
        /// system clock.
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

/// Exits with clap's usage error (status 2) for a flag that does not apply,
/// with the usage of the subcommand that was run (the first argument: the
/// top-level command has no flags that take a value).
fn usage(message: &str) -> ! {
    let mut cli = Cli::command();
    cli.build();
    let name = std::env::args_os().nth(1);
    let sub = name
        .as_deref()
        .and_then(std::ffi::OsStr::to_str)
        .and_then(|name| cli.find_subcommand(name).cloned());
    sub.unwrap_or(cli)
        .error(clap::error::ErrorKind::ArgumentConflict, message)
        .exit()
}

fn django_config(salt: Option<String>) -> DjangoConfig {
    match salt {
        Some(salt) => DjangoConfig::SESSIONS.with_salt(salt),
        None => DjangoConfig::SESSIONS,
    }
}

fn flask_config(salt: Option<String>) -> FlaskConfig {
    match salt {
        Some(salt) => FlaskConfig::SESSIONS.with_salt(salt),
        None => FlaskConfig::SESSIONS,
    }
}

fn run(command: Command) -> Result<String, Failure> {
    match command {
        Command::Keygen { id } => {
            let id = id.unwrap_or_else(report::default_key_id);
            let key = MasterKey::generate(&id).map_err(Failure::from)?;
            Ok(key.to_line().as_str().to_owned())
        }
        Command::Encode {
            format,
            django,
            native,
            salt,
            compress,
            tagged,
            encrypt,
            pad,
            dialect,
            now,
            json: text,
        } => {
            if dialect.given() && format != FormatArg::Itsdangerous {
                usage(
                    "--sep, --digest, --key-derivation and --timestamp apply to --format itsdangerous",
                );
            }
            if tagged && format != FormatArg::Flask {
                usage("--tagged applies to --format flask");
            }
            if format != FormatArg::Native {
                // A missing or unreadable secret is reported before the
                // input is read (or waited for).
                django.ring()?;
            }
            let text = read_arg_or_stdin(text)?;
            // Raw JSON keeps every number and key order exactly.
            let value: Box<RawValue> = serde_json::from_str(text.trim())
                .map_err(|err| Failure::new("invalid-json", err))?;
            let now = Now::or_system(now);
            let encoded = match format {
                FormatArg::Django => {
                    if native.given() || encrypt || pad != 1 {
                        usage(
                            "--key, --keys-*, --purpose, --cookie-name, --encrypt and --pad apply to --format native",
                        );
                    }
                    let config = django_config(salt).with_compress(compress);
                    DjangoCodec::new(&django.ring()?, config).encode_at(&value, now)
                }
                FormatArg::Flask => {
                    if native.given() || encrypt || pad != 1 {
                        usage(
                            "--key, --keys-*, --purpose, --cookie-name, --encrypt and --pad apply to --format native",
                        );
                    }
                    let codec = FlaskCodec::new(&django.ring()?, flask_config(salt));
                    if tagged {
                        let wire = Wire::parse(value.get())
                            .map_err(|err| Failure::new("invalid-json", err))?;
                        codec.encode_at(&wire, now)
                    } else {
                        codec.encode_at(&value, now)
                    }
                }
                FormatArg::Itsdangerous => {
                    if native.given() || encrypt || pad != 1 || tagged {
                        usage(
                            "--key, --keys-*, --purpose, --cookie-name, --encrypt, --pad and --tagged do not apply to --format itsdangerous",
                        );
                    }
                    let options = dialect.itsdangerous(salt)?;
                    let ring = django.ring()?;
                    if dialect.timestamp() {
                        itsdangerous::UrlSafeTimedSerializer::new(&ring, &options)
                            .dumps_at(&value, now)
                    } else {
                        itsdangerous::UrlSafeSerializer::new(&ring, &options).dumps(&value)
                    }
                }
                FormatArg::Native => {
                    if django.given() || salt.is_some() {
                        usage(
                            "--secret*, --fallback* and --salt apply to --format django and flask",
                        );
                    }
                    let base = if encrypt {
                        NativeConfig::ENCRYPTED.with_padding(pad)
                    } else {
                        NativeConfig::SIGNED
                    };
                    let config = native.context(base).with_compress(compress);
                    NativeCodec::new(&native.ring()?, config)
                        .map_err(Failure::from)?
                        .encode_at(&value, now)
                }
            };
            encoded.map_err(Failure::from)
        }
        Command::Decode {
            format,
            django,
            native,
            salt,
            max_age,
            max_lifetime,
            encrypt,
            wire,
            dialect,
            now,
            cookie,
        } => {
            if dialect.given() && format != FormatArg::Itsdangerous {
                usage(
                    "--sep, --digest, --key-derivation and --timestamp apply to --format itsdangerous",
                );
            }
            if format != FormatArg::Native {
                django.ring()?;
            }
            let cookie = read_arg_or_stdin(cookie)?;
            let cookie = cookie.trim();
            let now = Now::or_system(now);
            let max_age = max_age.map_or_else(|| format.default_max_age(), MaxAge::seconds);
            if wire && format != FormatArg::Flask {
                usage("--wire applies to --format flask");
            }
            let decoded = match format {
                FormatArg::Django => {
                    if native.given() || encrypt || max_lifetime.seconds().is_some() {
                        usage("--key, --keys-*, --purpose, --cookie-name, --encrypt and --max-lifetime apply to --format native");
                    }
                    let config = django_config(salt).with_max_age(max_age);
                    DjangoCodec::new(&django.ring()?, config)
                        .decode_at::<Box<RawValue>>(cookie, now)
                        .map(session_cookie::Decoded::into_value)
                }
                FormatArg::Flask => {
                    if native.given() || encrypt || max_lifetime.seconds().is_some() {
                        usage("--key, --keys-*, --purpose, --cookie-name, --encrypt and --max-lifetime apply to --format native");
                    }
                    let config = flask_config(salt).with_max_age(max_age);
                    let codec = FlaskCodec::new(&django.ring()?, config);
                    let decoded = codec
                        .decode_wire_at(cookie, now)
                        .map_err(Failure::from)?
                        .into_value();
                    // Plain sessions print as plain JSON; sessions with
                    // Python-only values in the wire form that keeps them.
                    if wire || decoded.has_tags() {
                        return Ok(decoded.to_string());
                    }
                    // The application's view, in the cookie's own key order
                    // (the wire form has Flask's sorted order).
                    codec
                        .decode_at::<Box<RawValue>>(cookie, now)
                        .map(session_cookie::Decoded::into_value)
                }
                FormatArg::Itsdangerous => {
                    if native.given() || encrypt || max_lifetime.seconds().is_some() {
                        usage("--key, --keys-*, --purpose, --cookie-name, --encrypt and --max-lifetime apply to --format native");
                    }
                    let options = dialect.itsdangerous(salt)?;
                    let ring = django.ring()?;
                    if dialect.timestamp() {
                        itsdangerous::UrlSafeTimedSerializer::new(&ring, &options)
                            .loads_at::<Box<RawValue>>(
                                cookie,
                                max_age.map(std::time::Duration::from_secs),
                                now,
                            )
                            .map(session_cookie::Decoded::into_value)
                    } else {
                        if max_age.is_some() {
                            usage("--max-age applies with --timestamp");
                        }
                        itsdangerous::UrlSafeSerializer::new(&ring, &options)
                            .loads::<Box<RawValue>>(cookie)
                    }
                }
                FormatArg::Native => {
                    if django.given() || salt.is_some() {
                        usage("--secret*, --fallback* and --salt apply to --format django and flask");
                    }
                    let mode = if encrypt {
                        Mode::Encrypted
                    } else {
                        token_mode(cookie)
                    };
                    let base = match mode {
                        Mode::Encrypted => NativeConfig::ENCRYPTED,
                        Mode::Signed => NativeConfig::SIGNED,
                    };
                    let config = native
                        .context(base)
                        .with_max_age(max_age)
                        .with_max_lifetime(max_lifetime.seconds());
                    NativeCodec::new(&native.ring()?, config)
                        .map_err(Failure::from)?
                        .decode_at::<Box<RawValue>>(cookie, now)
                        .map(session_cookie::Decoded::into_value)
                }
            }
            .map_err(Failure::from)?;
            json::to_string(&decoded).map_err(|err| Failure::new("bad-payload", err))
        }
        Command::Sign { args, value } => signing::sign(&args, value),
        Command::Unsign {
            args,
            max_age,
            signed,
        } => signing::unsign(&args, max_age, signed),
        Command::Migrate(args) => migrate::run(args),
        Command::Inspect { now, cookie } => {
            let cookie = read_arg_or_stdin(cookie)?;
            let seen = inspect(cookie.trim(), Limits::DEFAULT).map_err(Failure::from)?;
            Ok(report::describe(&seen, Now::or_system(now)))
        }
    }
}

/// The mode a native token claims; decoding then verifies it like every
/// other header field. Unparseable tokens get the signed codec, which
/// reports what is wrong with them.
fn token_mode(cookie: &str) -> Mode {
    inspect(cookie, Limits::DEFAULT)
        .ok()
        .and_then(|seen| seen.native().map(|header| header.mode))
        .unwrap_or(Mode::Signed)
}
