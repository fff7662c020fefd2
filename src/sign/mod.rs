//! Signing: HMAC-SHA256 with keyed states computed once for the native
//! format (and the proof its later steps ask for), the MACs and key
//! derivations of the Django and itsdangerous family (`mac`), and their
//! signing pipeline (`signer`).

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub(crate) mod b64;
pub(crate) mod mac;
pub(crate) mod signer;

/// Length of an HMAC-SHA256 tag in bytes.
pub(crate) const TAG_LEN: usize = 32;

/// An HMAC-SHA256 tag.
pub(crate) type Tag = [u8; TAG_LEN];

/// An HMAC-SHA256 key with the inner and outer pads already hashed, so that
/// each message costs only its own compression rounds (RFC 2104, section 4).
#[derive(Clone)]
pub(crate) struct HmacKey(Hmac<Sha256>);

impl HmacKey {
    pub(crate) fn new(key: &[u8]) -> Self {
        // RFC 2104 section 2: keys of any length are valid (long ones are
        // hashed first), so construction cannot fail for HMAC.
        #[allow(clippy::expect_used)]
        let mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
        Self(mac)
    }

    /// This key's state after absorbing `prefix`: the HMAC of any message
    /// that starts with `prefix` then costs only the rest of the message.
    pub(crate) fn absorbed(&self, prefix: &[u8]) -> Self {
        let mut mac = self.0.clone();
        mac.update(prefix);
        Self(mac)
    }

    /// Whether `tag` is the tag of `parts`, compared in constant time.
    pub(crate) fn verify<'a>(&self, parts: &[&[u8]], tag: &'a Tag) -> Option<Verified<'a>> {
        bool::from(self.tag(parts).ct_eq(tag)).then_some(Verified {
            tag: core::marker::PhantomData,
        })
    }

    /// The tag of the concatenation of `parts`.
    pub(crate) fn tag(&self, parts: &[&[u8]]) -> Tag {
        let mut mac = self.0.clone();
        for part in parts {
            mac.update(part);
        }
        mac.finalize().into_bytes().into()
    }
}

/// Proof that a native token's tag verified. Only [`HmacKey::verify`]
/// makes one; it borrows the tag it checked and is neither `Copy` nor
/// `Clone`, so a function that takes one runs once, for that token, and
/// never on a token whose tag was not checked.
#[derive(Debug)]
pub(crate) struct Verified<'a> {
    tag: core::marker::PhantomData<&'a Tag>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231, test case 2.
    #[test]
    fn rfc4231_case_2() {
        let key = HmacKey::new(b"Jefe");
        let tag = key.tag(&[b"what do ya want ", b"for nothing?"]);
        let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
