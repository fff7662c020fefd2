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
        tags_equal(&self.tag(parts), tag).then_some(Verified {
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

/// Whether two MAC tags are equal, compared in constant time.
///
/// # Security
///
/// Only the lengths (public: they follow from the algorithm) may decide
/// anything early. The bytes are compared eight at a time with `subtle`'s
/// `u64` comparison and the answers combined as `Choice`s, so no branch
/// depends on where, or whether, the tags differ. `subtle`'s byte-slice
/// comparison is as constant-time but puts an optimisation barrier on
/// every byte: 32 for an HMAC-SHA256 tag, about 3% of a small decode,
/// against 4 here. `benches/constant_time.rs` measures that timing does
/// not depend on which byte differs.
pub(crate) fn tags_equal(ours: &[u8], theirs: &[u8]) -> bool {
    if ours.len() != theirs.len() {
        return false;
    }
    let (ours_words, theirs_words) = (ours.chunks_exact(8), theirs.chunks_exact(8));
    let rest = ours_words.remainder().ct_eq(theirs_words.remainder());
    ours_words
        .zip(theirs_words)
        .fold(rest, |equal, (a, b)| equal & word(a).ct_eq(&word(b)))
        .into()
}

/// An eight-byte chunk as a `u64`; any byte order does for an equality test.
fn word(chunk: &[u8]) -> u64 {
    let mut bytes = [0u8; 8];
    bytes.copy_from_slice(chunk);
    u64::from_ne_bytes(bytes)
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

    /// The word-wise comparison answers as `==` does for every tag length
    /// the MACs produce and the ones around them (whole words, a partial
    /// last word, nothing), with a difference in every byte and bit place.
    #[test]
    fn tags_equal_is_equality() {
        for len in 0..=65usize {
            let tag: Vec<u8> = (0..=u8::MAX).cycle().step_by(37).take(len).collect();
            assert!(tags_equal(&tag, &tag.clone()), "len {len}");
            for at in 0..len {
                for bit in 0..8 {
                    let mut other = tag.clone();
                    other[at] ^= 1 << bit;
                    assert!(!tags_equal(&tag, &other), "len {len}, byte {at}, bit {bit}");
                }
            }
            if let Some(shorter) = len.checked_sub(1) {
                assert!(
                    !tags_equal(&tag, &tag[..shorter]),
                    "len {len} against {shorter}"
                );
            }
            let mut longer = tag.clone();
            longer.push(0);
            assert!(!tags_equal(&tag, &longer), "len {len} against {}", len + 1);
        }
    }

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
