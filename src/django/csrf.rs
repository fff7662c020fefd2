//! Django's CSRF protection (`django.middleware.csrf`, Django 5.2), byte for
//! byte: tokens made here pass Django's `CsrfViewMiddleware`, and tokens made
//! by Django pass [`CsrfConfig::check`].
//!
//! - The `csrftoken` cookie holds a [`CsrfSecret`]: 32 characters from
//!   `a-zA-Z0-9` (Django's `CSRF_SECRET_LENGTH` and `CSRF_ALLOWED_CHARS`).
//!   A new one is made at login ([`CsrfSecret::generate`], Django's
//!   `rotate_token`).
//! - Forms carry a *masked* token of 64 characters in the
//!   `csrfmiddlewaretoken` field ([`CsrfSecret::mask`], Django's
//!   `get_token`): a random 32-character mask followed by the secret
//!   shifted by the mask, so the token differs on every page (BREACH).
//!   JavaScript may send either form, or the cookie value itself, in the
//!   `X-CSRFToken` header.
//! - Requests with an unsafe method are checked in Django's order by
//!   [`CsrfConfig::check`]: `Origin` (or, for HTTPS without `Origin`, the
//!   `Referer`), then the cookie's format, then the token's format and its
//!   match with the cookie, in constant time.
//!
//! # Examples
//!
//! ```
//! use session_cookie::django::csrf::{CsrfConfig, CsrfRequest, CsrfSecret};
//!
//! // GET /form: the cookie and the form field.
//! let secret = CsrfSecret::generate()?;     // Set-Cookie: csrftoken=<secret.as_str()>
//! let form_token = secret.mask()?;          // <input name="csrfmiddlewaretoken" value="…">
//!
//! // POST /form: what the browser sends back.
//! let config = CsrfConfig::new().with_trusted_origin("https://*.example.com");
//! let request = CsrfRequest {
//!     secure: true,
//!     host: "www.example.com",
//!     origin: Some("https://www.example.com"),
//!     cookie: Some(secret.as_str()),
//!     form_token: Some(&form_token),
//!     ..CsrfRequest::default()
//! };
//! assert!(config.check(&request).is_ok());
//!
//! let forged = CsrfRequest { origin: Some("https://evil.test"), ..request };
//! assert!(config.check(&forged).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::EncodeError;

/// Length of the cookie secret (Django's `CSRF_SECRET_LENGTH`).
pub const CSRF_SECRET_LENGTH: usize = 32;
/// Length of a masked token (Django's `CSRF_TOKEN_LENGTH`).
pub const CSRF_TOKEN_LENGTH: usize = 2 * CSRF_SECRET_LENGTH;
/// The characters of secrets, masks and tokens (Django's
/// `CSRF_ALLOWED_CHARS`, `string.ascii_letters + string.digits`), in
/// Django's order, which the masking arithmetic depends on.
pub const CSRF_ALLOWED_CHARS: &str =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
/// Django's default `CSRF_COOKIE_NAME`.
pub const CSRF_COOKIE_NAME: &str = "csrftoken";
/// The form field Django reads the token from on `POST`.
pub const CSRF_FORM_FIELD: &str = "csrfmiddlewaretoken";
/// The header Django reads the token from (default `CSRF_HEADER_NAME`,
/// `HTTP_X_CSRFTOKEN`).
pub const CSRF_HEADER_NAME: &str = "X-CSRFToken";

const ALPHABET: &[u8; 62] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const _: () = assert!(CSRF_ALLOWED_CHARS.len() == ALPHABET.len());

/// Position of `c` in [`CSRF_ALLOWED_CHARS`] (Python's `chars.index(x)`).
fn index_of(c: u8) -> Option<u8> {
    match c {
        b'a'..=b'z' => Some(c - b'a'),
        b'A'..=b'Z' => Some(c - b'A' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        _ => None,
    }
}

/// The character at `index % 62`.
fn char_at(index: u8) -> u8 {
    ALPHABET
        .get(usize::from(index % 62))
        .copied()
        .unwrap_or(b'a')
}

/// `n` characters drawn uniformly from [`CSRF_ALLOWED_CHARS`] (Django's
/// `get_random_string(n, allowed_chars=CSRF_ALLOWED_CHARS)`, which uses
/// `secrets.choice`): random bytes, rejecting those at or above 248 (the
/// largest multiple of 62 below 256), so that every character is equally
/// likely.
pub(crate) fn random_chars<const N: usize>() -> Result<[u8; N], EncodeError> {
    let mut out = [0u8; N];
    let mut filled = 0;
    let mut pool = [0u8; 64];
    while filled < N {
        // Straight from the operating system, not the block of public
        // random bytes (`src/random.rs`): a CSRF secret lives as long as
        // its cookie and must stay secret, so none of it passes through a
        // buffer that outlives the call; the masks and password salts
        // drawn here too are rare enough that the system call costs
        // nothing that matters.
        getrandom::fill(&mut pool).map_err(|_| EncodeError::Random)?;
        for &byte in pool.iter().filter(|&&b| b < 248) {
            if let Some(slot) = out.get_mut(filled) {
                *slot = char_at(byte);
                filled += 1;
            }
        }
    }
    pool.zeroize();
    Ok(out)
}

/// The value of the `csrftoken` cookie: 32 characters from
/// [`CSRF_ALLOWED_CHARS`].
///
/// # Security
///
/// Whoever knows the secret can forge requests for its browser: it is
/// zeroized on drop, `Debug` prints only `CsrfSecret(<redacted>)`, and
/// equality is decided in constant time. [`CsrfSecret::as_str`] exists to
/// write the cookie; do not log it.
///
/// # Examples
///
/// ```
/// use session_cookie::django::csrf::CsrfSecret;
///
/// let secret = CsrfSecret::generate()?;
/// assert_eq!(secret.as_str().len(), 32);
/// assert_eq!(format!("{secret:?}"), "CsrfSecret(<redacted>)");
/// # Ok::<(), session_cookie::EncodeError>(())
/// ```
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct CsrfSecret([u8; CSRF_SECRET_LENGTH]);

impl CsrfSecret {
    /// A new random secret (Django's `_get_new_csrf_string`, which
    /// `rotate_token` stores as the new cookie at login).
    ///
    /// # Errors
    ///
    /// [`EncodeError::Random`] when the operating system's random source
    /// fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::csrf::CsrfSecret;
    ///
    /// assert_ne!(CsrfSecret::generate()?, CsrfSecret::generate()?);
    /// # Ok::<(), session_cookie::EncodeError>(())
    /// ```
    pub fn generate() -> Result<Self, EncodeError> {
        random_chars().map(Self)
    }

    /// Reads the `csrftoken` cookie as Django's `CsrfViewMiddleware._get_secret`
    /// does: the value must have 32 or 64 allowed characters; a 64-character
    /// value (a masked secret, as Django before 4.0 stored it) is unmasked.
    ///
    /// # Errors
    ///
    /// [`CsrfError::Cookie`] with the format problem, in Django's order
    /// (length first, then characters).
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::csrf::{CsrfError, CsrfSecret, TokenFormat};
    ///
    /// let secret = CsrfSecret::from_cookie("abcdefghijklmnopqrstuvwxyzABCDEF")?;
    /// assert_eq!(CsrfSecret::from_cookie(&secret.mask()?)?, secret);
    /// assert_eq!(
    ///     CsrfSecret::from_cookie("short"),
    ///     Err(CsrfError::Cookie(TokenFormat::IncorrectLength))
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_cookie(value: &str) -> Result<Self, CsrfError> {
        check_token_format(value).map_err(CsrfError::Cookie)?;
        Ok(Self(to_secret(value.as_bytes())))
    }

    /// The secret as cookie text.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::csrf::CsrfSecret;
    ///
    /// let value = "0123456789abcdefghijABCDEFGHIJkl";
    /// assert_eq!(CsrfSecret::from_cookie(value)?.as_str(), value);
    /// # Ok::<(), session_cookie::django::csrf::CsrfError>(())
    /// ```
    #[must_use]
    pub fn as_str(&self) -> &str {
        // Every byte is from ALPHABET, which is ASCII.
        core::str::from_utf8(&self.0).unwrap_or_default()
    }

    /// A masked token for a form (Django's `get_token`, that is
    /// `_mask_cipher_secret` with a random mask): 64 characters, different
    /// on every call, all of which unmask to this secret.
    ///
    /// # Errors
    ///
    /// [`EncodeError::Random`] when the operating system's random source
    /// fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::csrf::CsrfSecret;
    ///
    /// let secret = CsrfSecret::generate()?;
    /// let (a, b) = (secret.mask()?, secret.mask()?);
    /// assert_ne!(a, b);
    /// assert!(secret.matches(&a).is_ok() && secret.matches(&b).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn mask(&self) -> Result<String, EncodeError> {
        let mut mask = Self(random_chars()?);
        let token = self.mask_with(&mask);
        mask.zeroize();
        Ok(token)
    }

    /// The token Django's `_mask_cipher_secret` makes from this secret when
    /// its random mask is `mask`: the mask, then each secret character
    /// shifted forward by the mask character, modulo 62. For tests and
    /// vectors; forms want [`CsrfSecret::mask`].
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::csrf::CsrfSecret;
    ///
    /// let secret = CsrfSecret::from_cookie("abcdefghijklmnopqrstuvwxyzABCDEF")?;
    /// let mask = CsrfSecret::from_cookie("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb")?;
    /// let token = secret.mask_with(&mask);
    /// assert_eq!(&token[..32], mask.as_str());
    /// assert!(token[32..].starts_with("bcd")); // 'a' + 1, 'b' + 1, …
    /// # Ok::<(), session_cookie::django::csrf::CsrfError>(())
    /// ```
    #[must_use]
    pub fn mask_with(&self, mask: &Self) -> String {
        let mut token = String::with_capacity(CSRF_TOKEN_LENGTH);
        token.push_str(mask.as_str());
        for (&s, &m) in self.0.iter().zip(mask.0.iter()) {
            let (s, m) = (index_of(s).unwrap_or(0), index_of(m).unwrap_or(0));
            token.push(char::from(char_at(s + m)));
        }
        token
    }

    /// Whether `token` (from the form or the header) belongs to this
    /// secret: Django's `_check_token_format` then `_does_token_match`. A
    /// 64-character token is unmasked first; a 32-character one is compared
    /// as it is (JavaScript that copied the cookie). The comparison is
    /// constant time.
    ///
    /// # Errors
    ///
    /// [`TokenFormat::IncorrectLength`] or [`TokenFormat::InvalidCharacters`]
    /// for a malformed token, and [`TokenFormat::Incorrect`] for a
    /// well-formed token of another secret.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::csrf::{CsrfSecret, TokenFormat};
    ///
    /// let secret = CsrfSecret::generate()?;
    /// assert!(secret.matches(secret.as_str()).is_ok());
    /// assert_eq!(secret.matches("x"), Err(TokenFormat::IncorrectLength));
    /// let other = CsrfSecret::generate()?.mask()?;
    /// assert_eq!(secret.matches(&other), Err(TokenFormat::Incorrect));
    /// # Ok::<(), session_cookie::EncodeError>(())
    /// ```
    pub fn matches(&self, token: &str) -> Result<(), TokenFormat> {
        check_token_format(token)?;
        let mut submitted = to_secret(token.as_bytes());
        let equal: bool = submitted.ct_eq(&self.0).into();
        submitted.zeroize();
        if equal {
            Ok(())
        } else {
            Err(TokenFormat::Incorrect)
        }
    }
}

/// A well-formed token (32 or 64 allowed characters) as a secret: Django's
/// `_unmask_cipher_token` for 64 characters, the token itself for 32.
fn to_secret(token: &[u8]) -> [u8; CSRF_SECRET_LENGTH] {
    let mut secret = [0u8; CSRF_SECRET_LENGTH];
    if token.len() == CSRF_TOKEN_LENGTH {
        let (mask, cipher) = token.split_at(CSRF_SECRET_LENGTH);
        for ((out, &c), &m) in secret.iter_mut().zip(cipher).zip(mask) {
            let (c, m) = (index_of(c).unwrap_or(0), index_of(m).unwrap_or(0));
            // Python's `chars[x - y]` with a negative index wraps around.
            *out = char_at(c + 62 - m);
        }
    } else {
        for (out, &c) in secret.iter_mut().zip(token) {
            *out = c;
        }
    }
    secret
}

/// Django's `_check_token_format`: the length (in characters, as Python
/// counts it) must be 32 or 64, then every character must be allowed.
fn check_token_format(token: &str) -> Result<(), TokenFormat> {
    let len = token.chars().count();
    if len != CSRF_TOKEN_LENGTH && len != CSRF_SECRET_LENGTH {
        return Err(TokenFormat::IncorrectLength);
    }
    if token.bytes().any(|b| index_of(b).is_none()) {
        return Err(TokenFormat::InvalidCharacters);
    }
    Ok(())
}

impl fmt::Debug for CsrfSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CsrfSecret(<redacted>)")
    }
}

impl PartialEq for CsrfSecret {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for CsrfSecret {}

/// What is wrong with a cookie secret or a submitted token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenFormat {
    /// Neither 32 nor 64 characters (Django: `has incorrect length`).
    IncorrectLength,
    /// A character outside `a-zA-Z0-9` (Django: `has invalid characters`).
    InvalidCharacters,
    /// Well formed, but not a token of the cookie's secret (Django:
    /// `incorrect`). Only for submitted tokens.
    Incorrect,
}

impl TokenFormat {
    /// Django's phrase for it, without a subject.
    fn phrase(self) -> &'static str {
        match self {
            Self::IncorrectLength => "has incorrect length",
            Self::InvalidCharacters => "has invalid characters",
            Self::Incorrect => "incorrect",
        }
    }
}

impl fmt::Display for TokenFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.phrase())
    }
}

/// Where the submitted token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// The `csrfmiddlewaretoken` field of a `POST` form.
    Post,
    /// The `X-CSRFToken` header.
    Header,
}

/// Why [`CsrfConfig::check`] refused a request. `Display` gives Django's
/// reason (what `CSRF_FAILURE_VIEW` receives), word for word, except that
/// the two reasons in which Django repeats the request's `Origin` or
/// `Referer` do not: errors never carry what the client sent.
///
/// # Examples
///
/// ```
/// use session_cookie::django::csrf::{CsrfError, TokenFormat, TokenSource};
///
/// assert_eq!(CsrfError::NoCookie.to_string(), "CSRF cookie not set.");
/// let err = CsrfError::Token { source: TokenSource::Post, problem: TokenFormat::IncorrectLength };
/// assert_eq!(err.to_string(), "CSRF token from POST has incorrect length.");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CsrfError {
    /// The `Origin` header is neither the request's own origin nor trusted
    /// (Django: `Origin checking failed - %s does not match any trusted
    /// origins.`).
    BadOrigin,
    /// HTTPS, no `Origin`, and no `Referer` (`Referer checking failed - no
    /// Referer.`).
    NoReferer,
    /// The `Referer` has no scheme or host (`Referer checking failed -
    /// Referer is malformed.`).
    MalformedReferer,
    /// The `Referer` is not HTTPS while the request is (`Referer checking
    /// failed - Referer is insecure while host is secure.`).
    InsecureReferer,
    /// The `Referer`'s host is not trusted (`Referer checking failed - %s
    /// does not match any trusted origins.`).
    BadReferer,
    /// No `csrftoken` cookie (`CSRF cookie not set.`).
    NoCookie,
    /// The cookie is malformed (`CSRF cookie has incorrect length.` or `CSRF
    /// cookie has invalid characters.`).
    Cookie(TokenFormat),
    /// Neither the form field nor the header carries a token (`CSRF token
    /// missing.`).
    TokenMissing,
    /// The submitted token is malformed or not the cookie's (`CSRF token from
    /// POST has incorrect length.`, `CSRF token from the 'X-Csrftoken' HTTP
    /// header incorrect.`, …).
    Token {
        /// Where the token came from.
        source: TokenSource,
        /// What is wrong with it.
        problem: TokenFormat,
    },
}

impl fmt::Display for CsrfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BadOrigin => f.write_str(
                "Origin checking failed - the Origin header does not match any trusted origins.",
            ),
            Self::NoReferer => f.write_str("Referer checking failed - no Referer."),
            Self::MalformedReferer => {
                f.write_str("Referer checking failed - Referer is malformed.")
            }
            Self::InsecureReferer => {
                f.write_str("Referer checking failed - Referer is insecure while host is secure.")
            }
            Self::BadReferer => f.write_str(
                "Referer checking failed - the Referer header does not match any trusted origins.",
            ),
            Self::NoCookie => f.write_str("CSRF cookie not set."),
            Self::Cookie(problem) => write!(f, "CSRF cookie {problem}."),
            Self::TokenMissing => f.write_str("CSRF token missing."),
            Self::Token {
                source: TokenSource::Post,
                problem,
            } => write!(f, "CSRF token from POST {problem}."),
            // Django names the header as `HttpHeaders.parse_header_name`
            // spells `HTTP_X_CSRFTOKEN`.
            Self::Token {
                source: TokenSource::Header,
                problem,
            } => write!(
                f,
                "CSRF token from the 'X-Csrftoken' HTTP header {problem}."
            ),
        }
    }
}

impl std::error::Error for CsrfError {}

/// What [`CsrfConfig::check`] needs to know about one request with an
/// unsafe method (anything but `GET`, `HEAD`, `OPTIONS` and `TRACE`, which
/// Django never checks).
///
/// Header values are as received; `None` means the header (or cookie, or
/// field) is absent, which Django treats differently from empty.
///
/// # Examples
///
/// ```
/// use session_cookie::django::csrf::CsrfRequest;
///
/// let request = CsrfRequest {
///     host: "example.com",
///     header_token: Some("…"),
///     ..CsrfRequest::default()
/// };
/// assert!(!request.secure);
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CsrfRequest<'a> {
    /// Whether the request came over HTTPS (Django's `request.is_secure()`,
    /// which honours `SECURE_PROXY_SSL_HEADER`).
    pub secure: bool,
    /// The request's host, with the port when it is not the default one:
    /// Django's `request.get_host()`. Validate it against your allowed hosts
    /// first, as `get_host` does.
    pub host: &'a str,
    /// The `Origin` header.
    pub origin: Option<&'a str>,
    /// The `Referer` header (consulted only for HTTPS requests without
    /// `Origin`).
    pub referer: Option<&'a str>,
    /// The `csrftoken` cookie.
    pub cookie: Option<&'a str>,
    /// The `csrfmiddlewaretoken` field, for `POST` form bodies only (Django
    /// reads it for no other method). An empty field counts as absent.
    pub form_token: Option<&'a str>,
    /// The `X-CSRFToken` header, used when there is no (non-empty) form
    /// field.
    pub header_token: Option<&'a str>,
}

/// Django's CSRF settings: `CSRF_TRUSTED_ORIGINS` and `CSRF_COOKIE_DOMAIN`.
///
/// # Examples
///
/// ```
/// use session_cookie::django::csrf::CsrfConfig;
///
/// let config = CsrfConfig::new()
///     .with_trusted_origin("https://admin.example.com")
///     .with_trusted_origin("https://*.example.net");
/// assert!(config.origin_verified(true, "example.com", "https://admin.example.com"));
/// assert!(config.origin_verified(true, "example.com", "https://a.b.example.net"));
/// assert!(!config.origin_verified(true, "example.com", "http://a.example.net"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsrfConfig {
    /// `CSRF_TRUSTED_ORIGINS` entries without `*`: compared as strings.
    exact: Vec<String>,
    /// Entries with `*`: (scheme, netloc without leading `*`), Django's
    /// `allowed_origin_subdomains`.
    subdomains: Vec<(String, String)>,
    /// Every entry's netloc without leading `*`, Django's
    /// `csrf_trusted_origins_hosts` (for the `Referer` check).
    hosts: Vec<String>,
    cookie_domain: Option<String>,
}

impl CsrfConfig {
    /// No trusted origins and no cookie domain: only same-origin requests
    /// pass.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::csrf::CsrfConfig;
    ///
    /// assert!(CsrfConfig::new().origin_verified(false, "localhost:8000", "http://localhost:8000"));
    /// ```
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one `CSRF_TRUSTED_ORIGINS` entry: `scheme://host[:port]`, or
    /// `scheme://*.domain` for every subdomain of `domain`.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::csrf::CsrfConfig;
    ///
    /// let config = CsrfConfig::new().with_trusted_origin("https://*.example.com");
    /// assert!(config.origin_verified(false, "localhost", "https://shop.example.com"));
    /// ```
    #[must_use]
    pub fn with_trusted_origin(mut self, origin: impl Into<String>) -> Self {
        let origin = origin.into();
        // A configured origin Python's urlsplit refuses would break Django at
        // start-up; here it just trusts no host.
        let parsed = urlsplit(&origin).ok();
        let netloc = parsed
            .as_ref()
            .map(|url| url.netloc.trim_start_matches('*').to_owned());
        if let Some(netloc) = &netloc {
            self.hosts.push(netloc.clone());
        }
        if origin.contains('*') {
            if let (Some(url), Some(netloc)) = (parsed, netloc) {
                self.subdomains.push((url.scheme, netloc));
            }
        } else {
            self.exact.push(origin);
        }
        self
    }

    /// Sets `CSRF_COOKIE_DOMAIN` (e.g. `.example.com`), which the `Referer`
    /// check accepts as well.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::csrf::CsrfConfig;
    ///
    /// let config = CsrfConfig::new().with_cookie_domain(".example.com");
    /// # let _ = config;
    /// ```
    #[must_use]
    pub fn with_cookie_domain(self, domain: impl Into<String>) -> Self {
        Self {
            cookie_domain: Some(domain.into()),
            ..self
        }
    }

    /// Django's `CsrfViewMiddleware._origin_verified`: whether `origin` is
    /// the request's own origin (`https://` or `http://` by `secure`, then
    /// `host`), an exact trusted origin, or a subdomain of a wildcard
    /// trusted origin with the same scheme.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::csrf::CsrfConfig;
    ///
    /// let config = CsrfConfig::new();
    /// assert!(config.origin_verified(true, "example.com", "https://example.com"));
    /// assert!(!config.origin_verified(true, "example.com", "http://example.com"));
    /// assert!(!config.origin_verified(true, "example.com", "null"));
    /// ```
    #[must_use]
    pub fn origin_verified(&self, secure: bool, host: &str, origin: &str) -> bool {
        let scheme = if secure { "https" } else { "http" };
        if origin
            .strip_prefix(scheme)
            .and_then(|rest| rest.strip_prefix("://"))
            == Some(host)
        {
            return true;
        }
        if self.exact.iter().any(|trusted| trusted == origin) {
            return true;
        }
        let Ok(parsed) = urlsplit(origin) else {
            return false;
        };
        self.subdomains
            .iter()
            .filter(|(trusted_scheme, _)| *trusted_scheme == parsed.scheme)
            .any(|(_, pattern)| is_same_domain(&parsed.netloc, pattern))
    }

    /// Django's `CsrfViewMiddleware._check_referer`, for HTTPS requests
    /// without `Origin`. The port appended to `CSRF_COOKIE_DOMAIN` is the
    /// one in `host` (Django uses `request.get_port()`, the server port;
    /// they agree unless a proxy rewrites one of them).
    fn check_referer(&self, request: &CsrfRequest<'_>) -> Result<(), CsrfError> {
        let referer = request.referer.ok_or(CsrfError::NoReferer)?;
        let referer = urlsplit(referer).map_err(|()| CsrfError::MalformedReferer)?;
        if referer.scheme.is_empty() || referer.netloc.is_empty() {
            return Err(CsrfError::MalformedReferer);
        }
        if referer.scheme != "https" {
            return Err(CsrfError::InsecureReferer);
        }
        if self
            .hosts
            .iter()
            .any(|host| is_same_domain(&referer.netloc, host))
        {
            return Ok(());
        }
        let good = match &self.cookie_domain {
            None => request.host.to_owned(),
            Some(domain) => {
                let port = request
                    .host
                    .rsplit_once(':')
                    .map(|(_, port)| port)
                    .filter(|port| port.bytes().all(|b| b.is_ascii_digit()))
                    .unwrap_or(if request.secure { "443" } else { "80" });
                if port == "443" || port == "80" {
                    domain.clone()
                } else {
                    format!("{domain}:{port}")
                }
            }
        };
        if is_same_domain(&referer.netloc, &good) {
            Ok(())
        } else {
            Err(CsrfError::BadReferer)
        }
    }

    /// Checks a request with an unsafe method as Django's
    /// `CsrfViewMiddleware.process_view` does, in its order: the `Origin`
    /// header when present (else, for HTTPS, the `Referer`), then the
    /// cookie, then the token from the form field or else the header. On
    /// success, returns the cookie's secret (to mask for the next form).
    ///
    /// # Errors
    ///
    /// The first [`CsrfError`] that Django would reject the request with.
    ///
    /// # Security
    ///
    /// The token is compared with the cookie in constant time. Call this
    /// for every unsafe method, before the handler runs; skipping it for
    /// `GET` and friends is right only if those never change state.
    ///
    /// # Examples
    ///
    /// ```
    /// use session_cookie::django::csrf::{CsrfConfig, CsrfError, CsrfRequest, CsrfSecret};
    ///
    /// let secret = CsrfSecret::generate()?;
    /// let ajax = CsrfRequest {
    ///     host: "localhost:8000",
    ///     origin: Some("http://localhost:8000"),
    ///     cookie: Some(secret.as_str()),
    ///     header_token: Some(secret.as_str()), // copied from the cookie by JavaScript
    ///     ..CsrfRequest::default()
    /// };
    /// assert_eq!(CsrfConfig::new().check(&ajax)?, secret);
    /// let no_cookie = CsrfRequest { cookie: None, ..ajax };
    /// assert_eq!(CsrfConfig::new().check(&no_cookie), Err(CsrfError::NoCookie));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn check(&self, request: &CsrfRequest<'_>) -> Result<CsrfSecret, CsrfError> {
        match request.origin {
            Some(origin) if !self.origin_verified(request.secure, request.host, origin) => {
                return Err(CsrfError::BadOrigin);
            }
            Some(_) => {}
            None if request.secure => self.check_referer(request)?,
            None => {}
        }
        let secret = CsrfSecret::from_cookie(request.cookie.ok_or(CsrfError::NoCookie)?)?;
        let (token, source) = match request.form_token {
            Some(token) if !token.is_empty() => (token, TokenSource::Post),
            _ => (
                request.header_token.ok_or(CsrfError::TokenMissing)?,
                TokenSource::Header,
            ),
        };
        secret
            .matches(token)
            .map_err(|problem| CsrfError::Token { source, problem })?;
        Ok(secret)
    }
}

/// The two parts of Python's `urllib.parse.urlsplit` result that Django's
/// CSRF checks use.
struct SplitUrl {
    scheme: String,
    netloc: String,
}

/// Python's `urlsplit` (3.11/3.12), as far as the scheme and netloc go:
/// leading C0 controls and spaces are stripped, tabs and newlines removed,
/// the scheme lowercased; `Err` where Python raises `ValueError` (unbalanced
/// brackets, or a bracketed host that is not IPv6 nor `vX.…`). Python's
/// NFKC check of non-ASCII netlocs is not reproduced: such a netloc never
/// equals an ASCII trusted origin, so the verdict is the same.
fn urlsplit(url: &str) -> Result<SplitUrl, ()> {
    let url: String = url
        .trim_start_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\r' | '\n'))
        .collect();
    let mut rest = url.as_str();
    let mut scheme = String::new();
    if let Some(colon) = rest.find(':') {
        let candidate = rest.get(..colon).unwrap_or_default();
        let valid = candidate
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
            && candidate
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        if valid {
            scheme = candidate.to_ascii_lowercase();
            rest = rest.get(colon + 1..).unwrap_or_default();
        }
    }
    let mut netloc = String::new();
    if let Some(after) = rest.strip_prefix("//") {
        let end = after.find(['/', '?', '#']).unwrap_or(after.len());
        netloc = after.get(..end).unwrap_or_default().to_owned();
        let (open, close) = (netloc.contains('['), netloc.contains(']'));
        if open != close {
            return Err(());
        }
        if open {
            let host = netloc
                .split_once('[')
                .map_or("", |(_, after)| after)
                .split_once(']')
                .map_or("", |(host, _)| host);
            check_bracketed_host(host)?;
        }
    }
    Ok(SplitUrl { scheme, netloc })
}

/// Python's `urllib.parse._check_bracketed_host`.
fn check_bracketed_host(host: &str) -> Result<(), ()> {
    if let Some(future) = host.strip_prefix('v') {
        // \Av[a-fA-F0-9]+\..+\Z
        let (version, rest) = future.split_once('.').ok_or(())?;
        if version.is_empty() || !version.bytes().all(|b| b.is_ascii_hexdigit()) || rest.is_empty()
        {
            return Err(());
        }
        return Ok(());
    }
    // `ipaddress.ip_address` must give an IPv6 address; Python also accepts a
    // `%scope` suffix.
    let address = host.split_once('%').map_or(host, |(address, _)| address);
    address
        .parse::<std::net::Ipv6Addr>()
        .map(|_| ())
        .map_err(|_| ())
}

/// Django's `django.utils.http.is_same_domain`: `pattern` (lowercased)
/// equals `host`, or starts with `.` and `host` is that domain or one of its
/// subdomains. `host` is compared as it is.
fn is_same_domain(host: &str, pattern: &str) -> bool {
    if pattern.is_empty() {
        return false;
    }
    let pattern = pattern.to_lowercase();
    match pattern.strip_prefix('.') {
        Some(domain) => host.ends_with(&pattern) || host == domain,
        None => pattern == host,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn secret(text: &str) -> CsrfSecret {
        CsrfSecret::from_cookie(text).unwrap()
    }

    #[test]
    fn mask_then_unmask_is_the_secret() {
        let s = secret("Z9aZ9aZ9aZ9aZ9aZ9aZ9aZ9aZ9aZ9aZ9");
        for _ in 0..50 {
            let token = s.mask().unwrap();
            assert_eq!(token.len(), CSRF_TOKEN_LENGTH);
            assert_eq!(secret(&token), s);
            assert!(s.matches(&token).is_ok());
        }
    }

    #[test]
    fn random_strings_use_the_whole_alphabet() {
        let mut seen = [false; 62];
        for _ in 0..40 {
            for c in CsrfSecret::generate().unwrap().0 {
                seen[usize::from(index_of(c).unwrap())] = true;
            }
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn debug_is_redacted() {
        let s = secret("abcdefghijklmnopqrstuvwxyzABCDEF");
        let shown = format!("{s:?}");
        assert!(!shown.contains("abcdef"), "{shown}");
    }

    #[test]
    fn length_is_counted_in_characters_as_python_does() {
        let token = format!("{}\u{e9}", "a".repeat(31));
        assert_eq!(
            check_token_format(&token),
            Err(TokenFormat::InvalidCharacters)
        );
    }

    #[test]
    fn urlsplit_matches_python_on_edge_cases() {
        let split = urlsplit("HTTPS://Example.com:8443/path?q#f").unwrap();
        assert_eq!(
            (split.scheme.as_str(), split.netloc.as_str()),
            ("https", "Example.com:8443")
        );
        assert!(urlsplit("https://[::1]:8000").is_ok());
        assert!(urlsplit("https://[::1").is_err());
        assert!(urlsplit("https://[example.com]").is_err());
        assert_eq!(urlsplit("null").unwrap().netloc, "");
    }
}
