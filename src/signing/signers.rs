//! `Signer` and `TimestampSigner`, once for both families: the dialect is a
//! type parameter ([`Django`] or [`ItsDangerous`]) that only decides how
//! the signer is built (`new` takes that family's options).

use core::marker::PhantomData;
use std::time::Duration;

use crate::codec::{Decoded, Limits};
use crate::error::DecodeError;
use crate::sign::signer::{self, Timestamped};
use crate::time::UnixTime;

/// The Django family: `django.core.signing` (see [`super::django`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Django {}

/// The itsdangerous family (see [`super::itsdangerous`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItsDangerous {}

/// A signer: `value + sep + signature`, Django's or itsdangerous' `Signer`
/// as the dialect `D` says. Build one with [`super::django::Signer::new`]
/// or [`super::itsdangerous::Signer::new`].
///
/// # Examples
///
/// ```
/// use session_cookie::SecretKeys;
/// use session_cookie::signing::{django, itsdangerous};
///
/// let keys = SecretKeys::new("secret")?;
/// let django = django::Signer::new(&keys, &django::Options::new());
/// assert_eq!(django.sign("hello"), "hello:FRBs_KKrjaVe9zJEdlQdiuJ2n9jBEsFOL1Capquoa18");
/// let its = itsdangerous::Signer::new(&keys, &itsdangerous::Options::new());
/// assert_eq!(its.unsign("hello.7KTthSs1fJgtbigPvFpQH1bpoGA")?, "hello");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Signer<D> {
    signer: signer::Signer,
    limits: Limits,
    dialect: PhantomData<fn() -> D>,
}

impl<D> core::fmt::Debug for Signer<D> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Signer")
            .field("sep", &self.signer.sep())
            .finish_non_exhaustive()
    }
}

impl<D> Signer<D> {
    pub(crate) fn from_parts(signer: signer::Signer, limits: Limits) -> Self {
        Self {
            signer,
            limits,
            dialect: PhantomData,
        }
    }

    /// `Signer.sign(value)`.
    #[must_use]
    pub fn sign(&self, value: &str) -> String {
        let mut out = String::with_capacity(value.len() + self.signer.overhead());
        out.push_str(value);
        self.signer.sign_into(&mut out, 0);
        out
    }

    /// `Signer.unsign(signed)`: the value, once its signature verifies under
    /// the signing key or a fallback.
    ///
    /// # Errors
    ///
    /// - [`DecodeError::TooLarge`]: longer than the options' cookie limit.
    /// - [`DecodeError::Malformed`]: no separator at all.
    /// - [`DecodeError::BadSignature`]: no key verifies the signature.
    ///
    /// # Security
    ///
    /// Each key's comparison is constant-time.
    pub fn unsign<'a>(&self, signed: &'a str) -> Result<&'a str, DecodeError> {
        self.limits.check_cookie_len(signed)?;
        self.signer.verify(signed).map(|proof| proof.value())
    }
}

/// A timestamp signer: `value + sep + timestamp + sep + signature`, and an
/// age check on the way back; Django's (base 62 timestamps, the
/// sub-second age rule) or itsdangerous' (big-endian bytes, whole seconds,
/// a future timestamp expired) `TimestampSigner` as the dialect `D` says.
/// Build one with [`super::django::TimestampSigner::new`] or
/// [`super::itsdangerous::TimestampSigner::new`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use session_cookie::{SecretKeys, UnixTime};
/// use session_cookie::signing::{django, itsdangerous};
///
/// let keys = SecretKeys::new("secret")?;
/// let signed_at = UnixTime::from_secs(1_700_000_000);
/// let its = itsdangerous::TimestampSigner::new(&keys, &itsdangerous::Options::new());
/// assert_eq!(its.sign_at("hello", signed_at), "hello.ZVPxAA.0pZnxd2yvPSFX93jOV9WdHNP6nk");
///
/// let django = django::TimestampSigner::new(&keys, &django::Options::new());
/// let signed = django.sign_at("hello", signed_at);
/// assert_eq!(signed, "hello:1r31eq:cd3olmP207LffIZrXNJ8LTxzeEF4brfUrRYVM3D-t8Q");
/// let later = UnixTime::from_secs(1_700_000_060);
/// let minute = Some(Duration::from_secs(60));
/// assert_eq!(django.unsign_at(&signed, minute, later)?.into_value(), "hello");
/// assert!(django.unsign_at(&signed, Some(Duration::from_secs(59)), later).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct TimestampSigner<D> {
    signer: Timestamped,
    limits: Limits,
    dialect: PhantomData<fn() -> D>,
}

impl<D> core::fmt::Debug for TimestampSigner<D> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TimestampSigner")
            .field("sep", &self.signer.signer().sep())
            .finish_non_exhaustive()
    }
}

impl<D> TimestampSigner<D> {
    pub(crate) fn from_parts(signer: Timestamped, limits: Limits) -> Self {
        Self {
            signer,
            limits,
            dialect: PhantomData,
        }
    }

    /// `TimestampSigner.sign(value)` now.
    #[must_use]
    pub fn sign(&self, value: &str) -> String {
        self.sign_at(value, UnixTime::now())
    }

    /// `TimestampSigner.sign(value)` with the clock at `now` (its whole
    /// seconds, truncated as Python's `int(time.time())`).
    #[must_use]
    pub fn sign_at(&self, value: &str, now: UnixTime) -> String {
        let mut out = String::with_capacity(value.len() + self.signer.overhead(now));
        out.push_str(value);
        self.signer.sign_into(&mut out, 0, now);
        out
    }

    /// `TimestampSigner.unsign(signed, max_age=...)` now.
    ///
    /// # Errors
    ///
    /// As [`TimestampSigner::unsign_at`].
    pub fn unsign<'a>(
        &self,
        signed: &'a str,
        max_age: Option<Duration>,
    ) -> Result<Decoded<&'a str>, DecodeError> {
        self.unsign_at(signed, max_age, UnixTime::now())
    }

    /// `TimestampSigner.unsign(signed, max_age=...)` with the clock at
    /// `now`: the signature, then the timestamp, then the age by the
    /// dialect's rule (Django: `now - timestamp > max_age` with `now` to
    /// the fraction of a second; itsdangerous: whole seconds, and a
    /// timestamp in the future is expired too). Without a maximum age the
    /// age is not looked at.
    ///
    /// # Errors
    ///
    /// - [`DecodeError::TooLarge`]: longer than the options' cookie limit.
    /// - [`DecodeError::Malformed`]: no separator, or (authentic, which only
    ///   a key holder can make) no timestamp field.
    /// - [`DecodeError::BadSignature`]: no key verifies the signature.
    /// - [`DecodeError::Expired`]: older than `max_age` (itsdangerous: or
    ///   from the future).
    /// - [`DecodeError::BadPayload`]: authentic, but the timestamp field is
    ///   not a timestamp.
    ///
    /// # Security
    ///
    /// The timestamp is read only from authentic text.
    pub fn unsign_at<'a>(
        &self,
        signed: &'a str,
        max_age: Option<Duration>,
        now: UnixTime,
    ) -> Result<Decoded<&'a str>, DecodeError> {
        self.limits.check_cookie_len(signed)?;
        self.signer
            .verify_at(signed, now, max_age)
            .map(Decoded::from_stamped)
    }
}
