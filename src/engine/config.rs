//! The session cookie's name and attributes, with Django's defaults, and
//! the `Set-Cookie` headers built from them with the `cookie` crate.

use std::borrow::Cow;

use cookie::Cookie;
use cookie::time::{Duration, OffsetDateTime};

use super::chunk;
use crate::codec::DJANGO_SESSION_COOKIE_AGE;

/// The `SameSite` attribute of the session cookie (RFC 6265bis §4.1.2.7).
///
/// # Examples
///
/// ```
/// use session_cookie::engine::{SameSite, SessionConfig};
///
/// assert_eq!(SessionConfig::DJANGO.same_site(), SameSite::Lax);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum SameSite {
    /// Sent only with requests from the same site.
    Strict,
    /// Also sent on top-level navigations from other sites (Django's
    /// default).
    Lax,
    /// Sent with cross-site requests too. Browsers drop a `SameSite=None`
    /// cookie without `Secure`, so it always gets `Secure`
    /// ([`SessionConfig::secure`]).
    None,
    /// No `SameSite` attribute at all (Django's `SESSION_COOKIE_SAMESITE =
    /// False`): the browser's own default applies.
    Unset,
}

/// Where and how the session cookie is written, and when it is re-issued:
/// the settings Django calls `SESSION_COOKIE_*`, `SESSION_SAVE_EVERY_REQUEST`
/// and `SESSION_EXPIRE_AT_BROWSER_CLOSE`, plus the chunking limit.
///
/// [`SessionConfig::DJANGO`] (also [`Default`]) has Django's defaults:
/// cookie `sessionid`, `Max-Age=1209600`, `Path=/`, `HttpOnly`,
/// `SameSite=Lax`, no `Secure`, no `Domain`, re-issued only when the session
/// changed; and this crate's size policy (`docs/chunking.md` §6): every
/// `Set-Cookie` header at most 4096 bytes, attributes included, at most
/// [`DEFAULT_MAX_CHUNKS`] (2) cookies, and at most
/// [`DEFAULT_MAX_REQUEST_BYTES`] (7168) bytes of the request's `Cookie`
/// header for the session's cookies.
///
/// # Security
///
/// A name starting with `__Secure-` always gets `Secure`, and one starting
/// with `__Host-` always gets `Secure`, `Path=/` and no `Domain`, whatever
/// the settings say: browsers refuse such cookies otherwise. `SameSite=None`
/// and `Partitioned` also force `Secure`, which browsers require with them.
///
/// **Cookie tossing.** A `Cookie` header names cookies but not where they
/// came from: a sibling subdomain (`evil.example.com` setting
/// `Domain=example.com`), a plain-HTTP response on the same host, or a
/// script on a page of a longer path can plant a cookie of the session's
/// name, which the browser then sends beside (for a longer `Path`, before)
/// the real one. The engine tries up to four copies of the name in order and
/// takes the first that verifies, and never deletes cookies because one of
/// several copies failed, so junk does not log the user out; but a planted
/// *valid* session (the attacker's own, from the same site) verifies, and
/// logs the user in as the attacker. A `__Host-` name (`__Host-session`)
/// stops all of that: browsers accept such a cookie only from a secure
/// origin, host-only, with `Path=/`, so no other host or path can plant
/// one. Prefer `__Host-session` on HTTPS sites.
///
/// # Examples
///
/// ```
/// use session_cookie::engine::{SameSite, SessionConfig};
///
/// let config = SessionConfig::DJANGO
///     .with_name("__Host-session")
///     .with_same_site(SameSite::Strict)
///     .with_age(8 * 3600);
/// assert_eq!(config.name(), "__Host-session");
/// assert!(config.secure()); // forced by the __Host- prefix
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    name: Cow<'static, str>,
    age: u64,
    expire_at_browser_close: bool,
    secure: bool,
    http_only: bool,
    same_site: SameSite,
    domain: Option<Cow<'static, str>>,
    path: Cow<'static, str>,
    save_every_request: bool,
    partitioned: bool,
    max_chunks: usize,
    max_request_bytes: usize,
}

/// 400 days in seconds: browsers keep no cookie longer (RFC 6265bis §5.5).
const MAX_COOKIE_AGE: i64 = 400 * 86_400;

/// The most cookies one session may be split across, whatever
/// [`SessionConfig::with_max_chunks`] asks for: RFC 6265 §6.1 promises only
/// 50 cookies per domain.
pub const MAX_CHUNKS: usize = 20;

/// The default of [`SessionConfig::with_max_chunks`]: two cookies are what
/// [`DEFAULT_MAX_REQUEST_BYTES`] needs (one holds at most 4096 bytes, less
/// its attributes), and a third would only ever be used past the bytes that
/// nginx and Apache accept in a `Cookie` header.
pub const DEFAULT_MAX_CHUNKS: usize = 2;

/// The default of [`SessionConfig::with_max_request_bytes`]: 7 KiB for the
/// session's cookies in a request's `Cookie` header. With the field name
/// (`Cookie: `, 8 bytes) that leaves 1014 bytes for the site's other
/// cookies before Apache's default `LimitRequestFieldSize` (8190 bytes; nginx's
/// `large_client_header_buffers` allow 8192), and curl's 8190-byte cap on
/// the cookies it sends.
pub const DEFAULT_MAX_REQUEST_BYTES: usize = 7168;

/// The widest `Max-Age` the engine writes, in digits: ages are capped at
/// [`MAX_COOKIE_AGE`] (34560000).
const WIDEST_AGE: i64 = MAX_COOKIE_AGE;

impl SessionConfig {
    /// Django's defaults; see [`SessionConfig`].
    pub const DJANGO: Self = Self {
        name: Cow::Borrowed("sessionid"),
        age: DJANGO_SESSION_COOKIE_AGE,
        expire_at_browser_close: false,
        secure: false,
        http_only: true,
        same_site: SameSite::Lax,
        domain: None,
        path: Cow::Borrowed("/"),
        save_every_request: false,
        partitioned: false,
        max_chunks: DEFAULT_MAX_CHUNKS,
        max_request_bytes: DEFAULT_MAX_REQUEST_BYTES,
    };

    /// The cookie name (Django's `SESSION_COOKIE_NAME`). Chunks are named
    /// after it: `NAME.1`, `NAME.2`, …
    #[must_use]
    pub fn with_name(self, name: impl Into<Cow<'static, str>>) -> Self {
        Self {
            name: name.into(),
            ..self
        }
    }

    /// Seconds the browser keeps the cookie (Django's `SESSION_COOKIE_AGE`).
    /// [`SessionEngine::native`](super::SessionEngine::native) and
    /// [`SessionEngine::django`](super::SessionEngine::django) also make it
    /// the server's maximum age, as Django does.
    #[must_use]
    pub fn with_age(self, age: u64) -> Self {
        Self { age, ..self }
    }

    /// Write cookies without `Max-Age`/`Expires`, so the browser drops them
    /// when it closes (Django's `SESSION_EXPIRE_AT_BROWSER_CLOSE`). A
    /// session's own [`Session::set_expiry`](crate::Session::set_expiry)
    /// overrides it.
    #[must_use]
    pub fn with_expire_at_browser_close(self, expire_at_browser_close: bool) -> Self {
        Self {
            expire_at_browser_close,
            ..self
        }
    }

    /// Send the cookie only over HTTPS (Django's `SESSION_COOKIE_SECURE`).
    #[must_use]
    pub fn with_secure(self, secure: bool) -> Self {
        Self { secure, ..self }
    }

    /// Hide the cookie from JavaScript (Django's `SESSION_COOKIE_HTTPONLY`).
    #[must_use]
    pub fn with_http_only(self, http_only: bool) -> Self {
        Self { http_only, ..self }
    }

    /// The `SameSite` attribute (Django's `SESSION_COOKIE_SAMESITE`).
    #[must_use]
    pub fn with_same_site(self, same_site: SameSite) -> Self {
        Self { same_site, ..self }
    }

    /// The `Domain` attribute (Django's `SESSION_COOKIE_DOMAIN`), such as
    /// `example.com` to share the cookie with subdomains. Without it (the
    /// default, Django's `None`) the cookie is host-only. Ignored for
    /// `__Host-` names.
    #[must_use]
    pub fn with_domain(self, domain: impl Into<Cow<'static, str>>) -> Self {
        Self {
            domain: Some(domain.into()),
            ..self
        }
    }

    /// The `Path` attribute (Django's `SESSION_COOKIE_PATH`). Ignored for
    /// `__Host-` names, which always have `Path=/`.
    #[must_use]
    pub fn with_path(self, path: impl Into<Cow<'static, str>>) -> Self {
        Self {
            path: path.into(),
            ..self
        }
    }

    /// Re-issue the cookie on every response, not only when the session
    /// changed, so its age counts from the last request (Django's
    /// `SESSION_SAVE_EVERY_REQUEST`).
    #[must_use]
    pub fn with_save_every_request(self, save_every_request: bool) -> Self {
        Self {
            save_every_request,
            ..self
        }
    }

    /// `Partitioned` (CHIPS): in a third-party context the browser keeps
    /// the cookie in a jar of the top-level site, so an embedded
    /// application has one session per embedding site. Forces `Secure`,
    /// as browsers require; deletions carry it too, since a partitioned
    /// cookie is only deleted by a `Partitioned` `Set-Cookie`.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::{SameSite, SessionConfig};
    ///
    /// let embedded = SessionConfig::DJANGO
    ///     .with_name("__Host-session")
    ///     .with_same_site(SameSite::None)
    ///     .with_partitioned(true);
    /// assert!(embedded.partitioned() && embedded.secure());
    /// ```
    #[must_use]
    pub fn with_partitioned(self, partitioned: bool) -> Self {
        Self {
            partitioned,
            ..self
        }
    }

    /// The most cookies a session may be split across, from 1 (no
    /// chunking) to [`MAX_CHUNKS`]; [`DEFAULT_MAX_CHUNKS`] (2) by default.
    /// A session that needs more is not written
    /// ([`SessionEngine::with_on_write_error`](super::SessionEngine::with_on_write_error)
    /// says what happens then); [`SessionHandle::try_insert`](super::SessionHandle::try_insert)
    /// refuses such a change beforehand.
    ///
    /// Every cookie is sent with every request, so
    /// [`SessionConfig::with_max_request_bytes`] (7168 by default) limits
    /// the session too: raise both to store more, and only as far as every
    /// proxy in front of the site accepts (`docs/chunking.md` §7).
    #[must_use]
    pub fn with_max_chunks(self, max_chunks: usize) -> Self {
        let max_chunks = if max_chunks == 0 {
            1
        } else if max_chunks > MAX_CHUNKS {
            MAX_CHUNKS
        } else {
            max_chunks
        };
        Self { max_chunks, ..self }
    }

    /// The most bytes the session's cookies may take in a request's
    /// `Cookie` header: their `name=value` pairs and the `; ` between them.
    /// [`DEFAULT_MAX_REQUEST_BYTES`] (7168) by default, which keeps the
    /// whole header under the 8 KiB that nginx, Apache and curl accept,
    /// with 1014 bytes to spare for other cookies. A budget too small for
    /// any session makes every write fail; it never panics.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::SessionConfig;
    ///
    /// // Behind a proxy that allows 16 KiB header lines:
    /// let big = SessionConfig::DJANGO.with_max_chunks(4).with_max_request_bytes(15 * 1024);
    /// assert!(big.max_value_len() > 2 * SessionConfig::DJANGO.max_value_len());
    /// ```
    #[must_use]
    pub fn with_max_request_bytes(self, max_request_bytes: usize) -> Self {
        Self {
            max_request_bytes,
            ..self
        }
    }

    /// See [`SessionConfig::with_name`].
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// See [`SessionConfig::with_age`].
    #[must_use]
    pub const fn age(&self) -> u64 {
        self.age
    }

    /// See [`SessionConfig::with_expire_at_browser_close`].
    #[must_use]
    pub const fn expire_at_browser_close(&self) -> bool {
        self.expire_at_browser_close
    }

    /// Whether cookies get `Secure`: the setting, or forced by a
    /// `__Secure-`/`__Host-` name, by `SameSite=None` or by
    /// `Partitioned`.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::{SameSite, SessionConfig};
    ///
    /// assert!(!SessionConfig::DJANGO.secure());
    /// assert!(SessionConfig::DJANGO.with_same_site(SameSite::None).secure());
    /// ```
    #[must_use]
    pub fn secure(&self) -> bool {
        self.secure
            || self.name.starts_with("__Secure-")
            || self.host_prefixed()
            || self.same_site == SameSite::None
            || self.partitioned
    }

    /// See [`SessionConfig::with_partitioned`].
    #[must_use]
    pub const fn partitioned(&self) -> bool {
        self.partitioned
    }

    /// See [`SessionConfig::with_http_only`].
    #[must_use]
    pub const fn http_only(&self) -> bool {
        self.http_only
    }

    /// See [`SessionConfig::with_same_site`].
    #[must_use]
    pub const fn same_site(&self) -> SameSite {
        self.same_site
    }

    /// The `Domain` cookies get: the setting, or `None` for `__Host-`
    /// names.
    #[must_use]
    pub fn domain(&self) -> Option<&str> {
        if self.host_prefixed() {
            None
        } else {
            self.domain.as_deref()
        }
    }

    /// The `Path` cookies get: the setting, or `/` for `__Host-` names.
    #[must_use]
    pub fn path(&self) -> &str {
        if self.host_prefixed() {
            "/"
        } else {
            &self.path
        }
    }

    /// See [`SessionConfig::with_save_every_request`].
    #[must_use]
    pub const fn save_every_request(&self) -> bool {
        self.save_every_request
    }

    /// See [`SessionConfig::with_max_chunks`].
    #[must_use]
    pub const fn max_chunks(&self) -> usize {
        self.max_chunks
    }

    /// See [`SessionConfig::with_max_request_bytes`].
    #[must_use]
    pub const fn max_request_bytes(&self) -> usize {
        self.max_request_bytes
    }

    /// The longest cookie value (a codec's output) the engine can write:
    /// in at most [`SessionConfig::max_chunks`] cookies, each `Set-Cookie`
    /// header at most 4096 bytes with its attributes, and all of them at
    /// most [`SessionConfig::max_request_bytes`] in the `Cookie` header.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::engine::SessionConfig;
    ///
    /// // One cookie: 4096 bytes, less `sessionid=` and the attributes
    /// // (`; HttpOnly; SameSite=Lax; Path=/; Max-Age=…; Expires=…`).
    /// let one = SessionConfig::DJANGO.with_max_chunks(1);
    /// assert_eq!(one.max_value_len(), 4096 - "sessionid=".len() - 89);
    /// // Two cookies, 7168 bytes of `Cookie` header between them.
    /// let overhead = "sessionid=".len() + "sessionid.1=".len() + "; ".len()
    ///     + 2 * "~GGGGGGGG.0.2.".len(); // names, separator, chunk frames
    /// assert_eq!(SessionConfig::DJANGO.max_value_len(), 7168 - overhead);
    /// ```
    #[must_use]
    pub fn max_value_len(&self) -> usize {
        self.layout().max_value_len()
    }

    /// The sizes the chunker works with for this configuration.
    pub(crate) fn layout(&self) -> chunk::Layout {
        chunk::Layout {
            name_len: self.name.len(),
            attributes_len: self.attributes_len(),
            request_budget: self.max_request_bytes,
            max_chunks: self.max_chunks,
        }
    }

    /// The bytes a `Set-Cookie` header adds after the value, at their
    /// widest: with `Max-Age` of the most digits the engine writes and an
    /// `Expires` date (always 29 bytes for four-digit years). Measured on
    /// the header the `cookie` crate writes, so the count cannot drift from
    /// what is sent.
    fn attributes_len(&self) -> usize {
        let header = self.set_cookie("", "", Some(WIDEST_AGE), OffsetDateTime::UNIX_EPOCH);
        // `=` then the attributes.
        header.len().saturating_sub(1)
    }

    fn host_prefixed(&self) -> bool {
        self.name.starts_with("__Host-")
    }

    /// Checks what the `cookie` crate does not: that the name is an RFC 6265
    /// token short enough to leave room for a value, and that the path and
    /// domain cannot smuggle in another attribute.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let token = |b: u8| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b);
        if self.name.is_empty() || self.name.len() > 255 || !self.name.bytes().all(token) {
            return Err(ConfigError::Name);
        }
        let attribute = |text: &str| {
            !text.is_empty() && text.bytes().all(|b| b.is_ascii_graphic() && b != b';')
        };
        if !self.path.starts_with('/') || !attribute(&self.path) {
            return Err(ConfigError::Path);
        }
        if let Some(domain) = &self.domain {
            let label = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'.';
            if !attribute(domain) || !domain.bytes().all(label) {
                return Err(ConfigError::Domain);
            }
        }
        Ok(())
    }

    /// The `Set-Cookie` value for cookie `name` holding `value`; `max_age`
    /// `None` makes a browser-session cookie. Ages are capped at 400 days,
    /// the most RFC 6265bis §5.5 lets a browser keep a cookie (and enough
    /// to keep `Expires` far from overflow); a past expiry is `Max-Age=0`.
    pub(crate) fn set_cookie(
        &self,
        name: &str,
        value: &str,
        max_age: Option<i64>,
        now: OffsetDateTime,
    ) -> String {
        let mut cookie = self.cookie(name, value);
        if let Some(seconds) = max_age {
            let age = Duration::seconds(seconds.clamp(0, MAX_COOKIE_AGE));
            cookie.set_max_age(age);
            cookie.set_expires(now.checked_add(age).unwrap_or(now));
        }
        cookie.to_string()
    }

    /// The `Set-Cookie` value that deletes cookie `name` (as Django's
    /// `delete_cookie`: empty, `Max-Age=0`, expired in 1970, with the same
    /// path, domain and prefix attributes so the browser matches it).
    pub(crate) fn delete_cookie(&self, name: &str) -> String {
        let mut cookie = self.cookie(name, "");
        cookie.set_max_age(Duration::ZERO);
        cookie.set_expires(OffsetDateTime::UNIX_EPOCH);
        cookie.to_string()
    }

    fn cookie<'c>(&'c self, name: &'c str, value: &'c str) -> Cookie<'c> {
        let mut cookie = Cookie::new(name, value);
        cookie.set_path(self.path());
        if let Some(domain) = self.domain() {
            cookie.set_domain(domain);
        }
        cookie.set_secure(self.secure());
        if self.partitioned {
            cookie.set_partitioned(true);
        }
        cookie.set_http_only(self.http_only);
        cookie.set_same_site(match self.same_site {
            SameSite::Strict => Some(cookie::SameSite::Strict),
            SameSite::Lax => Some(cookie::SameSite::Lax),
            SameSite::None => Some(cookie::SameSite::None),
            SameSite::Unset => None,
        });
        cookie
    }
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self::DJANGO
    }
}

/// Why a [`SessionEngine`](super::SessionEngine) could not be built.
///
/// # Examples
///
/// ```
/// use session_cookie::engine::{ConfigError, SessionConfig, SessionEngine};
/// use session_cookie::{DjangoCodec, SecretKeys};
///
/// let codec = DjangoCodec::sessions(&SecretKeys::new("example-secret")?);
/// let err = SessionEngine::new(codec, SessionConfig::DJANGO.with_name("a;b")).unwrap_err();
/// assert_eq!(err, ConfigError::Name);
/// # Ok::<(), session_cookie::KeyError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The cookie name is empty, longer than 255 bytes, or has a character
    /// that is not allowed in an RFC 6265 cookie name.
    Name,
    /// The path does not start with `/`, or has a space, `;` or a
    /// non-ASCII character.
    Path,
    /// The domain has a character other than letters, digits, `-` and `.`.
    Domain,
    /// The codec's keys or context were refused.
    Key(crate::error::KeyError),
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Name => f.write_str("the session cookie name is not a valid cookie name"),
            Self::Path => f.write_str(
                "the session cookie path must start with / and have no spaces or semicolons",
            ),
            Self::Domain => {
                f.write_str("the session cookie domain may only have letters, digits, - and .")
            }
            Self::Key(err) => write!(f, "the session codec was refused: {err}"),
        }
    }
}

impl std::error::Error for ConfigError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Key(err) => Some(err),
            _ => None,
        }
    }
}

impl From<crate::error::KeyError> for ConfigError {
    fn from(err: crate::error::KeyError) -> Self {
        Self::Key(err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(secs).unwrap()
    }

    #[test]
    fn django_defaults() {
        let header =
            SessionConfig::DJANGO.set_cookie("sessionid", "v", Some(1_209_600), at(1_700_000_000));
        assert_eq!(
            header,
            "sessionid=v; HttpOnly; SameSite=Lax; Path=/; Max-Age=1209600; \
             Expires=Tue, 28 Nov 2023 22:13:20 GMT"
        );
        assert_eq!(
            SessionConfig::DJANGO.delete_cookie("sessionid"),
            "sessionid=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; \
             Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        );
        assert_eq!(SessionConfig::default(), SessionConfig::DJANGO);
    }

    #[test]
    fn ages_are_capped_at_400_days_and_never_negative() {
        let config = SessionConfig::DJANGO;
        let far = config.set_cookie("s", "v", Some(i64::MAX), at(0));
        assert!(far.contains("Max-Age=34560000; Expires="), "{far}");
        assert!(far.contains(" 05 Feb 1971 00:00:00 GMT"), "{far}");
        let past = config.set_cookie("s", "v", Some(-5), at(0));
        assert!(
            past.contains("Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT"),
            "{past}"
        );
    }

    #[test]
    fn browser_session_cookies_have_no_age() {
        let header = SessionConfig::DJANGO.set_cookie("sessionid", "v", None, at(0));
        assert!(
            !header.contains("Max-Age") && !header.contains("Expires"),
            "{header}"
        );
    }

    #[test]
    fn prefixes_force_their_attributes() {
        let host = SessionConfig::DJANGO
            .with_name("__Host-s")
            .with_domain("example.com")
            .with_path("/app")
            .with_same_site(SameSite::Strict);
        let header = host.set_cookie("__Host-s", "v", None, at(0));
        assert_eq!(
            header,
            "__Host-s=v; HttpOnly; SameSite=Strict; Secure; Path=/"
        );
        let secure = SessionConfig::DJANGO
            .with_name("__Secure-s")
            .with_domain("example.com")
            .with_same_site(SameSite::Unset)
            .with_http_only(false);
        assert_eq!(
            secure.delete_cookie("__Secure-s.1"),
            "__Secure-s.1=; Secure; Path=/; Domain=example.com; Max-Age=0; \
             Expires=Thu, 01 Jan 1970 00:00:00 GMT"
        );
    }

    #[test]
    fn validation() {
        let ok = SessionConfig::DJANGO.with_domain(".example.com");
        assert_eq!(ok.validate(), Ok(()));
        for name in ["", "a b", "a;b", "a=b", "é", &"n".repeat(256)] {
            let config = SessionConfig::DJANGO.with_name(name.to_owned());
            assert_eq!(config.validate(), Err(ConfigError::Name), "{name:?}");
        }
        for path in ["", "app", "/a;b", "/a b"] {
            let config = SessionConfig::DJANGO.with_path(path);
            assert_eq!(config.validate(), Err(ConfigError::Path), "{path:?}");
        }
        let config = SessionConfig::DJANGO.with_domain("a.com; Secure");
        assert_eq!(config.validate(), Err(ConfigError::Domain));
    }

    #[test]
    fn chunk_limits_are_clamped() {
        assert_eq!(SessionConfig::DJANGO.with_max_chunks(0).max_chunks(), 1);
        assert_eq!(
            SessionConfig::DJANGO.with_max_chunks(1000).max_chunks(),
            MAX_CHUNKS
        );
    }
}
