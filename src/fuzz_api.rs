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
    let mut out = Vec::new();
    crate::envelope::compress::compress_into_if_smaller(data, &mut out).then_some(out)
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

/// The session layer's reading of `Cookie` headers, from any bytes (also
/// those `http::HeaderValue` would refuse): finds `name` and its chunks
/// among the request's cookies and reassembles the candidate values, in
/// the order the codec would try them.
#[must_use]
pub fn read_cookie_headers(headers: &[&[u8]], name: &str, max_chunks: usize) -> Vec<String> {
    crate::engine::request::RequestCookies::read(headers.iter().copied(), name, max_chunks)
        .values(max_chunks)
}

/// The most candidate values [`read_cookie_headers`] gives.
pub const MAX_CANDIDATES: usize = crate::engine::request::MAX_CANDIDATES;

/// Splits a cookie value into framed chunks (`docs/chunking.md`) with the
/// given generation id; `None` when it does not fit in `max_chunks`.
#[must_use]
pub fn chunk_split(
    name: &str,
    value: &str,
    generation: &str,
    max_chunks: usize,
) -> Option<Vec<String>> {
    crate::engine::chunk::split(
        &crate::engine::chunk::Layout::browser_only(name, max_chunks),
        value,
        || Ok::<_, ()>(generation.to_owned()),
    )
    .ok()
    .flatten()
}

/// Reassembles chunks; `None` when they do not fit together.
#[must_use]
pub fn chunk_join(first: &str, rest: &[&str], max_chunks: usize) -> Option<String> {
    let piece = |index: usize| index.checked_sub(1).and_then(|i| rest.get(i).copied());
    // One candidate per index, as a request with no copies.
    crate::engine::chunk::join(first, piece, max_chunks)
        .ok()
        .map(std::borrow::Cow::into_owned)
}

/// The cookie name of chunk `index`.
#[must_use]
pub fn chunk_name(name: &str, index: usize) -> String {
    crate::engine::chunk::chunk_name(name, index).into_owned()
}

/// The most cookies the layer reads or writes for one session.
pub const MAX_CHUNKS: usize = crate::engine::MAX_CHUNKS;
