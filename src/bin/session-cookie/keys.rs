//! Where secrets come from: the command line, the environment, or files.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Args;
use session_cookie::{KeyRing, Secret};

use crate::failure::Failure;

/// The signing secret and the fallbacks. Fallbacks are tried in the order
/// `--fallback`, then `--fallback-env`, then `--fallback-file`, each in the
/// order given (Django's `SECRET_KEY_FALLBACKS` order).
#[derive(Args)]
pub(crate) struct KeyArgs {
    /// The secret key (Django's SECRET_KEY). Visible to other local users:
    /// prefer --secret-env or --secret-file.
    #[arg(
        long,
        value_name = "S",
        required_unless_present_any = ["secret_env", "secret_file"],
        conflicts_with_all = ["secret_env", "secret_file"]
    )]
    secret: Option<String>,
    /// Read the secret key from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "secret_file")]
    secret_env: Option<String>,
    /// Read the secret key from this file (one trailing newline is removed).
    #[arg(long, value_name = "PATH")]
    secret_file: Option<PathBuf>,
    /// A fallback key (Django's SECRET_KEY_FALLBACKS), repeatable. Visible to
    /// other local users: prefer --fallback-env or --fallback-file.
    #[arg(long, value_name = "S")]
    fallback: Vec<String>,
    /// Read a fallback key from this environment variable; repeatable.
    #[arg(long, value_name = "VAR")]
    fallback_env: Vec<String>,
    /// Read a fallback key from this file; repeatable.
    #[arg(long, value_name = "PATH")]
    fallback_file: Vec<PathBuf>,
}

impl KeyArgs {
    pub(crate) fn ring(&self) -> Result<KeyRing, Failure> {
        let signing = match (&self.secret, &self.secret_env, &self.secret_file) {
            (Some(secret), _, _) => Secret::from(secret.as_str()),
            (_, Some(var), _) => from_env(var)?,
            (_, _, Some(path)) => from_file(path)?,
            // clap requires one of the three.
            (None, None, None) => return Err(Failure::new("key", "no secret given")),
        };
        let mut ring = KeyRing::new(signing).map_err(|err| Failure::new("key", err))?;
        for fallback in &self.fallback {
            ring = ring.with_fallback(fallback.as_str());
        }
        for var in &self.fallback_env {
            ring = ring.with_fallback(from_env(var)?);
        }
        for path in &self.fallback_file {
            ring = ring.with_fallback(from_file(path)?);
        }
        Ok(ring)
    }
}

fn from_env(var: &str) -> Result<Secret, Failure> {
    let value: OsString = std::env::var_os(var)
        .ok_or_else(|| Failure::new("key", format!("environment variable {var} is not set")))?;
    Ok(Secret::new(value.into_encoded_bytes()))
}

fn from_file(path: &PathBuf) -> Result<Secret, Failure> {
    let mut bytes = std::fs::read(path)
        .map_err(|err| Failure::new("key", format!("cannot read {}: {err}", path.display())))?;
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    Ok(Secret::new(bytes))
}
