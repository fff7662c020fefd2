//! `chunks`: the session layer's own parsing, the `Cookie` headers of a
//! request and the chunk frames of `docs/chunking.md`. Any headers read
//! without a panic and give at most `max_chunks` cookies' worth of value; a
//! value split into chunks fits each browser cookie, and the chunks put in
//! a `Cookie` header (in any order, among other cookies) read back as the
//! value.
//!
//! Input: one mode byte, one `max_chunks` byte, one name byte, then the
//! data: raw header bytes (mode 0), or the value to split (mode 1), or
//! pieces to join separated by `\n` (mode 2).

use session_cookie::__fuzz::{
    MAX_CANDIDATES, MAX_CHUNKS, chunk_join, chunk_name, chunk_split, read_cookie_headers,
};

const NAMES: [&str; 4] = ["sessionid", "__Host-session", "s", "a.b"];
const COOKIE_LIMIT: usize = 4096;

/// Runs one input.
pub fn run(data: &[u8]) {
    let [mode, max, name, rest @ ..] = data else {
        return;
    };
    // The layer's configuration clamps `max_chunks` to `MAX_CHUNKS`
    // (`SessionConfig::with_max_chunks`), and the header reader tracks no
    // more than that many cookies.
    let max_chunks = usize::from(*max) % (MAX_CHUNKS + 1);
    let name = NAMES[usize::from(*name) % NAMES.len()];
    match mode % 3 {
        0 => {
            let headers: Vec<&[u8]> = rest.split(|&b| b == b'\n').collect();
            let values = read_cookie_headers(&headers, name, max_chunks);
            assert!(
                values.len() <= MAX_CANDIDATES,
                "{} candidates",
                values.len()
            );
            for (i, value) in values.iter().enumerate() {
                let bound = max_chunks.max(1) * COOKIE_LIMIT;
                assert!(value.len() <= bound, "{} > {bound}", value.len());
                assert!(!value.starts_with('~') || max_chunks > 0);
                assert!(value.bytes().all(|b| (0x20..0x7f).contains(&b)));
                assert!(!values[..i].contains(value), "a candidate tried twice");
            }
        }
        1 => {
            // A value in the alphabet codecs write: base64url, `.`, `:`, `~`.
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:~";
            let value: String = rest
                .iter()
                .flat_map(|&b| {
                    core::iter::repeat_n(
                        ALPHABET[usize::from(b) % ALPHABET.len()],
                        usize::from(b >> 6) * 40 + 1,
                    )
                })
                .map(char::from)
                .collect();
            let Some(pieces) = chunk_split(name, &value, "GENERATE", max_chunks) else {
                return;
            };
            assert!(!pieces.is_empty());
            assert!(pieces.len() <= max_chunks.max(1));
            for (index, piece) in pieces.iter().enumerate() {
                let size = chunk_name(name, index).len() + 1 + piece.len();
                assert!(size <= COOKIE_LIMIT, "chunk {index}: {size} bytes");
            }
            let joined = chunk_join(
                &pieces[0],
                &pieces[1..].iter().map(String::as_str).collect::<Vec<_>>(),
                max_chunks,
            );
            assert_eq!(joined.as_deref(), Some(value.as_str()), "split then join");
            // As a browser sends them: reversed, with other cookies around,
            // raw UTF-8 and control bytes in them, and a junk copy of every
            // one of ours first (a planted cookie of a longer path).
            let mut header = b"other=1; caf\xc3\xa9=\xff\x01; ".to_vec();
            for (index, piece) in pieces.iter().enumerate().rev() {
                let chunk = chunk_name(name, index);
                header
                    .extend_from_slice(format!("{chunk}=~junk; {chunk}=\"{piece}\"; ").as_bytes());
            }
            header.extend_from_slice(format!("{name}x=2").as_bytes());
            let read = read_cookie_headers(&[&header], name, max_chunks);
            assert_eq!(
                read.first().map(String::as_str),
                Some(value.as_str()),
                "through a Cookie header"
            );
        }
        _ => {
            let text = String::from_utf8_lossy(rest);
            let mut pieces = text.split('\n');
            let first = pieces.next().unwrap_or_default();
            let others: Vec<&str> = pieces.collect();
            if let Some(value) = chunk_join(first, &others, max_chunks) {
                if first.starts_with('~') {
                    assert!(value.len() <= max_chunks * COOKIE_LIMIT);
                } else {
                    assert_eq!(value, first);
                }
            }
        }
    }
}
