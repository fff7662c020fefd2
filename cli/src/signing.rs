//! `sign` and `unsign`: Django's `Signer`, `TimestampSigner` and signed
//! cookies, and itsdangerous' signers; and the options that `encode` and
//! `decode --format itsdangerous` share with them.

use clap::{Args, ValueEnum};
use session_cookie::signing::{Algorithm, KeyDerivation, django, itsdangerous};
use session_cookie::{DecodeError, SecretKeys, UnixTime};

use crate::failure::Failure;
use crate::input::{Now, Seconds, read_arg_or_stdin};
use crate::keys::DjangoKeys;
use crate::usage;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum SignFormat {
    /// django.core.signing.Signer, or TimestampSigner with --timestamp.
    DjangoSigner,
    /// HttpResponse.set_signed_cookie / HttpRequest.get_signed_cookie
    /// (Django 5.2.15 and later; always timestamped).
    DjangoCookie,
    /// itsdangerous.Signer, or TimestampSigner with --timestamp.
    Itsdangerous,
}

/// The options of the signing dialects.
#[derive(Args)]
pub(crate) struct Dialect {
    /// django-signer, itsdangerous: the separator (default `:` for Django,
    /// `.` for itsdangerous).
    #[arg(long, value_name = "SEP", allow_hyphen_values = true)]
    sep: Option<String>,
    /// itsdangerous: the HMAC digest (default sha1).
    #[arg(long, value_name = "sha1|sha256|sha512")]
    digest: Option<Algorithm>,
    /// itsdangerous: how the key is made from the secret and the salt
    /// (default django-concat).
    #[arg(long, value_name = "django-concat|concat|hmac|none")]
    key_derivation: Option<KeyDerivation>,
    /// django-signer, itsdangerous: put a timestamp in (TimestampSigner,
    /// URLSafeTimedSerializer).
    #[arg(long)]
    timestamp: bool,
}

impl Dialect {
    pub(crate) fn given(&self) -> bool {
        self.sep.is_some()
            || self.digest.is_some()
            || self.key_derivation.is_some()
            || self.timestamp
    }

    pub(crate) fn timestamp(&self) -> bool {
        self.timestamp
    }

    /// The itsdangerous options these flags and `salt` make.
    pub(crate) fn itsdangerous(
        &self,
        salt: Option<String>,
    ) -> Result<itsdangerous::Options, Failure> {
        let mut options = itsdangerous::Options::new()
            .with_digest(self.digest.unwrap_or(Algorithm::Sha1))
            .with_key_derivation(self.key_derivation.unwrap_or(KeyDerivation::DjangoConcat));
        if let Some(salt) = salt {
            options = options.with_salt(salt);
        }
        if let Some(sep) = &self.sep {
            options = options.with_sep(sep.clone()).map_err(Failure::from)?;
        }
        Ok(options)
    }
}

/// `sign` and `unsign`.
#[derive(Args)]
pub(crate) struct SignArgs {
    /// What to sign as.
    #[arg(long, value_enum)]
    format: SignFormat,
    #[command(flatten)]
    keys: DjangoKeys,
    /// The salt (default: Django's class path, `itsdangerous.Signer`, or
    /// empty for django-cookie).
    #[arg(long, allow_hyphen_values = true)]
    salt: Option<String>,
    #[command(flatten)]
    dialect: Dialect,
    /// django-signer: the HMAC algorithm (default sha256).
    #[arg(long, value_name = "sha1|sha256|sha512")]
    algorithm: Option<Algorithm>,
    /// django-cookie: the cookie's name (part of the salt).
    #[arg(long, value_name = "COOKIE_NAME")]
    name: Option<String>,
    /// django-cookie: when unsigning, do not fall back to the salt older
    /// Django used (SIGNED_COOKIE_LEGACY_SALT_FALLBACK = False); signing
    /// always uses the current salt.
    #[arg(long)]
    no_legacy_salt: bool,
    /// The signing time (sign) or the time to check against (unsign), in
    /// Unix seconds; default: the system clock.
    #[arg(long, value_name = "UNIX")]
    now: Option<Now>,
}

/// One signer of any dialect.
enum AnySigner {
    Django(django::Signer),
    DjangoTimed(django::TimestampSigner),
    Cookie(Box<django::CookieSigner>),
    Its(itsdangerous::Signer),
    ItsTimed(itsdangerous::TimestampSigner),
}

impl SignArgs {
    fn signer(&self) -> Result<AnySigner, Failure> {
        let format = self.format;
        if self.algorithm.is_some() && format != SignFormat::DjangoSigner {
            usage("--algorithm applies to --format django-signer");
        }
        if (self.dialect.digest.is_some() || self.dialect.key_derivation.is_some())
            && format != SignFormat::Itsdangerous
        {
            usage("--digest and --key-derivation apply to --format itsdangerous");
        }
        if format == SignFormat::DjangoCookie {
            if self.dialect.timestamp || self.dialect.sep.is_some() {
                usage("--format django-cookie is always timestamped, with Django's separator");
            }
        } else if self.name.is_some() || self.no_legacy_salt {
            usage("--name and --no-legacy-salt apply to --format django-cookie");
        }
        let ring: SecretKeys = self.keys.ring()?;
        let salt = self.salt.clone();
        Ok(match format {
            SignFormat::DjangoSigner => {
                let mut options = django::Options::new()
                    .with_algorithm(self.algorithm.unwrap_or(Algorithm::Sha256));
                if let Some(salt) = salt {
                    options = options.with_salt(salt);
                }
                if let Some(sep) = &self.dialect.sep {
                    options = options.with_sep(sep.clone()).map_err(Failure::from)?;
                }
                if self.dialect.timestamp {
                    AnySigner::DjangoTimed(django::TimestampSigner::new(&ring, &options))
                } else {
                    AnySigner::Django(django::Signer::new(&ring, &options))
                }
            }
            SignFormat::DjangoCookie => {
                let Some(name) = &self.name else {
                    usage("--format django-cookie needs --name");
                };
                let cookies = django::CookieSigner::new(&ring, name, salt.as_deref().unwrap_or(""));
                AnySigner::Cookie(Box::new(if self.no_legacy_salt {
                    cookies.without_legacy_salt()
                } else {
                    cookies
                }))
            }
            SignFormat::Itsdangerous => {
                let options = self.dialect.itsdangerous(salt)?;
                if self.dialect.timestamp {
                    AnySigner::ItsTimed(itsdangerous::TimestampSigner::new(&ring, &options))
                } else {
                    AnySigner::Its(itsdangerous::Signer::new(&ring, &options))
                }
            }
        })
    }

    fn timestamped(&self) -> bool {
        self.dialect.timestamp || self.format == SignFormat::DjangoCookie
    }
}

/// The input of `sign` and `unsign`: the argument as it is, or stdin
/// without one trailing newline.
fn read_value(arg: Option<String>) -> Result<String, Failure> {
    let from_stdin = arg.is_none();
    let mut text = read_arg_or_stdin(arg)?;
    if from_stdin {
        if text.ends_with("\r\n") {
            text.truncate(text.len() - 2);
        } else if text.ends_with('\n') {
            text.truncate(text.len() - 1);
        }
    }
    Ok(text)
}

/// `sign`: the signed value.
pub(crate) fn sign(args: &SignArgs, value: Option<String>) -> Result<String, Failure> {
    let signer = args.signer()?;
    if args.now.is_some() && !args.timestamped() {
        usage("--now applies with --timestamp (and to --format django-cookie)");
    }
    let value = read_value(value)?;
    let now = Now::or_system(args.now);
    Ok(match signer {
        AnySigner::Django(signer) => signer.sign(&value),
        AnySigner::DjangoTimed(signer) => signer.sign_at(&value, now),
        AnySigner::Cookie(signer) => signer.sign_at(&value, now),
        AnySigner::Its(signer) => signer.sign(&value),
        AnySigner::ItsTimed(signer) => signer.sign_at(&value, now),
    })
}

/// `unsign`: the value, once verified.
pub(crate) fn unsign(
    args: &SignArgs,
    max_age: Option<Seconds>,
    signed: Option<String>,
) -> Result<String, Failure> {
    let signer = args.signer()?;
    if !args.timestamped() && (max_age.is_some() || args.now.is_some()) {
        usage("--max-age and --now apply with --timestamp (and to --format django-cookie)");
    }
    let signed = read_value(signed)?;
    let max_age = max_age.unwrap_or_default().duration();
    let now: UnixTime = Now::or_system(args.now);
    let value: Result<&str, DecodeError> = match &signer {
        AnySigner::Django(signer) => signer.unsign(&signed),
        AnySigner::DjangoTimed(signer) => signer
            .unsign_at(&signed, max_age, now)
            .map(|d| d.into_value()),
        AnySigner::Cookie(signer) => signer
            .unsign_at(&signed, max_age, now)
            .map(|d| d.into_value()),
        AnySigner::Its(signer) => signer.unsign(&signed),
        AnySigner::ItsTimed(signer) => signer
            .unsign_at(&signed, max_age, now)
            .map(|d| d.into_value()),
    };
    value.map(str::to_owned).map_err(Failure::from)
}
