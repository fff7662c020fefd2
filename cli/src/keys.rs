//! Where secrets and keys come from: the command line, the environment, or
//! files.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use clap::Args;
use session_cookie::{NativeConfig, NativeKeyRing, Secret, SecretKeys};
use zeroize::Zeroizing;

use crate::failure::Failure;

/// Django's (or Flask's) `SECRET_KEY` and `SECRET_KEY_FALLBACKS`. The
/// fallback list is `--fallback`, then `--fallback-env`, then
/// `--fallback-file`, each in the order given; Django tries it from the
/// first, Flask from the last.
#[derive(Args)]
pub(crate) struct DjangoKeys {
    /// django, flask: the secret key (Django's SECRET_KEY, Flask's
    /// SECRET_KEY). Visible to other local users: prefer --secret-env or
    /// --secret-file.
    #[arg(long, value_name = "S", allow_hyphen_values = true, conflicts_with_all = ["secret_env", "secret_file"])]
    secret: Option<String>,
    /// django, flask: read the secret key from this environment variable.
    #[arg(long, value_name = "VAR", conflicts_with = "secret_file")]
    secret_env: Option<String>,
    /// django, flask: read the secret key from this file (one trailing newline is
    /// removed).
    #[arg(long, value_name = "PATH")]
    secret_file: Option<PathBuf>,
    /// django, flask: a fallback key (Django's SECRET_KEY_FALLBACKS, Flask's
    /// SECRET_KEY_FALLBACKS), repeatable. Visible to other local users:
    /// prefer --fallback-env or --fallback-file.
    #[arg(long, value_name = "S", allow_hyphen_values = true)]
    fallback: Vec<String>,
    /// django, flask: read a fallback key from this environment variable;
    /// repeatable.
    #[arg(long, value_name = "VAR")]
    fallback_env: Vec<String>,
    /// django, flask: read a fallback key from this file; repeatable.
    #[arg(long, value_name = "PATH")]
    fallback_file: Vec<PathBuf>,
}

impl DjangoKeys {
    pub(crate) fn given(&self) -> bool {
        self.secret.is_some()
            || self.secret_env.is_some()
            || self.secret_file.is_some()
            || !self.fallback.is_empty()
            || !self.fallback_env.is_empty()
            || !self.fallback_file.is_empty()
    }

    pub(crate) fn ring(&self) -> Result<SecretKeys, Failure> {
        let signing = match (&self.secret, &self.secret_env, &self.secret_file) {
            (Some(secret), _, _) => Secret::from(secret.as_str()),
            (_, Some(var), _) => Secret::new(from_env(var)?.to_vec()),
            (_, _, Some(path)) => Secret::new(from_file(path)?.to_vec()),
            (None, None, None) => crate::usage(
                "--format django and flask need --secret, --secret-env or --secret-file",
            ),
        };
        let mut ring = SecretKeys::new(signing).map_err(Failure::from)?;
        for fallback in &self.fallback {
            ring = ring.with_fallback(fallback.as_str());
        }
        for var in &self.fallback_env {
            ring = ring.with_fallback(from_env(var)?.to_vec());
        }
        for path in &self.fallback_file {
            ring = ring.with_fallback(from_file(path)?.to_vec());
        }
        Ok(ring)
    }
}

/// Native key lines `ID:BASE64URLKEY[:STATE]` and the token's context. The
/// first key is active and later ones verify-only unless a line says
/// otherwise; lines are taken from `--key`, then `--keys-env`, then
/// `--keys-file`.
#[derive(Args)]
pub(crate) struct NativeKeys {
    /// native: a key line ID:BASE64URLKEY[:STATE], repeatable; the first is
    /// active, the others verify-only. Visible to other local users: prefer
    /// --keys-env or --keys-file.
    #[arg(long, value_name = "LINE", allow_hyphen_values = true)]
    key: Vec<String>,
    /// native: read key lines from this environment variable.
    #[arg(long, value_name = "VAR")]
    keys_env: Option<String>,
    /// native: read key lines from this file.
    #[arg(long, value_name = "PATH")]
    keys_file: Option<PathBuf>,
    /// native: the application purpose the token is bound to; default `session`.
    #[arg(long, value_name = "P")]
    purpose: Option<String>,
    /// native: the cookie name the token is bound to (with any __Host- or
    /// __Secure- prefix); default `sessionid`.
    #[arg(long, value_name = "N")]
    cookie_name: Option<String>,
}

impl NativeKeys {
    pub(crate) fn given(&self) -> bool {
        !self.key.is_empty()
            || self.keys_env.is_some()
            || self.keys_file.is_some()
            || self.purpose.is_some()
            || self.cookie_name.is_some()
    }

    pub(crate) fn context(&self, config: NativeConfig) -> NativeConfig {
        let config = match &self.purpose {
            Some(purpose) => config.with_purpose(purpose.clone()),
            None => config,
        };
        match &self.cookie_name {
            Some(name) => config.with_cookie_name(name.clone()),
            None => config,
        }
    }

    pub(crate) fn ring(&self) -> Result<NativeKeyRing, Failure> {
        let mut text = Zeroizing::new(String::new());
        for line in &self.key {
            text.push_str(line);
            text.push('\n');
        }
        if let Some(var) = &self.keys_env {
            text.push_str(&utf8(from_env(var)?, var)?);
            text.push('\n');
        }
        if let Some(path) = &self.keys_file {
            text.push_str(&utf8(from_file(path)?, &path.display().to_string())?);
            text.push('\n');
        }
        if text.trim().is_empty() {
            crate::usage("--format native needs --key, --keys-env or --keys-file");
        }
        NativeKeyRing::parse(&text).map_err(Failure::from)
    }
}

fn utf8(bytes: Zeroizing<Vec<u8>>, source: &str) -> Result<Zeroizing<String>, Failure> {
    String::from_utf8(bytes.to_vec())
        .map(Zeroizing::new)
        .map_err(|_| Failure::new("key", format!("{source} is not UTF-8 text")))
}

fn from_env(var: &str) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let value: OsString = std::env::var_os(var)
        .ok_or_else(|| Failure::new("key", format!("environment variable {var} is not set")))?;
    Ok(Zeroizing::new(value.into_encoded_bytes()))
}

fn from_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, Failure> {
    let mut bytes =
        Zeroizing::new(std::fs::read(path).map_err(|err| {
            Failure::new("key", format!("cannot read {}: {err}", path.display()))
        })?);
    if bytes.last() == Some(&b'\n') {
        bytes.pop();
        if bytes.last() == Some(&b'\r') {
            bytes.pop();
        }
    }
    Ok(bytes)
}
