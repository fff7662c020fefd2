//! Reading the session's cookies out of a request's `Cookie` headers:
//! header bytes in, candidate cookie values out. No cryptography here; the
//! codec verifies the candidates later, in order, when the handler first
//! touches the session.
//!
//! The headers are read as bytes, pair by pair, as Django's `parse_cookie`
//! reads them (`;`-separated, each pair split at its first `=`, name and
//! value trimmed, a double-quoted value unquoted as Python's
//! `http.cookies._unquote` does). A pair that is not ours, or that does
//! not parse, is skipped alone: raw UTF-8 (Chromium sends it for cookies
//! set with non-ASCII values), control bytes or a missing `=` in another
//! cookie never hide the session cookie.

use std::borrow::Cow;

use super::chunk;
use super::config::MAX_CHUNKS;

/// The most cookies of one name whose values are kept as candidates: a
/// browser holds several cookies of the same name when they differ in
/// path or domain (RFC 6265 §5.3), and sends them all, longest path first
/// (§5.4). The engine verifies at most this many reassembled values per
/// request, so a header full of copies costs at most this many MAC checks.
pub(crate) const MAX_CANDIDATES: usize = 4;

/// What a request's `Cookie` headers carried for one session.
#[derive(Debug, Default)]
pub(crate) struct RequestCookies {
    /// How many `name` pairs the request had (saturating), usable or not.
    head_count: usize,
    /// How many `name.I` pairs, per index (0 unused).
    chunk_counts: [usize; MAX_CHUNKS],
    /// The first [`MAX_CANDIDATES`] usable `name` values, in order.
    heads: Vec<String>,
    /// The first [`MAX_CANDIDATES`] usable `name.I` values per index.
    chunks: Vec<Vec<String>>,
}

impl RequestCookies {
    /// Reads the pairs of every `Cookie` header in turn. Chunks are counted
    /// up to [`MAX_CHUNKS`] (so that leftovers of a larger earlier maximum
    /// are deleted too), but kept as candidates only below `max_chunks`.
    pub(crate) fn read<'h>(
        headers: impl IntoIterator<Item = &'h [u8]>,
        name: &str,
        max_chunks: usize,
    ) -> Self {
        // The chunk slots are made when a chunk comes: most requests carry
        // none, and should not pay an allocation for them.
        let max_chunks = max_chunks.min(MAX_CHUNKS);
        let mut cookies = Self::default();
        let name = name.as_bytes();
        for header in headers {
            for (pair_name, value) in pairs(header) {
                if pair_name == name {
                    cookies.head_count = cookies.head_count.saturating_add(1);
                    keep(&mut cookies.heads, value);
                    continue;
                }
                let Some(index) = pair_name
                    .strip_prefix(name)
                    .and_then(|rest| rest.strip_prefix(b"."))
                    .and_then(|suffix| core::str::from_utf8(suffix).ok())
                    .and_then(chunk::parse_index)
                else {
                    continue;
                };
                if let Some(count) = cookies.chunk_counts.get_mut(index) {
                    *count = count.saturating_add(1);
                }
                if index < max_chunks {
                    if cookies.chunks.len() <= index {
                        cookies.chunks.resize_with(index + 1, Vec::new);
                    }
                    if let Some(slot) = cookies.chunks.get_mut(index) {
                        keep(slot, value);
                    }
                }
            }
        }
        cookies
    }

    /// Whether the request carried the `name` cookie.
    pub(crate) fn has_head(&self) -> bool {
        self.head_count > 0
    }

    /// The indices (1 and up) of the `name.I` cookies the request carried.
    pub(crate) fn chunk_indices(&self) -> impl Iterator<Item = usize> + '_ {
        (1..MAX_CHUNKS).filter(|&index| self.chunk_counts.get(index).is_some_and(|&n| n > 0))
    }

    /// Whether any of the session's cookies came at all.
    pub(crate) fn any(&self) -> bool {
        self.has_head() || self.chunk_indices().next().is_some()
    }

    /// Whether some name came more than once: the browser holds several
    /// cookies of that name (another path or domain, perhaps planted), and
    /// a deletion cannot tell which one it would hit.
    pub(crate) fn has_copies(&self) -> bool {
        self.head_count > 1 || self.chunk_counts.iter().any(|&n| n > 1)
    }

    /// The candidate values, in the order they are to be verified: each
    /// usable `name` value, reassembled with its chunks when it is a frame
    /// (`docs/chunking.md` §3); values that do not reassemble are dropped,
    /// and a value equal to an earlier one is not tried twice. At most
    /// [`MAX_CANDIDATES`].
    pub(crate) fn values(&self, max_chunks: usize) -> Vec<String> {
        let mut values: Vec<String> = Vec::new();
        for head in &self.heads {
            let pieces = |index: usize| {
                self.chunks
                    .get(index)
                    .map(Vec::as_slice)
                    .unwrap_or_default()
                    .iter()
                    .map(String::as_str)
            };
            if let Ok(value) = chunk::join(head, pieces, max_chunks) {
                if !values.iter().any(|seen| *seen == *value) {
                    values.push(value.into_owned());
                }
            }
        }
        values
    }
}

/// Keeps `value` as a candidate if it is usable and there is room.
fn keep(slot: &mut Vec<String>, value: &[u8]) {
    if slot.len() >= MAX_CANDIDATES {
        return;
    }
    if let Some(value) = usable(value) {
        slot.push(value);
    }
}

/// The value a codec could have written: after unquoting, printable ASCII
/// only. Anything else cannot verify, so it is not a candidate.
fn usable(value: &[u8]) -> Option<String> {
    let value = unquote(value);
    // A fold without early exit, so that the compiler vectorises it: the
    // session cookie is most of the header, and kilobytes long.
    if !value
        .iter()
        .fold(true, |ok, &b| ok & (0x20..0x7f).contains(&b))
    {
        return None;
    }
    String::from_utf8(value.into_owned()).ok()
}

/// The whitespace Python's `str.strip()` removes from an ASCII string.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c | 0x1c..=0x1f)
}

fn trim(mut bytes: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = bytes {
        if !is_space(*first) {
            break;
        }
        bytes = rest;
    }
    while let [rest @ .., last] = bytes {
        if !is_space(*last) {
            break;
        }
        bytes = rest;
    }
    bytes
}

/// The `name=value` pairs of one `Cookie` header, as Django's
/// `parse_cookie` splits them: at every `;`, then at the first `=`, both
/// sides trimmed. Pairs without `=` are skipped (Django gives them an empty
/// name, which is never ours).
pub(crate) fn pairs(header: &[u8]) -> impl Iterator<Item = (&[u8], &[u8])> {
    // `memchr` finds the separators: a byte-wise split walked the whole
    // kilobytes of a session cookie one byte at a time.
    let ends = memchr::memchr_iter(b';', header).chain(core::iter::once(header.len()));
    let mut start = 0;
    ends.filter_map(move |end| {
        let pair = header.get(start..end)?;
        start = end.saturating_add(1);
        let eq = memchr::memchr(b'=', pair)?;
        let (name, rest) = pair.split_at_checked(eq)?;
        let value = rest.get(1..)?;
        Some((trim(name), trim(value)))
    })
}

/// Python's `http.cookies._unquote`, which Django's `parse_cookie` applies
/// to every value: a value of at least two bytes that starts and ends with
/// `"` loses the quotes, and inside, `\ooo` (three octal digits, the first
/// 0 to 3) becomes that byte and `\c` becomes `c`. Anything else is
/// returned as it is.
pub(crate) fn unquote(value: &[u8]) -> Cow<'_, [u8]> {
    let Some(inner) = value
        .strip_prefix(b"\"")
        .and_then(|rest| rest.strip_suffix(b"\""))
    else {
        return Cow::Borrowed(value);
    };
    if !inner.contains(&b'\\') {
        return Cow::Borrowed(inner);
    }
    let mut out = Vec::with_capacity(inner.len());
    let mut rest = inner;
    while let [first, tail @ ..] = rest {
        if *first != b'\\' {
            out.push(*first);
            rest = tail;
            continue;
        }
        match tail {
            [
                a @ b'0'..=b'3',
                b @ b'0'..=b'7',
                c @ b'0'..=b'7',
                after @ ..,
            ] => {
                // At most 0o377: always one byte.
                out.push(((a - b'0') << 6) | ((b - b'0') << 3) | (c - b'0'));
                rest = after;
            }
            // Python's `.` does not match a newline: `\` then newline stays.
            [escaped, after @ ..] if *escaped != b'\n' => {
                out.push(*escaped);
                rest = after;
            }
            _ => {
                out.push(b'\\');
                rest = tail;
            }
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(headers: &[&[u8]], max: usize) -> RequestCookies {
        RequestCookies::read(headers.iter().copied(), "sessionid", max)
    }

    #[test]
    fn pairs_are_split_and_trimmed_as_django_does() {
        let header = b" a = 1 ;b=2=3;;novalue; c=\t\"q\" ;=x;\xc3\xa9=\xff";
        let got: Vec<(&[u8], &[u8])> = pairs(header).collect();
        assert_eq!(
            got,
            [
                (&b"a"[..], &b"1"[..]),
                (b"b", b"2=3"),
                (b"c", b"\"q\""),
                (b"", b"x"),
                (b"\xc3\xa9", b"\xff"),
            ]
        );
    }

    #[test]
    fn unquoting_follows_pythons_http_cookies() {
        // Python: http.cookies._unquote(s) for each s.
        let cases: [(&[u8], &[u8]); 10] = [
            (b"abc", b"abc"),
            (b"\"abc\"", b"abc"),
            (b"\"\"", b""),
            (b"\"", b"\""),
            (b"\"abc", b"\"abc"),
            (b"\"a\\\"b\"", b"a\"b"),
            (b"\"\\012\"", b"\n"),
            (b"\"\\400\"", b"400"),
            (b"\"a\\\\b\"", b"a\\b"),
            (b"\"a\\\"", b"a\\"),
        ];
        for (input, want) in cases {
            assert_eq!(
                &*unquote(input),
                want,
                "{:?}",
                input.escape_ascii().to_string()
            );
        }
    }

    #[test]
    fn other_cookies_never_hide_ours() {
        let header: &[u8] =
            b"caf\xc3\xa9=cr\xc3\xa8me; ctl=\x01\x02\x7f; junk; sessionid=abc; x=\"\xff\"";
        let cookies = read(&[header], 2);
        assert_eq!(cookies.values(2), ["abc"]);
        assert!(cookies.has_head() && !cookies.has_copies());
        // Quoted, as Django reads it.
        let cookies = read(&[b"sessionid=\"abc\""], 2);
        assert_eq!(cookies.values(2), ["abc"]);
    }

    #[test]
    fn copies_are_candidates_in_order_and_bounded() {
        let header: &[u8] =
            b"sessionid=one; sessionid=\xff; sessionid=two; sessionid=one; sessionid=3; \
              sessionid=4; sessionid=5";
        let cookies = read(&[header, b"sessionid=six"], 2);
        // Four usable values kept; the repeated one is tried once.
        assert_eq!(cookies.values(2), ["one", "two", "3"]);
        assert!(cookies.has_copies());
    }

    #[test]
    fn chunks_are_counted_up_to_the_limit_and_kept_below_the_maximum() {
        let header: &[u8] = b"sessionid.1=a; sessionid.1=b; sessionid.19=c; sessionid.20=d; \
              sessionid.99=e; sessionid.01=f; sessionid.x=g";
        let cookies = read(&[header], 2);
        assert_eq!(cookies.chunk_indices().collect::<Vec<_>>(), [1, 19]);
        assert!(!cookies.has_head() && cookies.any() && cookies.has_copies());
        assert_eq!(cookies.chunks.len(), 2);
        assert_eq!(cookies.chunks[1], ["a", "b"]);
        assert!(cookies.values(2).is_empty());
    }
}
