//! Django's `signing` layout: `[.]PAYLOAD:TIMESTAMP:SIGNATURE`, as written by
//! `django.core.signing.dumps` and the `signed_cookies` session backend
//! (`docs/django.md`): the pipeline's parameters for Django, and the one
//! step only Django has (reading the JSON as Latin-1).

use std::borrow::Cow;

use crate::key::SecretKeys;
use crate::sign::mac::{Algorithm, KeyDerivation};
use crate::sign::signer::{Clock, Layout, Serializer, Signer, Timestamped};
use crate::time::AgeRule;

/// The salt of `django.contrib.sessions.backends.signed_cookies`.
pub(crate) const SESSION_SALT: &str = "django.contrib.sessions.backends.signed_cookies";
/// The default salt of `django.core.signing.dumps` and `loads`.
pub(crate) const SIGNING_SALT: &str = "django.core.signing";
/// What Django's `Signer` uses when the salt is empty: its own class path.
const EMPTY_SALT: &str = "django.core.signing.TimestampSigner";

/// The structure of a Django value; a payload of impossible base64 length
/// is reported by the decoder, after the signature, as Django reports it.
pub(crate) const LAYOUT: Layout = Layout {
    sep: ':',
    clock: Clock::Base62,
    algorithm: Algorithm::Sha256,
    refuse_impossible_base64: false,
};

/// `signing.dumps`' `TimestampSigner(salt=salt)` over the ring: HMAC-SHA256
/// under `SHA-256(salt || "signer" || secret)` for each secret.
pub(crate) fn serializer(salt: &str, ring: &SecretKeys) -> Serializer {
    let salt = if salt.is_empty() { EMPTY_SALT } else { salt };
    let derive = |secret: &crate::key::Secret| {
        KeyDerivation::DjangoConcat.derive(LAYOUT.algorithm, salt.as_bytes(), secret.expose())
    };
    let fallbacks = ring.fallbacks().iter().map(derive).collect();
    Serializer {
        layout: Some(LAYOUT),
        signer: Timestamped::new(
            Signer::new(LAYOUT.algorithm, ":", derive(ring.signing()), fallbacks),
            LAYOUT.clock,
            AgeRule::Django,
        ),
    }
}

/// Django reads the JSON bytes as Latin-1 text. For the pure-ASCII JSON it
/// writes this changes nothing; for raw UTF-8 written by someone else it
/// gives the same (mojibake) string Django gives.
pub(crate) fn latin1_json(bytes: &[u8]) -> Cow<'_, [u8]> {
    if bytes.is_ascii() {
        return Cow::Borrowed(bytes);
    }
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    Cow::Owned(text.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::error::Malformed;
    use crate::time::UnixTime;

    fn split(cookie: &str) -> Result<crate::sign::signer::Fields<'_>, Malformed> {
        LAYOUT.split(cookie)
    }

    /// Worked example 1 of `shared/specs/django-signing.md` §6.
    #[test]
    fn worked_example_empty_dict() {
        let ring = SecretKeys::new("django-insecure-pub-7c1f0e9a2b4d4c6e8f0a1b3c5d7e9f11-vectors")
            .unwrap();
        let mut out = "e30".to_owned();
        serializer(SIGNING_SALT, &ring).signer.sign_into(
            &mut out,
            0,
            UnixTime::from_secs(1_700_000_000),
        );
        assert_eq!(
            out,
            "e30:1r31eq:TMBbhb4teavI4BHqfCbpRbnHe5KBuvfcnIIsqMgitk0"
        );
    }

    #[test]
    fn structure_is_checked_field_by_field() {
        let sig = "TMBbhb4teavI4BHqfCbpRbnHe5KBuvfcnIIsqMgitk0";
        let ok = format!("e30:1r31eq:{sig}");
        assert!(split(&ok).is_ok());
        assert!(matches!(split(""), Err(Malformed::Empty)));
        assert!(matches!(split("e30"), Err(Malformed::Separators)));
        assert!(matches!(
            split(&format!("e30:{sig}")),
            Err(Malformed::Separators)
        ));
        assert!(matches!(
            split(&format!("x:e30:1r31eq:{sig}")),
            Err(Malformed::Separators)
        ));
        // A stray separator is named before the other fields' faults.
        assert!(matches!(
            split("x:e30:1r3$eq:!"),
            Err(Malformed::Separators)
        ));
        assert!(matches!(
            split(&format!("{ok}=")),
            Err(Malformed::Signature)
        ));
        assert!(matches!(
            split(&ok[..ok.len() - 1]),
            Err(Malformed::Signature)
        ));
        assert!(matches!(
            split(&format!("e30:1r3$eq:{sig}")),
            Err(Malformed::Timestamp)
        ));
        assert!(matches!(
            split(&format!("e30::{sig}")),
            Err(Malformed::Timestamp)
        ));
        assert!(matches!(
            split(&format!(":1r31eq:{sig}")),
            Err(Malformed::Payload)
        ));
        assert!(matches!(
            split(&format!("e3+:1r31eq:{sig}")),
            Err(Malformed::Payload)
        ));
        assert!(split(&format!(".e30=:1r31eq:{sig}")).is_ok_and(|p| p.compressed));
    }

    #[test]
    fn latin1_matches_django_mojibake() {
        let raw = "{\"name\":\"é\"}";
        let json = latin1_json(raw.as_bytes());
        assert_eq!(std::str::from_utf8(&json).unwrap(), "{\"name\":\"Ã©\"}");
    }
}
