//! Django's default password hashes, `pbkdf2_sha256$ITERATIONS$SALT$HASH`
//! (`django.contrib.auth.hashers.PBKDF2PasswordHasher`, Django 5.2), checked
//! and made with RustCrypto's `pbkdf2`.
//!
//! `HASH` is standard base64 (with padding) of the 32-byte
//! PBKDF2-HMAC-SHA256 (RFC 8018, section 5.2) of the UTF-8 password, with
//! the UTF-8 salt and the given iteration count. Other Django hashers
//! (`argon2`, `bcrypt_sha256`, `scrypt`, `md5`, …) and unusable passwords
//! (`!…`, from `set_unusable_password`) are refused with a
//! [`PasswordError`] that names them.
//!
//! # Security
//!
//! Checking a password costs what its hash asks for: Django 5.2's default
//! of 1,000,000 iterations is a few hundred milliseconds of CPU optimized,
//! and several seconds in a debug build (the PBKDF2 loop is generic code,
//! compiled with this crate's profile: an application can set
//! `[profile.dev.package.session-cookie] opt-level = 3`). Run
//! [`check_password`] off async worker threads
//! (`tokio::task::spawn_blocking`). A hash may ask for at
//! most [`MAX_PBKDF2_ITERATIONS`]; more is refused before any work, so a
//! tampered database row (or a hash from anywhere less trusted) cannot make
//! one login cost minutes.
//!
//! # Examples
//!
//! ```
//! use session_cookie::django::password::{check_password, make_password_with};
//!
//! let encoded = make_password_with("correct horse", "seasalt", 1_000)?;
//! assert_eq!(encoded, "pbkdf2_sha256$1000$seasalt$mQnueSakb748zqBAC1tmWVZsZbi2zPGZarEzTGdfmso=");
//! assert!(check_password("correct horse", &encoded)?);
//! assert!(!check_password("battery staple", &encoded)?);
//! # Ok::<(), session_cookie::django::password::PasswordError>(())
//! ```

use core::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::EncodeError;

/// The algorithm name Django writes first (`PBKDF2PasswordHasher.algorithm`).
pub const PBKDF2_SHA256: &str = "pbkdf2_sha256";
/// Django 5.2's `PBKDF2PasswordHasher.iterations`; hashes with another
/// count are correct but [`must_update`].
pub const DJANGO_PBKDF2_ITERATIONS: u32 = 1_000_000;
/// The most iterations a hash may ask for: four times Django 5.2's default,
/// room for the increases of later Django releases (Django raises it by
/// about 20% a year: 1,200,000 in 6.0).
pub const MAX_PBKDF2_ITERATIONS: u32 = 4 * DJANGO_PBKDF2_ITERATIONS;
/// Django's `UNUSABLE_PASSWORD_PREFIX`: no password matches such a hash.
pub const UNUSABLE_PASSWORD_PREFIX: &str = "!";
/// Characters of a new random salt: `ceil(128 / log2(62))`, Django's
/// `BasePasswordHasher.salt()` with `salt_entropy = 128`.
const SALT_LEN: usize = 22;

/// Django's hasher names, for telling which one a refused hash uses.
const KNOWN_HASHERS: [&str; 10] = [
    "pbkdf2_sha1",
    "argon2",
    "bcrypt_sha256",
    "bcrypt",
    "scrypt",
    "md5",
    "sha1",
    "unsalted_md5",
    "unsalted_sha1",
    "crypt",
];

/// Why a password hash cannot be checked (or made). Whatever the variant,
/// the password is not accepted.
///
/// # Security
///
/// No variant carries the hash, the salt or the password.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordError {
    /// The hash starts with `!`: Django's `set_unusable_password()`.
    Unusable,
    /// A Django hasher other than `pbkdf2_sha256`; `algorithm` is its name
    /// (`argon2`, `bcrypt_sha256`, …), or `unknown`.
    Unsupported {
        /// The hasher's name as Django's `identify_hasher` finds it.
        algorithm: &'static str,
    },
    /// Not `pbkdf2_sha256$ITERATIONS$SALT$HASH` with a canonical, positive
    /// iteration count and a non-empty salt.
    Malformed,
    /// The hash asks for more iterations than allowed.
    TooManyIterations {
        /// The limit that was enforced.
        max: u32,
    },
    /// A salt to hash with is empty or contains `$` (Django's `encode`
    /// refuses it too).
    InvalidSalt,
}

impl fmt::Display for PasswordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unusable => f.write_str("the user has an unusable password"),
            Self::Unsupported { algorithm } => write!(
                f,
                "password hasher {algorithm} is not supported (only pbkdf2_sha256 is)"
            ),
            Self::Malformed => f.write_str("the password hash is not well formed"),
            Self::TooManyIterations { max } => {
                write!(f, "the password hash asks for more than {max} iterations")
            }
            Self::InvalidSalt => f.write_str("a salt must be non-empty and contain no '$'"),
        }
    }
}

impl std::error::Error for PasswordError {}

/// A parsed `pbkdf2_sha256` hash.
struct Pbkdf2Hash<'a> {
    iterations: u32,
    salt: &'a str,
}

/// Django's `identify_hasher` followed by `PBKDF2PasswordHasher.decode`,
/// refusing what Django would refuse or could never match.
fn parse(encoded: &str, max_iterations: u32) -> Result<Pbkdf2Hash<'_>, PasswordError> {
    if encoded.starts_with(UNUSABLE_PASSWORD_PREFIX) {
        return Err(PasswordError::Unusable);
    }
    let algorithm = identify_hasher(encoded);
    if algorithm != PBKDF2_SHA256 {
        return Err(PasswordError::Unsupported {
            algorithm: KNOWN_HASHERS
                .iter()
                .find(|known| **known == algorithm)
                .copied()
                .unwrap_or("unknown"),
        });
    }
    let mut parts = encoded.splitn(4, '$').skip(1);
    let (Some(iterations), Some(salt), Some(_hash)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(PasswordError::Malformed);
    };
    // Django reads the count with int() but compares the whole re-encoded
    // text (written with %d), so only the canonical spelling can match;
    // 0 would mean the default count, which then cannot match "0" either.
    let canonical = !iterations.is_empty()
        && !iterations.starts_with('0')
        && iterations.bytes().all(|b| b.is_ascii_digit());
    if !canonical || salt.is_empty() {
        return Err(PasswordError::Malformed);
    }
    match iterations.parse::<u32>() {
        Ok(iterations) if iterations <= max_iterations => Ok(Pbkdf2Hash { iterations, salt }),
        _ => Err(PasswordError::TooManyIterations {
            max: max_iterations,
        }),
    }
}

/// The hasher name Django's `identify_hasher` reads from `encoded`
/// (including its special cases for ancient unsalted MD5 and SHA-1 hashes).
fn identify_hasher(encoded: &str) -> &str {
    let len = encoded.chars().count();
    if (len == 32 && !encoded.contains('$')) || (len == 37 && encoded.starts_with("md5$$")) {
        "unsalted_md5"
    } else if len == 46 && encoded.starts_with("sha1$$") {
        "unsalted_sha1"
    } else {
        encoded.split('$').next().unwrap_or_default()
    }
}

/// `PBKDF2PasswordHasher.encode(password, salt, iterations)`.
fn encode(password: &str, salt: &str, iterations: u32) -> Zeroizing<String> {
    let mut derived = Zeroizing::new([0u8; 32]);
    pbkdf2::pbkdf2_hmac::<Sha256>(
        password.as_bytes(),
        salt.as_bytes(),
        iterations,
        derived.as_mut_slice(),
    );
    Zeroizing::new(format!(
        "{PBKDF2_SHA256}${iterations}${salt}${}",
        STANDARD.encode(derived.as_slice())
    ))
}

/// Django's `check_password(password, encoded)` for `pbkdf2_sha256` hashes
/// of at most [`MAX_PBKDF2_ITERATIONS`] iterations: hashes `password` with
/// the hash's salt and count and compares the whole text in constant time,
/// as `PBKDF2PasswordHasher.verify` does.
///
/// # Errors
///
/// [`PasswordError`] for an unusable password, another hasher, a malformed
/// hash or too many iterations, before any hashing. Django's
/// `check_password` returns `False` for all of these.
///
/// # Security
///
/// Slow by design; see the [module documentation](self). Django also hashes
/// once when the user does not exist or the hash is unusable, so that the
/// response time does not tell; to do the same, call [`make_password`] on
/// those paths.
///
/// # Examples
///
/// ```
/// use session_cookie::django::password::{PasswordError, check_password};
///
/// let encoded = "pbkdf2_sha256$1000$seasalt$mQnueSakb748zqBAC1tmWVZsZbi2zPGZarEzTGdfmso=";
/// assert!(check_password("correct horse", encoded)?);
/// assert_eq!(
///     check_password("x", "argon2$argon2id$v=19$m=102400,t=2,p=8$c2FsdA$aGFzaA"),
///     Err(PasswordError::Unsupported { algorithm: "argon2" })
/// );
/// assert_eq!(check_password("x", "!unusable"), Err(PasswordError::Unusable));
/// # Ok::<(), PasswordError>(())
/// ```
pub fn check_password(password: &str, encoded: &str) -> Result<bool, PasswordError> {
    check_password_with_limit(password, encoded, MAX_PBKDF2_ITERATIONS)
}

/// [`check_password`] with another iteration limit.
///
/// # Errors
///
/// As [`check_password`], with `max_iterations` as the limit.
///
/// # Examples
///
/// ```
/// use session_cookie::django::password::{PasswordError, check_password_with_limit};
///
/// let encoded = "pbkdf2_sha256$1000$seasalt$mQnueSakb748zqBAC1tmWVZsZbi2zPGZarEzTGdfmso=";
/// assert_eq!(
///     check_password_with_limit("correct horse", encoded, 999),
///     Err(PasswordError::TooManyIterations { max: 999 })
/// );
/// ```
pub fn check_password_with_limit(
    password: &str,
    encoded: &str,
    max_iterations: u32,
) -> Result<bool, PasswordError> {
    let parsed = parse(encoded, max_iterations)?;
    let expected = encode(password, parsed.salt, parsed.iterations);
    Ok(expected.as_bytes().ct_eq(encoded.as_bytes()).into())
}

/// Django's `PBKDF2PasswordHasher.must_update`: whether a correct password's
/// hash should be replaced by a new [`make_password`] one, because its
/// count is not Django 5.2's default or its salt has less than 128 bits.
/// `true` for anything that is not a usable `pbkdf2_sha256` hash.
///
/// # Examples
///
/// ```
/// use session_cookie::django::password::must_update;
///
/// assert!(must_update("pbkdf2_sha256$1000$seasalt$mQnueSakb748zqBAC1tmWVZsZbi2zPGZarEzTGdfmso="));
/// assert!(!must_update("pbkdf2_sha256$1000000$abcdefghijklmnopqrstuv$hash"));
/// ```
#[must_use]
pub fn must_update(encoded: &str) -> bool {
    parse(encoded, u32::MAX).map_or(true, |parsed| {
        parsed.iterations != DJANGO_PBKDF2_ITERATIONS || parsed.salt.chars().count() < SALT_LEN
    })
}

/// Django's `make_password(password)`: a new random 22-character salt and
/// Django 5.2's default 1,000,000 iterations.
///
/// # Errors
///
/// [`EncodeError::Random`] when the operating system's random source fails.
///
/// # Examples
///
/// ```
/// use session_cookie::django::password::{check_password, must_update};
///
/// # if cfg!(debug_assertions) { return Ok(()); } // slow unoptimized
/// let encoded = session_cookie::django::password::make_password("pw")?;
/// assert!(encoded.starts_with("pbkdf2_sha256$1000000$"));
/// assert!(!must_update(&encoded));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn make_password(password: &str) -> Result<String, EncodeError> {
    let salt = super::csrf::random_chars::<SALT_LEN>()?;
    let salt = core::str::from_utf8(&salt).unwrap_or_default();
    Ok(encode(password, salt, DJANGO_PBKDF2_ITERATIONS).to_string())
}

/// Django's `make_password(password, salt)` with an explicit count:
/// `PBKDF2PasswordHasher().encode(password, salt, iterations)`.
///
/// # Errors
///
/// [`PasswordError::InvalidSalt`] for an empty salt or one with `$`, and
/// [`PasswordError::Malformed`] for zero iterations.
///
/// # Examples
///
/// ```
/// use session_cookie::django::password::make_password_with;
///
/// let encoded = make_password_with("pässwörd", "salt", 1)?;
/// assert!(encoded.starts_with("pbkdf2_sha256$1$salt$"));
/// assert!(make_password_with("pw", "", 1).is_err());
/// # Ok::<(), session_cookie::django::password::PasswordError>(())
/// ```
pub fn make_password_with(
    password: &str,
    salt: &str,
    iterations: u32,
) -> Result<String, PasswordError> {
    if salt.is_empty() || salt.contains('$') {
        return Err(PasswordError::InvalidSalt);
    }
    if iterations == 0 {
        return Err(PasswordError::Malformed);
    }
    Ok(encode(password, salt, iterations).to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn hashers_are_named() {
        for (encoded, algorithm) in [
            ("argon2$argon2id$v=19$m=1,t=1,p=1$c2FsdA$aGFzaA", "argon2"),
            ("bcrypt_sha256$$2b$12$abc", "bcrypt_sha256"),
            ("scrypt$16384$salt$8$1$hash", "scrypt"),
            ("md5$salt$0123456789abcdef0123456789abcdef", "md5"),
            ("0123456789abcdef0123456789abcdef", "unsalted_md5"),
            ("pbkdf2_sha1$1000$salt$hash", "pbkdf2_sha1"),
            ("whatever$1$2$3", "unknown"),
            ("", "unknown"),
        ] {
            assert_eq!(
                check_password("pw", encoded),
                Err(PasswordError::Unsupported { algorithm }),
                "{encoded}"
            );
        }
    }

    #[test]
    fn non_canonical_counts_and_empty_salts_are_malformed() {
        for encoded in [
            "pbkdf2_sha256$01000$salt$hash",
            "pbkdf2_sha256$+1000$salt$hash",
            "pbkdf2_sha256$0$salt$hash",
            "pbkdf2_sha256$$salt$hash",
            "pbkdf2_sha256$1000$$hash",
            "pbkdf2_sha256$1000$salt",
            "pbkdf2_sha256",
        ] {
            assert_eq!(
                check_password("pw", encoded),
                Err(PasswordError::Malformed),
                "{encoded}"
            );
        }
    }

    #[test]
    fn the_iteration_bound_is_enforced_before_hashing() {
        let encoded = format!("pbkdf2_sha256${}$salt$hash", u64::from(u32::MAX) + 1);
        assert_eq!(
            check_password("pw", &encoded),
            Err(PasswordError::TooManyIterations {
                max: MAX_PBKDF2_ITERATIONS
            })
        );
        let encoded = format!("pbkdf2_sha256${}$salt$hash", MAX_PBKDF2_ITERATIONS + 1);
        assert!(matches!(
            check_password("pw", &encoded),
            Err(PasswordError::TooManyIterations { .. })
        ));
    }

    #[test]
    fn random_salts_have_22_characters() {
        let salt = crate::django::csrf::random_chars::<SALT_LEN>().unwrap();
        assert_eq!(salt.len(), 22);
        assert!(salt.iter().all(u8::is_ascii_alphanumeric));
    }
}
