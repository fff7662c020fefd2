//! HMAC-SHA256 (RFC 2104) with keyed states computed once, and verification
//! that hands out the only proof later decoding steps accept.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

pub(crate) mod mac;
#[cfg(feature = "flask")]
pub(crate) mod sha1;
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

    /// Whether `tag` is the tag of `parts`, compared in constant time; the
    /// proof records `key_index` as the key that verified.
    pub(crate) fn verify(&self, parts: &[&[u8]], tag: &Tag, key_index: usize) -> Option<Verified> {
        bool::from(self.tag(parts).ct_eq(tag)).then_some(Verified { key_index })
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

/// Proof that a signed text verified under one key of a ring.
///
/// Only [`SignerRing::verify`] makes one, so a function that asks for a
/// `&Verified` cannot run on bytes whose signature was not checked.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Verified {
    key_index: usize,
}

impl Verified {
    /// Position in the ring of the key that verified: 0 is the signing key.
    pub(crate) fn key_index(self) -> usize {
        self.key_index
    }
}

/// The keyed states of a whole key ring: the signing key and the fallbacks.
#[derive(Clone)]
pub(crate) struct SignerRing {
    signing: HmacKey,
    fallbacks: Vec<HmacKey>,
}

impl SignerRing {
    pub(crate) fn new(signing: HmacKey, fallbacks: Vec<HmacKey>) -> Self {
        Self { signing, fallbacks }
    }

    /// The tag of `parts` under the signing key.
    pub(crate) fn sign(&self, parts: &[&[u8]]) -> Tag {
        self.signing.tag(parts)
    }

    /// Checks `tag` against the signing key and then each fallback, in
    /// constant time per comparison, and stops at the first key that matches.
    pub(crate) fn verify(&self, parts: &[&[u8]], tag: &Tag) -> Option<Verified> {
        core::iter::once(&self.signing)
            .chain(&self.fallbacks)
            .enumerate()
            .find_map(|(key_index, key)| key.verify(parts, tag, key_index))
    }
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

    #[test]
    fn verify_reports_which_key_matched() {
        let ring = SignerRing::new(HmacKey::new(b"new"), vec![HmacKey::new(b"old")]);
        let old_tag = HmacKey::new(b"old").tag(&[b"msg"]);
        assert_eq!(
            ring.verify(&[b"msg"], &old_tag).map(Verified::key_index),
            Some(1)
        );
        assert_eq!(
            ring.verify(&[b"msg"], &ring.sign(&[b"msg"]))
                .map(Verified::key_index),
            Some(0)
        );
        assert!(ring.verify(&[b"other"], &old_tag).is_none());
    }
}
