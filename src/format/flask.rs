//! Flask's session cookie layout (itsdangerous `URLSafeTimedSerializer`):
//! `[.]BODY.TIMESTAMP.SIGNATURE`, as written by
//! `SecureCookieSessionInterface` (`docs/flask.md`): the pipeline's
//! parameters for Flask.

use crate::key::{Secret, SecretKeys};
use crate::sign::mac::{Algorithm, KeyDerivation};
use crate::sign::signer::{Clock, Layout, Serializer, Signer, Timestamped};
use crate::time::AgeRule;

/// The salt of Flask's `SecureCookieSessionInterface`.
pub(crate) const SESSION_SALT: &str = "cookie-session";

/// The structure of a Flask cookie: itsdangerous splits from the right (the
/// body itself may start with `.`), and a body of impossible base64 length
/// is refused before any HMAC.
pub(crate) const LAYOUT: Layout = Layout {
    sep: '.',
    clock: Clock::Bytes,
    algorithm: Algorithm::Sha1,
    refuse_impossible_base64: true,
};

/// itsdangerous' `TimestampSigner` as Flask configures it: HMAC-SHA1 under
/// `HMAC-SHA1(key = secret, msg = salt)` (the `hmac` derivation).
///
/// Flask's key list is `SECRET_KEY_FALLBACKS + [SECRET_KEY]`, and
/// itsdangerous tries it from the end: the signing key, then the last
/// fallback, back to the first; each proof reports the key's place in the
/// ring.
pub(crate) fn serializer(salt: &str, ring: &SecretKeys) -> Serializer {
    let derive = |secret: &Secret| {
        KeyDerivation::Hmac.derive(LAYOUT.algorithm, salt.as_bytes(), secret.expose())
    };
    let fallbacks = ring
        .fallbacks()
        .iter()
        .enumerate()
        .rev()
        .map(|(i, secret)| (derive(secret), i + 1))
        .collect();
    Serializer {
        layout: Some(LAYOUT),
        signer: Timestamped::new(
            Signer::in_order(LAYOUT.algorithm, ".", derive(ring.signing()), fallbacks),
            LAYOUT.clock,
            AgeRule::ItsDangerous,
        ),
    }
}

/// Whether `text` has Flask's cookie shape: three `.`-separated fields
/// (after an optional leading `.`) whose last one is a SHA-1 signature's
/// length. Used by `inspect` to tell Flask cookies from others before the
/// full check.
pub(crate) fn looks_like(text: &str) -> bool {
    text.rsplit_once(LAYOUT.sep)
        .is_some_and(|(signed, signature)| {
            signature.len() == LAYOUT.algorithm.signature_len()
                && signed
                    .strip_prefix('.')
                    .unwrap_or(signed)
                    .matches(LAYOUT.sep)
                    .count()
                    == 1
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Malformed;
    use crate::sign::signer::Fields;
    use crate::time::UnixTime;

    fn split(cookie: &str) -> Result<Fields<'_>, Malformed> {
        LAYOUT.split(cookie)
    }

    /// The table of `shared/specs/flask-session.md` §3.5.
    #[test]
    fn timestamp_table() {
        for (secs, text) in [
            (0, ""),
            (1, "AQ"),
            (255, "_w"),
            (256, "AQA"),
            (1_700_000_000, "ZVPxAA"),
            (4_294_967_295, "_____w"),
            (4_294_967_296, "AQAAAAA"),
            (u64::MAX, "__________8"),
        ] {
            if let Ok(signed) = i64::try_from(secs) {
                let mut written = String::new();
                Clock::Bytes.push(&mut written, UnixTime::from_secs(signed));
                assert_eq!(written, text);
            }
            let cookie = format!("e30.{text}.{}", "A".repeat(27));
            let fields = split(&cookie).unwrap();
            let read = i64::try_from(secs).unwrap_or(i64::MAX);
            assert_eq!(Clock::Bytes.parse(fields.timestamp), Some(read), "{text}");
        }
        // Leading zero bytes are accepted, as itsdangerous left-pads.
        assert_eq!(Clock::Bytes.parse("AABlU_EA"), Some(1_700_000_000));
    }

    /// Worked example A of `shared/specs/flask-session.md` §7.
    #[test]
    fn worked_example_a() {
        let ring = SecretKeys::new("dev-secret").unwrap();
        let mut out = "eyJ1c2VyX2lkIjo0Mn0".to_owned();
        serializer(SESSION_SALT, &ring).signer.sign_into(
            &mut out,
            0,
            UnixTime::from_secs(1_700_000_000),
        );
        assert_eq!(
            out,
            "eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.LIr3YcHFjdrdtQSuFvBzSarrgwM"
        );
    }
    #[test]
    fn structure_is_checked_field_by_field() {
        let sig = "LIr3YcHFjdrdtQSuFvBzSarrgwM";
        let ok = format!("eyJ1c2VyX2lkIjo0Mn0.ZVPxAA.{sig}");
        assert!(split(&ok).is_ok_and(|p| !p.compressed));
        assert!(split(&format!(".eJyr.ZVPxAA.{sig}")).is_ok_and(|p| p.compressed));
        assert!(split(&format!("e30..{sig}")).is_ok());
        assert!(matches!(split(""), Err(Malformed::Empty)));
        assert!(matches!(split("e30"), Err(Malformed::Separators)));
        assert!(matches!(
            split(&format!("e30.{sig}")),
            Err(Malformed::Separators)
        ));
        assert!(matches!(
            split(&format!("a.b.c.{sig}")),
            Err(Malformed::Separators)
        ));
        assert!(matches!(
            split(&format!("..e30.x.{sig}")),
            Err(Malformed::Separators)
        ));
        for bad in [
            format!("{ok}="),
            ok[..ok.len() - 1].to_owned(),
            ok.replace("LIr3", "LIr+"),
            ok.replace("rgwM", "rgwN"),
        ] {
            assert!(matches!(split(&bad), Err(Malformed::Signature)), "{bad}");
        }
        for bad in ["ZVPxA", "Z!PxAA", "AAAAAAAAAAAA", "A"] {
            assert!(
                matches!(
                    split(&format!("e30.{bad}.{sig}")),
                    Err(Malformed::Timestamp)
                ),
                "{bad}"
            );
        }
        for bad in ["", ".", "e3+", "e", "e30==="] {
            assert!(
                matches!(
                    split(&format!("{bad}.ZVPxAA.{sig}")),
                    Err(Malformed::Payload | Malformed::Separators)
                ),
                "{bad}"
            );
        }
    }

    #[test]
    fn shape_detection() {
        let sig = "LIr3YcHFjdrdtQSuFvBzSarrgwM";
        assert!(looks_like(&format!("e30.ZVPxAA.{sig}")));
        assert!(looks_like(&format!(".eJyr.ZVPxAA.{sig}")));
        assert!(looks_like(&format!("e30..{sig}")));
        assert!(!looks_like(&format!("e30:1r31eq:{sig}")));
        assert!(!looks_like("e30.ZVPxAA.short"));
    }
}
