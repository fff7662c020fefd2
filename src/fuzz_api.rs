//! Crate internals for the fuzz targets in `fuzz/` and the corpus replay
//! test, behind the `fuzzing` feature. Not part of the public API: nothing
//! here is stable, and nothing here may be used to skip a check in real code.

use crate::error::DecodeError;

/// Inflates a zlib stream, producing at most `cap` bytes
/// (the inflater both codecs use).
///
/// # Errors
///
/// [`DecodeError::BadPayload`] for a broken or truncated stream,
/// [`DecodeError::TooLarge`] when the output would exceed `cap`.
pub fn inflate_capped(data: &[u8], cap: usize) -> Result<Vec<u8>, DecodeError> {
    crate::envelope::compress::inflate_capped(data, cap)
}

/// Compresses as CPython's `zlib.compress` does, when that saves two bytes.
#[must_use]
pub fn compress_if_smaller(data: &[u8]) -> Option<Vec<u8>> {
    crate::envelope::compress::compress_if_smaller(data)
}

/// Django's base 62 timestamp reader.
#[must_use]
pub fn parse_base62(text: &str) -> Option<i64> {
    crate::time::parse_base62(text)
}

/// Django's base 62 timestamp writer.
#[must_use]
pub fn to_base62(value: i64) -> String {
    let mut out = String::new();
    crate::time::push_base62(&mut out, value);
    out
}
