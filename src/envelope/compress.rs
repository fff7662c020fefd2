//! zlib (RFC 1950) compression as CPython's `zlib.compress` does it, and
//! inflation with a hard cap on the output.
//!
//! The deflate implementation is C zlib (through `flate2`'s `zlib` feature
//! and a statically built `libz-sys`): Django and Flask run on CPython linked
//! against classic zlib, and only the same algorithm gives the same bytes.
//! Pure-Rust deflaters produce different, equally valid, streams.

use std::io::Read;

use flate2::Compression;
use flate2::bufread::ZlibDecoder;
use flate2::write::ZlibEncoder;

use crate::error::{DecodeError, PayloadError, SizeLimit};

/// zlib's default level (`Z_DEFAULT_COMPRESSION` maps to 6).
const LEVEL: u32 = 6;

/// Compresses `data` as `zlib.compress(data)` would, and returns the result
/// only if it saves at least two bytes (`len(c) < len(data) - 1`, the rule
/// of both Django and itsdangerous).
pub(crate) fn compress_if_smaller(data: &[u8]) -> Option<Vec<u8>> {
    use std::io::Write;

    let mut encoder = ZlibEncoder::new(
        Vec::with_capacity(data.len() / 2 + 16),
        Compression::new(LEVEL),
    );
    // Writing into a Vec cannot fail.
    encoder.write_all(data).ok()?;
    let compressed = encoder.finish().ok()?;
    (compressed.len() + 1 < data.len()).then_some(compressed)
}

/// Inflates a zlib stream, refusing to produce more than `cap` bytes.
///
/// Bytes after the end of the stream are ignored, as CPython's
/// `zlib.decompress` ignores them; a stream that ends early is an error.
pub(crate) fn inflate_capped(data: &[u8], cap: usize) -> Result<Vec<u8>, DecodeError> {
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::with_capacity(data.len().saturating_mul(3).min(cap));
    ZlibDecoder::new(data)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|_| DecodeError::BadPayload(PayloadError::Zlib))?;
    if out.len() > cap {
        return Err(DecodeError::TooLarge {
            what: SizeLimit::Inflated,
            limit: cap,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The boundary of `shared/specs/django-signing.md`, section 4.
    #[test]
    fn compresses_only_when_two_bytes_are_saved() {
        assert!(compress_if_smaller(br#"{"k":"aaaaaaaaaa"}"#).is_none());
        assert!(compress_if_smaller(br#"{"k":"aaaaaaaaaaa"}"#).is_none());
        let c = compress_if_smaller(br#"{"k":"aaaaaaaaaaaa"}"#).unwrap();
        assert_eq!(c.len(), 18);
        assert_eq!(&c[..2], &[0x78, 0x9c]);
    }

    #[test]
    fn round_trip_and_trailing_bytes_ignored() {
        let data = b"hello hello hello hello hello hello hello".repeat(10);
        let mut c = compress_if_smaller(&data).unwrap();
        assert_eq!(inflate_capped(&c, 1 << 20).unwrap(), data);
        c.extend_from_slice(b"junk after the stream");
        assert_eq!(inflate_capped(&c, 1 << 20).unwrap(), data);
    }

    #[test]
    fn truncated_or_foreign_streams_fail() {
        let data = b"abcabcabcabcabcabcabcabcabcabc".repeat(10);
        let c = compress_if_smaller(&data).unwrap();
        for cut in 0..c.len() - 4 {
            assert!(inflate_capped(&c[..cut], 1 << 20).is_err(), "cut at {cut}");
        }
        assert!(inflate_capped(b"{\"x\":\"1\"}", 1 << 20).is_err());
    }

    #[test]
    fn cap_is_exact() {
        let data = vec![b'a'; 1000];
        let c = compress_if_smaller(&data).unwrap();
        assert_eq!(inflate_capped(&c, 1000).unwrap().len(), 1000);
        assert!(matches!(
            inflate_capped(&c, 999),
            Err(DecodeError::TooLarge {
                what: SizeLimit::Inflated,
                limit: 999
            })
        ));
    }
}
