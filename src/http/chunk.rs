//! Splitting a cookie value that does not fit in one browser cookie across
//! `name`, `name.1`, `name.2`, … and putting it back together.
//!
//! The layout is specified in `docs/chunking.md`. In short: a value whose
//! `name=value` fits in [`COOKIE_LIMIT`] bytes is written as it is, in one
//! cookie. A longer one is cut into pieces, and each piece is framed as
//!
//! ```text
//! ~GGGGGGGG.I.N.PIECE
//! ```
//!
//! where `GGGGGGGG` is a random generation id shared by every piece of one
//! write, `I` the piece's index (which must match its cookie name) and `N`
//! the number of pieces. Reading accepts a set only when every piece names
//! the same generation and count; the reassembled value is then verified by
//! the codec's MAC, which covers all of it, so no splice of pieces from two
//! writes can verify.

use std::borrow::Cow;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::EncodeError;

/// The most bytes of `name=value` a browser keeps for one cookie
/// (RFC 6265 §6.1 asks for at least 4096; Chromium and Firefox keep exactly
/// that much of name and value together).
pub(crate) const COOKIE_LIMIT: usize = 4096;

/// First character of a framed piece. Neither the Django nor the native
/// format starts a value with it, so an unframed value is never mistaken
/// for a frame; a codec value that does start with it is written framed.
const MARKER: char = '~';

/// Random bytes in a generation id: 48 bits, written as 8 base64url
/// characters.
const GENERATION_BYTES: usize = 6;
const GENERATION_LEN: usize = 8;

/// The most decimal digits an index or count may have when read.
const MAX_DIGITS: usize = 3;

/// Why a set of request cookies does not reassemble into one value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ChunkError {
    /// A piece is not a well-formed frame.
    Malformed,
    /// A piece the first one announced is absent.
    Missing,
    /// Pieces come from different writes (generation, index or count
    /// disagree).
    Mixed,
    /// More pieces than the configured maximum, or a piece longer than one
    /// cookie can be.
    TooLarge,
}

/// The cookie name of piece `index`: `name` for 0, `name.I` after.
pub(crate) fn chunk_name(name: &str, index: usize) -> Cow<'_, str> {
    if index == 0 {
        Cow::Borrowed(name)
    } else {
        Cow::Owned(format!("{name}.{index}"))
    }
}

/// Reads `suffix` of a cookie named `name.suffix` as a piece index: 1 or
/// more, in canonical decimal (no sign, no leading zero).
pub(crate) fn parse_index(suffix: &str) -> Option<usize> {
    parse_decimal(suffix).filter(|&index| index > 0)
}

fn parse_decimal(text: &str) -> Option<usize> {
    let canonical = !text.is_empty()
        && text.len() <= MAX_DIGITS
        && text.bytes().all(|b| b.is_ascii_digit())
        && (text == "0" || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

fn digits(mut n: usize) -> usize {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}

/// Bytes of value a framed piece `index` of `count` can carry.
fn capacity(name_len: usize, index: usize, count: usize) -> usize {
    let name = if index == 0 {
        name_len
    } else {
        name_len + 1 + digits(index)
    };
    // `name=` then `~GGGGGGGG.I.N.`
    let overhead = name + 1 + 1 + GENERATION_LEN + 1 + digits(index) + 1 + digits(count) + 1;
    COOKIE_LIMIT.saturating_sub(overhead)
}

fn total_capacity(name_len: usize, count: usize) -> usize {
    (0..count)
        .map(|index| capacity(name_len, index, count))
        .sum()
}

fn fits_unframed(name: &str, value: &str) -> bool {
    name.len() + 1 + value.len() <= COOKIE_LIMIT && !value.starts_with(MARKER)
}

/// The longest value that `max_chunks` cookies named after `name` can
/// carry.
pub(crate) fn max_value_len(name: &str, max_chunks: usize) -> usize {
    let unframed = COOKIE_LIMIT.saturating_sub(name.len() + 1);
    unframed.max(total_capacity(name.len(), max_chunks))
}

/// How many cookies `value` takes, or `None` when more than `max_chunks`.
pub(crate) fn cookies_needed(name: &str, value: &str, max_chunks: usize) -> Option<usize> {
    if fits_unframed(name, value) {
        return Some(1);
    }
    (1..=max_chunks).find(|&count| total_capacity(name.len(), count) >= value.len())
}

/// A fresh generation id from the operating system's random source.
///
/// # Errors
///
/// [`EncodeError::Random`] when the random source fails.
pub(crate) fn new_generation() -> Result<String, EncodeError> {
    let mut bytes = [0u8; GENERATION_BYTES];
    getrandom::fill(&mut bytes).map_err(|_| EncodeError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The cookie values for `value`, piece 0 first: one unframed value when it
/// fits, otherwise framed pieces of one new `generation`. `Ok(None)` when it
/// needs more than `max_chunks` cookies, or `value` is not ASCII.
///
/// # Errors
///
/// Whatever `generation` returns; it is called only when the value is
/// framed.
pub(crate) fn split<E>(
    name: &str,
    value: &str,
    generation: impl FnOnce() -> Result<String, E>,
    max_chunks: usize,
) -> Result<Option<Vec<String>>, E> {
    if !value.is_ascii() {
        return Ok(None);
    }
    let Some(count) = cookies_needed(name, value, max_chunks) else {
        return Ok(None);
    };
    if count == 1 && fits_unframed(name, value) {
        return Ok(Some(vec![value.to_owned()]));
    }
    let generation = generation()?;
    let mut rest = value;
    let mut pieces = Vec::with_capacity(count);
    for index in 0..count {
        let take = capacity(name.len(), index, count).min(rest.len());
        let Some((piece, tail)) = rest.split_at_checked(take) else {
            return Ok(None);
        };
        pieces.push(format!("{MARKER}{generation}.{index}.{count}.{piece}"));
        rest = tail;
    }
    Ok(rest.is_empty().then_some(pieces))
}

struct Frame<'a> {
    generation: &'a str,
    index: usize,
    count: usize,
    piece: &'a str,
}

fn parse_frame(value: &str) -> Result<Frame<'_>, ChunkError> {
    if value.len() > COOKIE_LIMIT {
        return Err(ChunkError::TooLarge);
    }
    let body = value.strip_prefix(MARKER).ok_or(ChunkError::Malformed)?;
    let mut fields = body.splitn(4, '.');
    let (Some(generation), Some(index), Some(count), Some(piece)) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(ChunkError::Malformed);
    };
    let generation_ok = generation.len() == GENERATION_LEN
        && generation
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if !generation_ok {
        return Err(ChunkError::Malformed);
    }
    Ok(Frame {
        generation,
        index: parse_decimal(index).ok_or(ChunkError::Malformed)?,
        count: parse_decimal(count).ok_or(ChunkError::Malformed)?,
        piece,
    })
}

/// Reassembles the value whose first cookie is `first`; `piece(i)` gives
/// the request's cookie `name.i`. An unframed `first` is the whole value.
///
/// # Errors
///
/// A [`ChunkError`] when the pieces do not form one complete write.
pub(crate) fn join<'a>(
    first: &'a str,
    piece: impl Fn(usize) -> Option<&'a str>,
    max_chunks: usize,
) -> Result<Cow<'a, str>, ChunkError> {
    if !first.starts_with(MARKER) {
        return Ok(Cow::Borrowed(first));
    }
    let head = parse_frame(first)?;
    if head.index != 0 || head.count == 0 {
        return Err(ChunkError::Malformed);
    }
    if head.count > max_chunks {
        return Err(ChunkError::TooLarge);
    }
    let mut value = String::with_capacity(head.count * COOKIE_LIMIT);
    value.push_str(head.piece);
    for index in 1..head.count {
        let frame = parse_frame(piece(index).ok_or(ChunkError::Missing)?)?;
        if frame.generation != head.generation || frame.index != index || frame.count != head.count
        {
            return Err(ChunkError::Mixed);
        }
        value.push_str(frame.piece);
    }
    Ok(Cow::Owned(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split_with(name: &str, value: &str, generation: &str, max: usize) -> Option<Vec<String>> {
        split(name, value, || Ok::<_, ()>(generation.to_owned()), max).unwrap()
    }

    fn roundtrip(name: &str, value: &str, max: usize) -> Vec<String> {
        let pieces = split_with(name, value, "AAAAAAAA", max).unwrap();
        for (index, piece) in pieces.iter().enumerate() {
            assert!(chunk_name(name, index).len() + 1 + piece.len() <= COOKIE_LIMIT);
        }
        let joined = join(&pieces[0], |i| pieces.get(i).map(String::as_str), max).unwrap();
        assert_eq!(joined, value);
        pieces
    }

    #[test]
    fn small_values_are_written_as_they_are() {
        let pieces = roundtrip("sessionid", "abc", 4);
        assert_eq!(pieces, ["abc"]);
        let exact = "x".repeat(COOKIE_LIMIT - "sessionid=".len());
        assert_eq!(
            roundtrip("sessionid", &exact, 1),
            std::slice::from_ref(&exact)
        );
    }

    #[test]
    fn large_values_are_framed_and_fill_each_cookie() {
        let value: String = (0..20_000)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let pieces = roundtrip("sessionid", &value, 8);
        assert_eq!(pieces.len(), 5);
        assert!(pieces[0].starts_with("~AAAAAAAA.0.5."));
        assert!(pieces[4].starts_with("~AAAAAAAA.4.5."));
        for (index, piece) in pieces.iter().enumerate().take(4) {
            assert_eq!(
                chunk_name("sessionid", index).len() + 1 + piece.len(),
                COOKIE_LIMIT
            );
        }
    }

    #[test]
    fn every_length_up_to_the_maximum_round_trips() {
        let name = "__Host-s";
        let max = max_value_len(name, 3);
        let value = "v".repeat(max);
        for len in (0..=max)
            .step_by(97)
            .chain([max - 1, max, 4087, 4088, 4089])
        {
            let pieces = roundtrip(name, &value[..len], 3);
            assert_eq!(
                pieces.len(),
                cookies_needed(name, &value[..len], 3).unwrap()
            );
        }
        assert!(split_with(name, &"v".repeat(max + 1), "AAAAAAAA", 3).is_none());
        assert!(cookies_needed(name, &"v".repeat(max + 1), 3).is_none());
    }

    #[test]
    fn a_value_that_looks_like_a_frame_is_framed() {
        let pieces = roundtrip("s", "~not-a-frame", 2);
        assert_eq!(pieces, ["~AAAAAAAA.0.1.~not-a-frame"]);
    }

    #[test]
    fn pieces_of_two_writes_never_join() {
        let value = "q".repeat(10_000);
        let a = split_with("s", &value, "AAAAAAAA", 4).unwrap();
        let b = split_with("s", &value, "BBBBBBBB", 4).unwrap();
        let mixed = [a[0].clone(), b[1].clone(), a[2].clone()];
        assert_eq!(
            join(&mixed[0], |i| mixed.get(i).map(String::as_str), 4),
            Err(ChunkError::Mixed)
        );
        // Missing piece, wrong order, too many, malformed.
        assert_eq!(join(&a[0], |_| None, 4), Err(ChunkError::Missing));
        let swapped = [a[0].clone(), a[2].clone(), a[1].clone()];
        assert_eq!(
            join(&swapped[0], |i| swapped.get(i).map(String::as_str), 4),
            Err(ChunkError::Mixed)
        );
        assert_eq!(
            join(&a[0], |i| a.get(i).map(String::as_str), 2),
            Err(ChunkError::TooLarge)
        );
        for bad in [
            "~",
            "~AAAAAAAA.0.1",
            "~AAAAAAA.0.1.x",
            "~AAAAAAAA.00.1.x",
            "~AAAAAAAA.0.+1.x",
        ] {
            assert_eq!(join(bad, |_| None, 4), Err(ChunkError::Malformed), "{bad}");
        }
        assert_eq!(
            join("~AAAAAAAA.1.2.x", |_| None, 4),
            Err(ChunkError::Malformed)
        );
    }

    #[test]
    fn indices_are_canonical() {
        assert_eq!(parse_index("1"), Some(1));
        assert_eq!(parse_index("12"), Some(12));
        for bad in ["", "0", "01", "+1", "1a", "1000", " 1"] {
            assert_eq!(parse_index(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn generations_are_fresh() {
        let a = new_generation().unwrap();
        assert_eq!(a.len(), GENERATION_LEN);
        assert_ne!(a, new_generation().unwrap());
    }
}
