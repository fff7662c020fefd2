//! The native token layout (`docs/FORMAT.md`): a binary header with
//! version, flags, key id, two times and (version 2) the session id, the
//! body, and an HMAC tag, all in one strict base64url string.

use core::ops::Range;

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::codec::SessionId;
use crate::envelope::encrypt::{MessageKeys, OVERHEAD};
use crate::error::{KeyError, Malformed};
use crate::key::{KeyId, MAX_KEY_ID_LEN, MasterKey};
use crate::sign::{HmacKey, TAG_LEN, Tag, b64};

/// The version this crate writes: version 1 with the session id.
pub(crate) const VERSION: u8 = 0x02;
/// The first published version, without a session id: still read.
const VERSION_1: u8 = 0x01;
const FLAG_ENCRYPTED: u8 = 0b01;
const FLAG_COMPRESSED: u8 = 0b10;
const KNOWN_FLAGS: u8 = FLAG_ENCRYPTED | FLAG_COMPRESSED;

/// version, flags, id length, issued_at, origin: version 1's header
/// without the key id.
const FIXED_HEADER_LEN_V1: usize = 1 + 1 + 1 + 8 + 8;
/// Version 2's: version 1's and the session id.
const FIXED_HEADER_LEN: usize = FIXED_HEADER_LEN_V1 + SessionId::LEN;

// Version 2 keeps version 1's labels, so one key ring serves both: the
// version byte is in the MAC and the AAD, so a token never verifies as
// the other version.
const CONTEXT_LABEL: &[u8] = b"session-cookie/v1\0";
const MAC_LABEL: &[u8] = b"session-cookie/v1/mac";
const ENC_LABEL: &[u8] = b"session-cookie/v1/enc";
const MESSAGE_LABEL: &[u8] = b"session-cookie/v1/msg";

/// The MAC and encryption subkeys of one master key (HKDF-SHA256,
/// RFC 5869, empty salt, distinct labels), with the MAC state already past
/// the context.
pub(crate) fn derive_subkeys(master: &MasterKey, context: &[u8]) -> (HmacKey, MessageKeys) {
    let hkdf = Hkdf::<Sha256>::new(None, master.secret().expose());
    let mut mac = Zeroizing::new([0u8; 32]);
    let mut enc = Zeroizing::new([0u8; 32]);
    // 32 bytes of output each is far below HKDF's limit of 255 * 32.
    #[allow(clippy::expect_used)]
    {
        hkdf.expand(MAC_LABEL, mac.as_mut_slice())
            .expect("32 bytes");
        hkdf.expand(ENC_LABEL, enc.as_mut_slice())
            .expect("32 bytes");
    }
    (
        HmacKey::new(mac.as_slice()).absorbed(context),
        MessageKeys::new(&enc, MESSAGE_LABEL),
    )
}

/// `"session-cookie/v1" 0x00 || u8 len || purpose || u8 len || cookie name`.
pub(crate) fn context(purpose: &str, cookie_name: &str) -> Result<Vec<u8>, KeyError> {
    let mut out = CONTEXT_LABEL.to_vec();
    for field in [purpose, cookie_name] {
        let len = u8::try_from(field.len())
            .ok()
            .filter(|&len| len > 0)
            .ok_or(KeyError::InvalidContext)?;
        out.push(len);
        out.extend_from_slice(field.as_bytes());
    }
    Ok(out)
}

/// Whether tokens are only signed or also encrypted.
///
/// # Examples
///
/// ```
/// use session_cookie::{Mode, NativeConfig};
///
/// assert_eq!(NativeConfig::ENCRYPTED.mode(), Mode::Encrypted);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// HMAC-SHA256 only: the client can read the session, not change it.
    Signed,
    /// AES-256-GCM, then HMAC-SHA256: the client can neither read nor
    /// change it.
    Encrypted,
}

/// A token's header fields, for writing.
pub(crate) struct Header<'a> {
    pub(crate) body: Mode,
    pub(crate) compressed: bool,
    pub(crate) key_id: &'a KeyId,
    pub(crate) issued_at: u64,
    pub(crate) origin: u64,
    pub(crate) session_id: SessionId,
}

impl Header<'_> {
    pub(crate) fn len(&self) -> usize {
        FIXED_HEADER_LEN + self.key_id.as_str().len()
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        let mut flags = 0;
        if self.body == Mode::Encrypted {
            flags |= FLAG_ENCRYPTED;
        }
        if self.compressed {
            flags |= FLAG_COMPRESSED;
        }
        let id = self.key_id.as_str().as_bytes();
        out.push(VERSION);
        out.push(flags);
        // A KeyId is at most 32 bytes.
        out.push(u8::try_from(id.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(id);
        out.extend_from_slice(&self.issued_at.to_be_bytes());
        out.extend_from_slice(&self.origin.to_be_bytes());
        out.extend_from_slice(self.session_id.as_bytes());
    }
}

/// The length in bytes of a token whose header is `header_len` bytes and
/// whose body is `body_len` bytes.
/// `None` when it does not fit a `usize`.
pub(crate) fn token_len(header_len: usize, body_len: usize) -> Option<usize> {
    header_len.checked_add(body_len)?.checked_add(TAG_LEN)
}

/// The length of the base64url text of `bytes` bytes (`None`: too large).
pub(crate) fn text_len(bytes: usize) -> Option<usize> {
    Some(bytes.checked_mul(4)?.div_ceil(3))
}

/// The body length of an encrypted token for a padded plaintext (`None`:
/// too large).
pub(crate) fn encrypted_body_len(padded: usize) -> Option<usize> {
    padded.checked_add(OVERHEAD)
}

/// Appends the HMAC tag to `buffer[start..]` (header and body; `mac` has
/// absorbed the context) and returns that token's text.
pub(crate) fn finish(buffer: &mut Vec<u8>, start: usize, mac: &HmacKey) -> String {
    let tag = mac.tag(&[buffer.get(start..).unwrap_or_default()]);
    buffer.extend_from_slice(&tag);
    let token = buffer.get(start..).unwrap_or_default();
    let mut text = String::with_capacity(text_len(token.len()).unwrap_or(0));
    b64::encode_into(token, &mut text);
    text
}

/// A token checked for structure only.
pub(crate) struct Parsed<'a> {
    pub(crate) version: u8,
    pub(crate) key_id: &'a [u8],
    pub(crate) compressed: bool,
    pub(crate) issued_at: u64,
    pub(crate) origin: u64,
    /// Version 2's session id; `None` in a version 1 token.
    session_id: Option<SessionId>,
    /// Header and body: what the HMAC covers.
    pub(crate) signed: &'a [u8],
    pub(crate) body: &'a [u8],
    /// Where the header (the AEAD's associated data after the context) and
    /// the body lie in the token's bytes.
    pub(crate) header_range: Range<usize>,
    pub(crate) body_range: Range<usize>,
    pub(crate) tag: Tag,
}

impl Parsed<'_> {
    /// The session's id: version 2 carries it; a version 1 token's is the
    /// first 16 bytes of its tag (`docs/FORMAT.md` §2), unique to that
    /// token and kept when the session is re-issued as version 2, so that
    /// revoking the re-issued session revokes the old token too.
    pub(crate) fn session_id(&self) -> SessionId {
        self.session_id.unwrap_or_else(|| {
            let mut id = [0u8; SessionId::LEN];
            id.copy_from_slice(
                self.tag
                    .get(..SessionId::LEN)
                    .unwrap_or(&[0; SessionId::LEN]),
            );
            SessionId::from_bytes(id)
        })
    }
}

/// Strict base64url: no padding, no characters outside the alphabet, zero
/// trailing bits. One text, one byte string.
pub(crate) fn decode_text(text: &str) -> Result<Vec<u8>, Malformed> {
    if text.is_empty() {
        return Err(Malformed::Empty);
    }
    b64::decode_strict(text).ok_or(Malformed::Encoding)
}

/// Splits token bytes into header fields, body and tag, and checks every
/// structural rule: version (1 or 2), known flags of the expected mode, id
/// length and alphabet, and the minimum body length of the mode.
pub(crate) fn parse(bytes: &[u8], expected: Mode) -> Result<Parsed<'_>, Malformed> {
    let (&version, rest) = bytes.split_first().ok_or(Malformed::Length)?;
    if version != VERSION && version != VERSION_1 {
        return Err(Malformed::Version);
    }
    let (&flags, rest) = rest.split_first().ok_or(Malformed::Length)?;
    let body_kind = if flags & FLAG_ENCRYPTED == 0 {
        Mode::Signed
    } else {
        Mode::Encrypted
    };
    if flags & !KNOWN_FLAGS != 0 || body_kind != expected {
        return Err(Malformed::Mode);
    }
    let (&id_len, rest) = rest.split_first().ok_or(Malformed::Length)?;
    let id_len = usize::from(id_len);
    if id_len == 0 || id_len > MAX_KEY_ID_LEN {
        return Err(Malformed::Length);
    }
    let (key_id, rest) = rest.split_at_checked(id_len).ok_or(Malformed::Length)?;
    if !KeyId::is_valid(key_id) {
        return Err(Malformed::Length);
    }
    let (issued_at, rest) = rest.split_first_chunk::<8>().ok_or(Malformed::Length)?;
    let (origin, rest) = rest.split_first_chunk::<8>().ok_or(Malformed::Length)?;
    let (session_id, rest) = if version == VERSION {
        let (id, rest) = rest
            .split_first_chunk::<{ SessionId::LEN }>()
            .ok_or(Malformed::Length)?;
        (Some(SessionId::from_bytes(*id)), rest)
    } else {
        (None, rest)
    };
    let body_len = rest.len().checked_sub(TAG_LEN).ok_or(Malformed::Length)?;
    let min_body = match body_kind {
        Mode::Signed => 1,
        Mode::Encrypted => OVERHEAD + 1,
    };
    if body_len < min_body {
        return Err(Malformed::Length);
    }
    let (body, tag) = rest.split_at(body_len);
    let tag: Tag = tag.try_into().map_err(|_| Malformed::Length)?;
    let fixed = if version == VERSION {
        FIXED_HEADER_LEN
    } else {
        FIXED_HEADER_LEN_V1
    };
    let header_len = fixed + id_len;
    let (signed, _) = bytes.split_at(header_len + body_len);
    Ok(Parsed {
        version,
        key_id,
        compressed: flags & FLAG_COMPRESSED != 0,
        issued_at: u64::from_be_bytes(*issued_at),
        origin: u64::from_be_bytes(*origin),
        session_id,
        signed,
        body,
        header_range: 0..header_len,
        body_range: header_len..header_len + body_len,
        tag,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(body: Mode, body_len: usize) -> Vec<u8> {
        let id: KeyId = "k1".parse().unwrap();
        let header = Header {
            body,
            compressed: true,
            key_id: &id,
            issued_at: 1_700_000_000,
            origin: 1_690_000_000,
            session_id: SessionId::from_bytes([9; 16]),
        };
        let mut bytes = Vec::new();
        header.write(&mut bytes);
        bytes.extend(std::iter::repeat_n(7, body_len + TAG_LEN));
        bytes
    }

    #[test]
    fn parse_reads_what_write_wrote() {
        let bytes = sample(Mode::Signed, 5);
        let parsed = parse(&bytes, Mode::Signed).unwrap();
        assert_eq!(parsed.key_id, b"k1");
        assert!(parsed.compressed);
        assert_eq!(parsed.issued_at, 1_700_000_000);
        assert_eq!(parsed.origin, 1_690_000_000);
        assert_eq!(parsed.version, VERSION);
        assert_eq!(parsed.session_id(), SessionId::from_bytes([9; 16]));
        assert_eq!(parsed.body.len(), 5);
        assert_eq!(parsed.header_range.len(), FIXED_HEADER_LEN + 2);
    }

    #[test]
    fn structure_rules() {
        let signed = sample(Mode::Signed, 1);
        assert!(matches!(
            parse(&signed, Mode::Encrypted),
            Err(Malformed::Mode)
        ));
        for cut in 0..signed.len() {
            assert!(parse(&signed[..cut], Mode::Signed).is_err(), "cut {cut}");
        }
        let mut bad_version = signed.clone();
        bad_version[0] = 3;
        assert!(matches!(
            parse(&bad_version, Mode::Signed),
            Err(Malformed::Version)
        ));
        let mut bad_flags = signed.clone();
        bad_flags[1] |= 0x80;
        assert!(matches!(
            parse(&bad_flags, Mode::Signed),
            Err(Malformed::Mode)
        ));
        let mut bad_id = signed.clone();
        bad_id[3] = b'.';
        assert!(matches!(
            parse(&bad_id, Mode::Signed),
            Err(Malformed::Length)
        ));
        let short_encrypted = sample(Mode::Encrypted, OVERHEAD);
        assert!(parse(&short_encrypted, Mode::Encrypted).is_err());
        assert!(parse(&sample(Mode::Encrypted, OVERHEAD + 1), Mode::Encrypted).is_ok());
    }

    #[test]
    fn version_1_has_no_session_id() {
        // The same header without the id, as version 1 wrote it.
        let mut v1 = sample(Mode::Signed, 5);
        v1[0] = VERSION_1;
        let id_at = FIXED_HEADER_LEN_V1 + 2;
        v1.drain(id_at..id_at + SessionId::LEN);
        let parsed = parse(&v1, Mode::Signed).unwrap();
        assert_eq!(parsed.version, VERSION_1);
        // The tag's first bytes (the sample's tag bytes are all 7).
        assert_eq!(parsed.session_id(), SessionId::from_bytes([7; 16]));
        assert_eq!(parsed.origin, 1_690_000_000);
        assert_eq!(parsed.body.len(), 5);
        assert_eq!(parsed.header_range.len(), FIXED_HEADER_LEN_V1 + 2);
        // A version 2 token relabelled as version 1 reads 16 bytes more of
        // body: the MAC over the version byte refuses it later.
        let mut relabelled = sample(Mode::Signed, 5);
        relabelled[0] = VERSION_1;
        assert_eq!(parse(&relabelled, Mode::Signed).unwrap().body.len(), 21);
    }

    #[test]
    fn text_is_strict_base64url() {
        assert_eq!(decode_text("AQ").unwrap(), [1]);
        assert!(decode_text("AR").is_err(), "non-zero trailing bits");
        assert!(decode_text("AQ==").is_err(), "padding");
        assert!(decode_text("A+").is_err(), "standard alphabet");
        assert!(decode_text("").is_err());
        for n in 0..100 {
            let mut text = String::new();
            b64::encode_into(&vec![0u8; n], &mut text);
            assert_eq!(text.len(), text_len(n).unwrap());
        }
    }

    #[test]
    fn context_binds_lengths() {
        assert_ne!(context("ab", "c").unwrap(), context("a", "bc").unwrap());
        assert!(context("", "sessionid").is_err());
        assert!(context("session", &"x".repeat(256)).is_err());
    }
}
