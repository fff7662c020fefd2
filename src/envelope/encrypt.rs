//! AES-256-GCM (NIST SP 800-38D) with a fresh key per message, derived with
//! HKDF-Expand (RFC 5869) from a random salt, and ISO/IEC 7816-4 padding.
//!
//! Random 96-bit nonces limit one GCM key to 2^32 messages (SP 800-38D
//! §8.3); deriving a key per message from a 128-bit salt lifts that limit
//! from the master key to the single message. `docs/FORMAT.md` §5 states
//! the bound.

use core::ops::Range;

use aes_gcm::aead::{AeadInOut, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce, Tag as GcmTag};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{EncodeError, PayloadError};
use crate::sign::Verified;

/// Random salt that selects the per-message key.
pub(crate) const SALT_LEN: usize = 16;
/// Random GCM nonce.
pub(crate) const NONCE_LEN: usize = 12;
/// GCM authentication tag.
pub(crate) const GCM_TAG_LEN: usize = 16;
/// The random bytes a [`seal`] takes: the salt, then the nonce.
pub(crate) const RANDOM_LEN: usize = SALT_LEN + NONCE_LEN;
/// Bytes an encrypted body adds to its plaintext.
pub(crate) const OVERHEAD: usize = SALT_LEN + NONCE_LEN + GCM_TAG_LEN;

/// The first padding byte (ISO/IEC 7816-4); zeros follow it.
const PAD_MARK: u8 = 0x80;

/// Derives per-message AES-256-GCM keys from one encryption subkey.
#[derive(Clone)]
pub(crate) struct MessageKeys {
    prk: Hkdf<Sha256>,
    label: &'static [u8],
}

impl MessageKeys {
    /// `subkey` is a uniformly random 32-byte key (an HKDF output), so it
    /// is used directly as HKDF's pseudorandom key (RFC 5869 §3.3).
    pub(crate) fn new(subkey: &[u8; 32], label: &'static [u8]) -> Self {
        // RFC 5869 requires a PRK of at least HashLen (32) bytes; this one is
        // exactly 32 by its type, so this cannot fail.
        #[allow(clippy::expect_used)]
        let prk = Hkdf::<Sha256>::from_prk(subkey).expect("32-byte PRK");
        Self { prk, label }
    }

    fn cipher(&self, salt: &[u8]) -> Aes256Gcm {
        let mut key = Zeroizing::new([0u8; 32]);
        // 32 bytes is far below HKDF's limit of 255 * 32, so this cannot fail.
        #[allow(clippy::expect_used)]
        self.prk
            .expand_multi_info(&[self.label, salt], key.as_mut_slice())
            .expect("32 bytes of HKDF output");
        Aes256Gcm::new(&(*key).into())
    }
}

/// The longest plaintext AES-GCM may seal (NIST SP 800-38D: 2^39 - 256
/// bits).
const GCM_MAX_PLAINTEXT: u64 = (1 << 36) - 32;

/// Length of the padded plaintext for a payload of `len` bytes; `None`
/// when it does not fit a `usize` (checked: a bucket comes from
/// configuration).
pub(crate) fn padded_len(len: usize, bucket: usize) -> Option<usize> {
    let bucket = bucket.max(1);
    len.checked_add(1)?.div_ceil(bucket).checked_mul(bucket)
}

/// Appends `salt || nonce || AES-256-GCM(payload || padding) || gcm tag`
/// to `out`; the associated data is what `out` held from `aad_start` on.
///
/// `random` is the salt and nonce: fresh bytes from
/// [`crate::random::fill_public`] for every call, never reused. The caller
/// draws them so that a token draws all its random bytes at once.
pub(crate) fn seal(
    keys: &MessageKeys,
    out: &mut Vec<u8>,
    aad_start: usize,
    payload: &[u8],
    bucket: usize,
    random: &[u8; RANDOM_LEN],
) -> Result<(), EncodeError> {
    let aad_end = out.len();
    let (salt, nonce) = random.split_at(SALT_LEN);
    out.extend_from_slice(random);
    let start = out.len();
    out.extend_from_slice(payload);
    out.push(PAD_MARK);
    let padded = padded_len(payload.len(), bucket)
        .and_then(|padded| start.checked_add(padded))
        .ok_or(EncodeError::TooLarge {
            len: usize::MAX,
            limit: 0,
            largest_keys: Vec::new(),
        })?;
    out.resize(padded, 0);
    let nonce = Nonce::try_from(nonce).map_err(|_| EncodeError::Random)?;
    let (head, plaintext) = out.split_at_mut(start);
    let plaintext_len = plaintext.len();
    let aad = head.get(aad_start..aad_end).unwrap_or_default();
    let tag = keys
        .cipher(salt)
        .encrypt_inout_detached(&nonce, aad, plaintext.into())
        // Only plaintexts beyond GCM's 64 GiB limit fail: too large.
        .map_err(|_| EncodeError::TooLarge {
            len: plaintext_len,
            limit: usize::try_from(GCM_MAX_PLAINTEXT).unwrap_or(usize::MAX),
            largest_keys: Vec::new(),
        })?;
    out.extend_from_slice(&tag);
    Ok(())
}

/// Decrypts, in place, a body written by [`seal`], and returns where in
/// `body` the payload (without padding) now lies. Runs only on tokens whose
/// HMAC verified.
pub(crate) fn open(
    keys: &MessageKeys,
    aad: &[u8],
    body: &mut [u8],
    _proof: Verified<'_>,
) -> Result<Range<usize>, PayloadError> {
    let (head, rest) = body
        .split_at_mut_checked(SALT_LEN + NONCE_LEN)
        .ok_or(PayloadError::Decrypt)?;
    let (salt, nonce) = head.split_at(SALT_LEN);
    let split = rest
        .len()
        .checked_sub(GCM_TAG_LEN)
        .ok_or(PayloadError::Decrypt)?;
    let (ciphertext, tag) = rest.split_at_mut(split);
    let nonce = Nonce::try_from(nonce).map_err(|_| PayloadError::Decrypt)?;
    let tag = GcmTag::try_from(&*tag).map_err(|_| PayloadError::Decrypt)?;
    keys.cipher(salt)
        .decrypt_inout_detached(&nonce, aad, ciphertext.into(), &tag)
        .map_err(|_| PayloadError::Decrypt)?;
    let end = ciphertext
        .iter()
        .rposition(|&b| b != 0)
        .filter(|&i| ciphertext.get(i) == Some(&PAD_MARK))
        .ok_or(PayloadError::Decrypt)?;
    Ok(SALT_LEN + NONCE_LEN..SALT_LEN + NONCE_LEN + end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign::HmacKey;

    static TAG: std::sync::LazyLock<crate::sign::Tag> =
        std::sync::LazyLock::new(|| HmacKey::new(b"k").tag(&[b"m"]));

    fn proof() -> Verified<'static> {
        HmacKey::new(b"k").verify(&[b"m"], &TAG).unwrap()
    }

    #[test]
    fn seal_open_round_trip_with_buckets() {
        let keys = MessageKeys::new(&[9; 32], b"test");
        for bucket in [1, 16, 256] {
            for len in [0, 1, 15, 16, 17, 300] {
                let payload = vec![0u8; len]; // zeros must survive unpadding
                let mut body = b"aad".to_vec();
                seal(
                    &keys,
                    &mut body,
                    0,
                    &payload,
                    bucket,
                    &crate::random::public().unwrap(),
                )
                .unwrap();
                let body = body.split_off(3);
                assert_eq!(body.len(), OVERHEAD + padded_len(len, bucket).unwrap());
                assert_eq!((body.len() - OVERHEAD) % bucket, 0);
                let mut opened = body.clone();
                let range = open(&keys, b"aad", &mut opened, proof()).unwrap();
                assert_eq!(opened[range], payload);
                assert!(open(&keys, b"other", &mut body.clone(), proof()).is_err());
            }
        }
    }

    #[test]
    fn every_message_gets_its_own_salt_and_nonce() {
        let keys = MessageKeys::new(&[9; 32], b"test");
        let (mut a, mut b) = (Vec::new(), Vec::new());
        seal(
            &keys,
            &mut a,
            0,
            b"same",
            1,
            &crate::random::public().unwrap(),
        )
        .unwrap();
        seal(
            &keys,
            &mut b,
            0,
            b"same",
            1,
            &crate::random::public().unwrap(),
        )
        .unwrap();
        assert_ne!(a[..SALT_LEN + NONCE_LEN], b[..SALT_LEN + NONCE_LEN]);
        assert_ne!(a, b);
    }

    #[test]
    fn short_or_altered_bodies_fail() {
        let keys = MessageKeys::new(&[9; 32], b"test");
        let mut body = Vec::new();
        seal(
            &keys,
            &mut body,
            0,
            b"hello",
            1,
            &crate::random::public().unwrap(),
        )
        .unwrap();
        for cut in 0..body.len() {
            assert!(open(&keys, b"", &mut body[..cut].to_vec(), proof()).is_err());
        }
        body[SALT_LEN] ^= 1;
        assert!(open(&keys, b"", &mut body, proof()).is_err());
    }
}
