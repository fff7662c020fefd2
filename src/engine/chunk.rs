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

use crate::codec::BROWSER_COOKIE_LIMIT;
use crate::error::EncodeError;

/// The most bytes of `name=value` a browser keeps for one cookie
/// ([`BROWSER_COOKIE_LIMIT`]), and the most bytes of one whole `Set-Cookie`
/// header value, attributes included, that the engine writes: proxies and
/// clients that cap a `Set-Cookie` line (curl, some CDNs) cap it there too.
pub(crate) const COOKIE_LIMIT: usize = BROWSER_COOKIE_LIMIT;

/// Bytes between two pairs of a `Cookie` request header: `; ` (RFC 6265
/// §5.4 step 4).
pub(crate) const SEPARATOR_LEN: usize = 2;

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

/// How much room the cookies of one session have: what every size in this
/// module is computed from.
///
/// - In a `Set-Cookie` header, each cookie takes its name, `=`, its value
///   and `attributes_len` bytes of attributes; the whole header stays at or
///   under [`COOKIE_LIMIT`].
/// - In a `Cookie` request header, the session's cookies take their
///   `name=value` pairs and a `; ` between two of them; all of that stays
///   at or under `request_budget`.
/// - There are at most `max_chunks` cookies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Layout {
    pub(crate) name_len: usize,
    pub(crate) attributes_len: usize,
    pub(crate) request_budget: usize,
    pub(crate) max_chunks: usize,
}

impl Layout {
    /// Only the browser's limit of 4096 bytes of `name=value`: no
    /// attributes, no request budget (for the fuzz targets' own checks).
    #[cfg(feature = "fuzzing")]
    pub(crate) fn browser_only(name: &str, max_chunks: usize) -> Self {
        Self {
            name_len: name.len(),
            attributes_len: 0,
            request_budget: usize::MAX,
            max_chunks,
        }
    }

    /// Bytes of `name.I=` for piece `index`.
    fn pair_prefix(&self, index: usize) -> Option<usize> {
        let name = if index == 0 {
            self.name_len
        } else {
            self.name_len.checked_add(1)?.checked_add(digits(index))?
        };
        name.checked_add(1)
    }

    /// Bytes of `name.I=~GGGGGGGG.I.N.` for piece `index` of `count`.
    fn frame_prefix(&self, index: usize, count: usize) -> Option<usize> {
        // `~GGGGGGGG.` `I.` `N.`
        let frame = 1 + GENERATION_LEN + 1;
        self.pair_prefix(index)?
            .checked_add(frame)?
            .checked_add(digits(index))?
            .checked_add(1)?
            .checked_add(digits(count))?
            .checked_add(1)
    }

    /// The most bytes of `name=value` one `Set-Cookie` header leaves room
    /// for.
    fn pair_limit(&self) -> usize {
        COOKIE_LIMIT.saturating_sub(self.attributes_len)
    }

    /// Bytes of value a framed piece `index` of `count` can carry.
    fn capacity(&self, index: usize, count: usize) -> usize {
        self.frame_prefix(index, count)
            .map_or(0, |prefix| self.pair_limit().saturating_sub(prefix))
    }

    /// The longest value `count` framed pieces carry: what their
    /// `Set-Cookie` headers hold, and no more than the request budget
    /// leaves after the names, frames and separators.
    fn framed_capacity(&self, count: usize) -> usize {
        if count == 0 || count > self.max_chunks {
            return 0;
        }
        let mut cookies: usize = 0;
        let mut overhead: usize = 0;
        for index in 0..count {
            cookies = cookies.saturating_add(self.capacity(index, count));
            let separator = if index == 0 { 0 } else { SEPARATOR_LEN };
            overhead = self
                .frame_prefix(index, count)
                .and_then(|prefix| prefix.checked_add(separator))
                .and_then(|bytes| overhead.checked_add(bytes))
                .unwrap_or(usize::MAX);
        }
        cookies.min(self.request_budget.saturating_sub(overhead))
    }

    /// The longest value written unframed, in one cookie.
    fn unframed_capacity(&self) -> usize {
        self.pair_prefix(0).map_or(0, |prefix| {
            self.pair_limit()
                .min(self.request_budget)
                .saturating_sub(prefix)
        })
    }

    fn fits_unframed(&self, value: &str) -> bool {
        value.len() <= self.unframed_capacity() && !value.starts_with(MARKER)
    }

    /// The longest value the session's cookies can carry.
    pub(crate) fn max_value_len(&self) -> usize {
        (1..=self.max_chunks)
            .map(|count| self.framed_capacity(count))
            .fold(self.unframed_capacity(), usize::max)
    }

    /// How many cookies a value of `len` bytes takes (unframed when it can
    /// be), or `None` when it does not fit.
    pub(crate) fn cookies_needed(&self, len: usize) -> Option<usize> {
        if len <= self.unframed_capacity() {
            return Some(1);
        }
        (1..=self.max_chunks).find(|&count| self.framed_capacity(count) >= len)
    }
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

/// A fresh generation id from the operating system's random source,
/// through the fork-checked block of public random bytes (`src/random.rs`):
/// a generation is written in the clear and only tells one write's pieces
/// from another's, so it is not a secret.
///
/// # Errors
///
/// [`EncodeError::Random`] when the random source fails.
pub(crate) fn new_generation() -> Result<String, EncodeError> {
    let bytes: [u8; GENERATION_BYTES] = crate::random::public()?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The cookie values for `value`, piece 0 first: one unframed value when it
/// fits, otherwise framed pieces of one new `generation`. `Ok(None)` when it
/// does not fit in `layout`, or `value` is not ASCII.
///
/// # Errors
///
/// Whatever `generation` returns; it is called only when the value is
/// framed.
pub(crate) fn split<E>(
    layout: &Layout,
    value: &str,
    generation: impl FnOnce() -> Result<String, E>,
) -> Result<Option<Vec<String>>, E> {
    if !value.is_ascii() {
        return Ok(None);
    }
    if layout.fits_unframed(value) {
        return Ok(Some(vec![value.to_owned()]));
    }
    let Some(count) = (1..=layout.max_chunks).find(|&c| layout.framed_capacity(c) >= value.len())
    else {
        return Ok(None);
    };
    let generation = generation()?;
    let mut rest = value;
    let mut pieces = Vec::with_capacity(count);
    for index in 0..count {
        let take = layout.capacity(index, count).min(rest.len());
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

/// Reassembles the value whose first cookie is `first`; `pieces(i)` gives
/// the request's cookies named `name.i`, in the order the browser sent
/// them (several when the browser holds several cookies of that name, for
/// other paths or domains). For each index the first piece of the same
/// write (generation, index and count) is taken, so a stray cookie of
/// another write, or a planted one, does not hide the right piece. An
/// unframed `first` is the whole value.
///
/// # Errors
///
/// A [`ChunkError`] when the pieces do not form one complete write.
pub(crate) fn join<'a, I>(
    first: &'a str,
    pieces: impl Fn(usize) -> I,
    max_chunks: usize,
) -> Result<Cow<'a, str>, ChunkError>
where
    I: IntoIterator<Item = &'a str>,
{
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
    let mut value = String::with_capacity(head.count.saturating_mul(COOKIE_LIMIT));
    value.push_str(head.piece);
    for index in 1..head.count {
        let mut seen = false;
        let frame = pieces(index).into_iter().find_map(|candidate| {
            seen = true;
            parse_frame(candidate).ok().filter(|frame| {
                frame.generation == head.generation
                    && frame.index == index
                    && frame.count == head.count
            })
        });
        match frame {
            Some(frame) => value.push_str(frame.piece),
            None if seen => return Err(ChunkError::Mixed),
            None => return Err(ChunkError::Missing),
        }
    }
    Ok(Cow::Owned(value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn browser(name: &str, max: usize) -> Layout {
        Layout {
            name_len: name.len(),
            attributes_len: 0,
            request_budget: usize::MAX,
            max_chunks: max,
        }
    }

    fn one<'a>(pieces: &'a [String]) -> impl Fn(usize) -> Option<&'a str> + 'a {
        |i| pieces.get(i).map(String::as_str)
    }

    fn split_in(layout: &Layout, value: &str, generation: &str) -> Option<Vec<String>> {
        split(layout, value, || Ok::<_, ()>(generation.to_owned())).unwrap()
    }

    fn split_with(name: &str, value: &str, generation: &str, max: usize) -> Option<Vec<String>> {
        split_in(&browser(name, max), value, generation)
    }

    fn cookies_needed(name: &str, value: &str, max: usize) -> Option<usize> {
        browser(name, max).cookies_needed(value.len())
    }

    fn max_value_len(name: &str, max: usize) -> usize {
        browser(name, max).max_value_len()
    }

    fn roundtrip(name: &str, value: &str, max: usize) -> Vec<String> {
        let pieces = split_with(name, value, "AAAAAAAA", max).unwrap();
        for (index, piece) in pieces.iter().enumerate() {
            assert!(chunk_name(name, index).len() + 1 + piece.len() <= COOKIE_LIMIT);
        }
        let joined = join(&pieces[0], one(&pieces), max).unwrap();
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
        assert_eq!(join(&mixed[0], one(&mixed), 4), Err(ChunkError::Mixed));
        // Missing piece, wrong order, too many, malformed.
        assert_eq!(join(&a[0], |_| None::<&str>, 4), Err(ChunkError::Missing));
        let swapped = [a[0].clone(), a[2].clone(), a[1].clone()];
        assert_eq!(join(&swapped[0], one(&swapped), 4), Err(ChunkError::Mixed));
        assert_eq!(join(&a[0], one(&a), 2), Err(ChunkError::TooLarge));
        for bad in [
            "~",
            "~AAAAAAAA.0.1",
            "~AAAAAAA.0.1.x",
            "~AAAAAAAA.00.1.x",
            "~AAAAAAAA.0.+1.x",
        ] {
            assert_eq!(
                join(bad, |_| None::<&str>, 4),
                Err(ChunkError::Malformed),
                "{bad}"
            );
        }
        assert_eq!(
            join("~AAAAAAAA.1.2.x", |_| None::<&str>, 4),
            Err(ChunkError::Malformed)
        );
    }

    #[test]
    fn the_right_piece_is_found_among_several_copies() {
        let value = "q".repeat(10_000);
        let a = split_with("s", &value, "AAAAAAAA", 4).unwrap();
        let b = split_with("s", &value, "BBBBBBBB", 4).unwrap();
        // For each index: junk, then the other write's piece, then ours.
        let copies: Vec<Vec<&str>> = (0..a.len())
            .map(|i| vec!["junk", b[i].as_str(), a[i].as_str()])
            .collect();
        let pieces = |i: usize| copies.get(i).cloned().unwrap_or_default();
        assert_eq!(join(&a[0], pieces, 4).unwrap(), value);
        assert_eq!(join(&b[0], pieces, 4).unwrap(), value);
        // Only foreign copies of an index: mixed.
        let foreign = |i: usize| {
            if i == 1 {
                vec![b[1].as_str()]
            } else {
                pieces(i)
            }
        };
        assert_eq!(join(&a[0], foreign, 4), Err(ChunkError::Mixed));
    }

    #[test]
    fn attributes_and_the_request_budget_shrink_the_pieces() {
        let layout = Layout {
            name_len: "sessionid".len(),
            attributes_len: 89,
            request_budget: 7168,
            max_chunks: 2,
        };
        let max = layout.max_value_len();
        let value = "v".repeat(max);
        let pieces = split_in(&layout, &value, "AAAAAAAA").unwrap();
        assert_eq!(pieces.len(), 2);
        let mut request = 0;
        for (index, piece) in pieces.iter().enumerate() {
            let pair = chunk_name("sessionid", index).len() + 1 + piece.len();
            assert!(pair + 89 <= COOKIE_LIMIT, "{pair}");
            request += pair + if index == 0 { 0 } else { SEPARATOR_LEN };
        }
        assert_eq!(request, 7168, "a maximal session fills the budget exactly");
        assert!(split_in(&layout, &"v".repeat(max + 1), "AAAAAAAA").is_none());
        assert_eq!(layout.cookies_needed(max + 1), None);
        // Attributes that leave no room: nothing fits, nothing panics.
        let full = Layout {
            attributes_len: 5000,
            ..layout
        };
        assert_eq!(full.max_value_len(), 0);
        assert_eq!(split_in(&full, "x", "AAAAAAAA"), None);
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
