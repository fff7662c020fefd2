//! HMAC-SHA1 (RFC 2104) for the Flask format only: itsdangerous signs with
//! SHA-1, so byte compatibility needs it. Nothing else in the crate uses
//! SHA-1.
//!
//! HMAC-SHA1 is still a sound MAC (its security rests on SHA-1's
//! compression function as a PRF, not on collision resistance; RFC 6151
//! section 3 and RFC 2104): the weakness of SHA-1 against collisions does
//! not let anyone forge a tag.

use ::sha1::Sha1;
use hmac::{Hmac, KeyInit, Mac};
use subtle::ConstantTimeEq;

use super::Verified;

/// Length of an HMAC-SHA1 tag in bytes.
pub(crate) const TAG_LEN: usize = 20;

/// An HMAC-SHA1 tag.
pub(crate) type Tag = [u8; TAG_LEN];

/// An HMAC-SHA1 key with its inner and outer pads already hashed.
#[derive(Clone)]
pub(crate) struct Sha1Key(Hmac<Sha1>);

impl Sha1Key {
    pub(crate) fn new(key: &[u8]) -> Self {
        // RFC 2104 section 2: keys of any length are valid.
        #[allow(clippy::expect_used)]
        let mac = <Hmac<Sha1> as KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
        Self(mac)
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

/// The keyed states of a Flask key list, in the order verification tries
/// them; the first one signs.
#[derive(Clone)]
pub(crate) struct Sha1Ring {
    /// `(key, index reported in the proof)`, in trial order.
    keys: Vec<(Sha1Key, usize)>,
}

impl Sha1Ring {
    /// `signing` signs and is tried first; `others` follow in the order
    /// given, each with the index its proof will report.
    pub(crate) fn new(signing: Sha1Key, others: Vec<(Sha1Key, usize)>) -> Self {
        let mut keys = Vec::with_capacity(others.len() + 1);
        keys.push((signing, 0));
        keys.extend(others);
        Self { keys }
    }

    /// The tag of `parts` under the signing key.
    pub(crate) fn sign(&self, parts: &[&[u8]]) -> Tag {
        self.keys
            .first()
            .map(|(key, _)| key.tag(parts))
            .unwrap_or_default()
    }

    /// Checks `tag` against each key in trial order, in constant time per
    /// comparison, and stops at the first key that matches.
    pub(crate) fn verify(&self, parts: &[&[u8]], tag: &Tag) -> Option<Verified> {
        self.keys.iter().find_map(|(key, key_index)| {
            bool::from(key.tag(parts).ct_eq(tag)).then_some(Verified {
                key_index: *key_index,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// RFC 2202, test case 2.
    #[test]
    fn rfc2202_case_2() {
        let key = Sha1Key::new(b"Jefe");
        assert_eq!(
            hex(&key.tag(&[b"what do ya want ", b"for nothing?"])),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
    }

    #[test]
    fn verify_reports_the_given_index() {
        let ring = Sha1Ring::new(
            Sha1Key::new(b"new"),
            vec![(Sha1Key::new(b"old2"), 2), (Sha1Key::new(b"old1"), 1)],
        );
        let tag = Sha1Key::new(b"old1").tag(&[b"msg"]);
        assert_eq!(
            ring.verify(&[b"msg"], &tag).map(Verified::key_index),
            Some(1)
        );
        let tag = ring.sign(&[b"msg"]);
        assert_eq!(
            ring.verify(&[b"msg"], &tag).map(Verified::key_index),
            Some(0)
        );
        assert!(ring.verify(&[b"other"], &tag).is_none());
    }
}
