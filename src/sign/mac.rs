//! HMAC under the three digests the Django and itsdangerous family use, and
//! the key derivations that turn a secret and a salt into an HMAC key.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use zeroize::Zeroizing;

use crate::error::KeyError;

/// Longest tag of any [`Algorithm`] (SHA-512), in bytes.
pub(crate) const MAX_TAG_LEN: usize = 64;

/// The hash function under HMAC: Django's `algorithm`, itsdangerous'
/// `digest_method`.
///
/// SHA-1 is there because itsdangerous (and so Flask) signs with it by
/// default; HMAC-SHA1 is still a sound MAC (RFC 6151, section 3): SHA-1's
/// collisions do not let anyone forge a tag.
///
/// # Examples
///
/// ```
/// use session_cookie::signing::Algorithm;
///
/// assert_eq!("sha512".parse::<Algorithm>(), Ok(Algorithm::Sha512));
/// assert_eq!(Algorithm::Sha256.name(), "sha256");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// SHA-1: itsdangerous' default digest.
    Sha1,
    /// SHA-256: Django's default algorithm.
    Sha256,
    /// SHA-512.
    Sha512,
}

impl Algorithm {
    /// The `hashlib` name: `sha1`, `sha256` or `sha512`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }

    /// Length of a tag in bytes.
    pub(crate) const fn tag_len(self) -> usize {
        match self {
            Self::Sha1 => 20,
            Self::Sha256 => 32,
            Self::Sha512 => 64,
        }
    }

    /// Length of a tag in unpadded base64.
    pub(crate) const fn signature_len(self) -> usize {
        (self.tag_len() * 4).div_ceil(3)
    }

    /// The plain digest of the concatenation of `parts` (a derived key).
    fn hash(self, parts: &[&[u8]]) -> Zeroizing<Tag> {
        fn run<D: sha2::Digest>(parts: &[&[u8]]) -> Tag {
            let mut hasher = D::new();
            for part in parts {
                hasher.update(part);
            }
            Tag::from_slice(&hasher.finalize())
        }
        Zeroizing::new(match self {
            Self::Sha1 => run::<Sha1>(parts),
            Self::Sha256 => run::<Sha256>(parts),
            Self::Sha512 => run::<Sha512>(parts),
        })
    }
}

impl core::str::FromStr for Algorithm {
    type Err = KeyError;

    /// # Errors
    ///
    /// [`KeyError::UnknownAlgorithm`] for any other name.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "sha1" => Ok(Self::Sha1),
            "sha256" => Ok(Self::Sha256),
            "sha512" => Ok(Self::Sha512),
            _ => Err(KeyError::UnknownAlgorithm),
        }
    }
}

/// How itsdangerous turns a secret and a salt into the HMAC key
/// (`Signer.key_derivation`); Django's `Signer` is always
/// [`KeyDerivation::DjangoConcat`].
///
/// # Examples
///
/// ```
/// use session_cookie::signing::KeyDerivation;
///
/// assert_eq!("hmac".parse::<KeyDerivation>(), Ok(KeyDerivation::Hmac));
/// assert_eq!(KeyDerivation::DjangoConcat.name(), "django-concat");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyDerivation {
    /// `digest(salt + b"signer" + secret)`: Django's, and itsdangerous'
    /// default.
    DjangoConcat,
    /// `digest(salt + secret)`.
    Concat,
    /// `HMAC(key = secret, msg = salt)`: what Flask's sessions use.
    Hmac,
    /// The secret itself; the salt is not used.
    None,
}

impl KeyDerivation {
    /// itsdangerous' name: `django-concat`, `concat`, `hmac` or `none`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::DjangoConcat => "django-concat",
            Self::Concat => "concat",
            Self::Hmac => "hmac",
            Self::None => "none",
        }
    }

    /// The HMAC key for `secret` under `salt`.
    pub(crate) fn derive(self, algorithm: Algorithm, salt: &[u8], secret: &[u8]) -> MacKey {
        match self {
            Self::DjangoConcat => MacKey::new(
                algorithm,
                algorithm.hash(&[salt, b"signer", secret]).as_bytes(),
            ),
            Self::Concat => MacKey::new(algorithm, algorithm.hash(&[salt, secret]).as_bytes()),
            Self::Hmac => {
                let derived = Zeroizing::new(MacKey::new(algorithm, secret).tag(&[salt]));
                MacKey::new(algorithm, derived.as_bytes())
            }
            Self::None => MacKey::new(algorithm, secret),
        }
    }
}

impl core::str::FromStr for KeyDerivation {
    type Err = KeyError;

    /// # Errors
    ///
    /// [`KeyError::UnknownKeyDerivation`] for any other name.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name {
            "django-concat" => Ok(Self::DjangoConcat),
            "concat" => Ok(Self::Concat),
            "hmac" => Ok(Self::Hmac),
            "none" => Ok(Self::None),
            _ => Err(KeyError::UnknownKeyDerivation),
        }
    }
}

/// A tag (or digest) of up to [`MAX_TAG_LEN`] bytes.
#[derive(Clone, Copy, zeroize::Zeroize)]
pub(crate) struct Tag {
    bytes: [u8; MAX_TAG_LEN],
    len: usize,
}

impl Tag {
    /// The first [`MAX_TAG_LEN`] bytes of `bytes`: every digest here fits.
    fn from_slice(bytes: &[u8]) -> Self {
        let mut tag = Self {
            bytes: [0; MAX_TAG_LEN],
            len: bytes.len().min(MAX_TAG_LEN),
        };
        for (to, from) in tag.bytes.iter_mut().zip(bytes) {
            *to = *from;
        }
        tag
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }
}

/// An HMAC key with its inner and outer pads already hashed (RFC 2104,
/// section 4), so that each message costs only its own rounds.
#[derive(Clone)]
pub(crate) enum MacKey {
    Sha1(Hmac<Sha1>),
    Sha256(Hmac<Sha256>),
    Sha512(Hmac<Sha512>),
}

impl MacKey {
    pub(crate) fn new(algorithm: Algorithm, key: &[u8]) -> Self {
        // RFC 2104 section 2: keys of any length are valid (long ones are
        // hashed first), so construction cannot fail for HMAC.
        #[allow(clippy::expect_used)]
        fn keyed<M: KeyInit>(key: &[u8]) -> M {
            M::new_from_slice(key).expect("HMAC takes any key length")
        }
        match algorithm {
            Algorithm::Sha1 => Self::Sha1(keyed(key)),
            Algorithm::Sha256 => Self::Sha256(keyed(key)),
            Algorithm::Sha512 => Self::Sha512(keyed(key)),
        }
    }

    /// The tag of the concatenation of `parts`.
    pub(crate) fn tag(&self, parts: &[&[u8]]) -> Tag {
        fn run<M: Mac + Clone>(mac: &M, parts: &[&[u8]]) -> Tag {
            let mut mac = mac.clone();
            for part in parts {
                mac.update(part);
            }
            Tag::from_slice(&mac.finalize().into_bytes())
        }
        match self {
            Self::Sha1(mac) => run(mac, parts),
            Self::Sha256(mac) => run(mac, parts),
            Self::Sha512(mac) => run(mac, parts),
        }
    }

    /// Whether `tag` is the tag of `parts`, compared in constant time.
    pub(crate) fn verify(&self, parts: &[&[u8]], tag: &[u8]) -> bool {
        super::tags_equal(self.tag(parts).as_bytes(), tag)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// RFC 2202 case 2 and RFC 4231 case 2.
    #[test]
    fn rfc_vectors() {
        let parts: [&[u8]; 2] = [b"what do ya want ", b"for nothing?"];
        for (algorithm, expected) in [
            (Algorithm::Sha1, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"),
            (
                Algorithm::Sha256,
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                Algorithm::Sha512,
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
                 9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            ),
        ] {
            let tag = MacKey::new(algorithm, b"Jefe").tag(&parts);
            assert_eq!(hex(tag.as_bytes()), expected, "{algorithm:?}");
            assert_eq!(tag.as_bytes().len(), algorithm.tag_len());
            assert!(MacKey::new(algorithm, b"Jefe").verify(&parts, tag.as_bytes()));
            assert!(!MacKey::new(algorithm, b"Jeff").verify(&parts, tag.as_bytes()));
        }
    }

    #[test]
    fn names_round_trip() {
        for algorithm in [Algorithm::Sha1, Algorithm::Sha256, Algorithm::Sha512] {
            assert_eq!(algorithm.name().parse(), Ok(algorithm));
        }
        for derivation in [
            KeyDerivation::DjangoConcat,
            KeyDerivation::Concat,
            KeyDerivation::Hmac,
            KeyDerivation::None,
        ] {
            assert_eq!(derivation.name().parse(), Ok(derivation));
        }
        assert_eq!("md5".parse::<Algorithm>(), Err(KeyError::UnknownAlgorithm));
        assert_eq!(
            "Hmac".parse::<KeyDerivation>(),
            Err(KeyError::UnknownKeyDerivation)
        );
    }
}
