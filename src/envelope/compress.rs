//! zlib (RFC 1950) compression as CPython's `zlib.compress` does it, and
//! inflation with a hard cap on the output.
//!
//! The deflate implementation is C zlib (through `flate2`'s `zlib` feature
//! and a statically built `libz-sys`): Django and Flask run on CPython linked
//! against classic zlib, and only the same algorithm gives the same bytes.
//! Pure-Rust deflaters produce different, equally valid, streams.
//!
//! Without the `zlib` feature (as in `wasm` builds) flate2 falls back to
//! the pure-Rust `miniz_oxide`: inflation is the same, but compressed
//! encodes are no longer byte-identical to Django's or Flask's (both read
//! them; `tests/django_live.rs` checks that Django does).

use std::cell::RefCell;

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress, Status};

use crate::error::{DecodeError, PayloadError, SizeLimit};

/// zlib's default level (`Z_DEFAULT_COMPRESSION` maps to 6).
const LEVEL: u32 = 6;

thread_local! {
    // zlib's state is a few hundred KiB to set up; each thread keeps one
    // compressor and one decompressor and resets them between uses.
    static DEFLATE: RefCell<Option<Compress>> = const { RefCell::new(None) };
    static INFLATE: RefCell<Option<Decompress>> = const { RefCell::new(None) };
}

/// Compresses `data` as `zlib.compress(data)` would into `out` (cleared
/// first), and says whether the result saves at least two bytes
/// (`len(c) < len(data) - 1`, the rule of both Django and itsdangerous).
/// When it does not, `out` holds nothing useful.
pub(crate) fn compress_into_if_smaller(data: &[u8], out: &mut Vec<u8>) -> bool {
    let Some(limit) = data.len().checked_sub(2) else {
        return false;
    };
    out.clear();
    // One byte of room past the limit tells "too long" from "just fits".
    out.reserve(limit + 1);
    let mut deflate = DEFLATE
        .with(|cell| cell.borrow_mut().take())
        .unwrap_or_else(|| Compress::new(Compression::new(LEVEL), true));
    deflate.reset();
    let finished = matches!(
        deflate.compress_vec(data, out, FlushCompress::Finish),
        Ok(Status::StreamEnd)
    );
    DEFLATE.with(|cell| *cell.borrow_mut() = Some(deflate));
    finished && out.len() <= limit
}

/// Inflates a zlib stream, refusing to produce more than `cap` bytes.
///
/// Bytes after the end of the stream are ignored, as CPython's
/// `zlib.decompress` ignores them; a stream that ends early is an error.
pub(crate) fn inflate_capped(data: &[u8], cap: usize) -> Result<Vec<u8>, DecodeError> {
    let mut inflate = INFLATE
        .with(|cell| cell.borrow_mut().take())
        .unwrap_or_else(|| Decompress::new(true));
    inflate.reset(true);
    let result = inflate_with(&mut inflate, data, cap);
    INFLATE.with(|cell| *cell.borrow_mut() = Some(inflate));
    result
}

fn inflate_with(inflate: &mut Decompress, data: &[u8], cap: usize) -> Result<Vec<u8>, DecodeError> {
    let too_large = DecodeError::TooLarge {
        what: SizeLimit::Inflated,
        limit: cap,
    };
    let bad = DecodeError::BadPayload(PayloadError::Zlib);
    let hard_limit = cap.saturating_add(1);
    let mut out = Vec::with_capacity(
        data.len()
            .saturating_mul(4)
            .saturating_add(64)
            .min(hard_limit),
    );
    loop {
        let consumed = usize::try_from(inflate.total_in()).map_err(|_| bad.clone())?;
        let input = data.get(consumed..).unwrap_or_default();
        let produced_before = out.len();
        let status = inflate
            .decompress_vec(input, &mut out, FlushDecompress::None)
            .map_err(|_| bad.clone())?;
        if out.len() > cap {
            return Err(too_large);
        }
        match status {
            Status::StreamEnd => return Ok(out),
            _ if out.len() == out.capacity() => {
                // Out of room: grow, but never past one byte over the cap.
                let room = out.capacity().max(64).min(hard_limit - out.len());
                out.reserve_exact(room);
            }
            _ if out.len() == produced_before && input.is_empty() => return Err(bad),
            _ if out.len() == produced_before
                && usize::try_from(inflate.total_in()).ok() == Some(consumed) =>
            {
                return Err(bad);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The boundary of `shared/specs/django-signing.md`, section 4.
    #[test]
    fn compresses_only_when_two_bytes_are_saved() {
        let mut c = Vec::new();
        assert!(!compress_into_if_smaller(br#"{"k":"aaaaaaaaaa"}"#, &mut c));
        assert!(!compress_into_if_smaller(br#"{"k":"aaaaaaaaaaa"}"#, &mut c));
        assert!(compress_into_if_smaller(br#"{"k":"aaaaaaaaaaaa"}"#, &mut c));
        assert_eq!(c.len(), 18);
        assert_eq!(&c[..2], &[0x78, 0x9c]);
        assert!(!compress_into_if_smaller(b"", &mut c));
        assert!(!compress_into_if_smaller(b"x", &mut c));
    }

    fn compressed(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        assert!(compress_into_if_smaller(data, &mut out));
        out
    }

    #[test]
    fn round_trip_and_trailing_bytes_ignored() {
        let data = b"hello hello hello hello hello hello hello".repeat(10);
        let mut c = compressed(&data);
        assert_eq!(inflate_capped(&c, 1 << 20).unwrap(), data);
        c.extend_from_slice(b"junk after the stream");
        assert_eq!(inflate_capped(&c, 1 << 20).unwrap(), data);
    }

    #[test]
    fn truncated_or_foreign_streams_fail() {
        let data = b"abcabcabcabcabcabcabcabcabcabc".repeat(10);
        let c = compressed(&data);
        for cut in 0..c.len() {
            assert!(inflate_capped(&c[..cut], 1 << 20).is_err(), "cut at {cut}");
        }
        assert!(inflate_capped(b"{\"x\":\"1\"}", 1 << 20).is_err());
    }

    #[test]
    fn cap_is_exact() {
        let data = vec![b'a'; 1000];
        let c = compressed(&data);
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
