//! The one object key that `serde_json` gives a meaning of its own.
//!
//! With its `raw_value` feature (which this crate uses for lazy sessions,
//! and which is additive: it changes nothing for JSON without this key),
//! `serde_json` reads an object whose key is `$serde_json::private::RawValue`
//! into a `serde_json::Value` as the JSON its string spells. Any session
//! where a user can choose a key and its value (a preferences map, a form)
//! would then come back with structure the user injected. Django and Flask
//! read such objects as ordinary dicts. This crate refuses them, on encode
//! and on decode, rather than read them differently.

use crate::error::PayloadError;

const PREFIX: &[u8] = b"$serde_json::private::";

/// Built once: building a searcher on every call cost about 6% of a small
/// session's decode.
static PREFIX_FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
    std::sync::LazyLock::new(|| memchr::memmem::Finder::new(PREFIX));
const TOKENS: [&[u8]; 1] = [b"$serde_json::private::RawValue"];

/// Refuses JSON text in which an object key is one of `serde_json`'s
/// private tokens, however the key is escaped.
pub(crate) fn check(text: &[u8]) -> Result<(), PayloadError> {
    if has_ascii_escape(text) {
        check_every_key(text)
    } else {
        check_plain(text)
    }
}

/// Whether `text` escapes a printable ASCII character as `\u00XX`: CPython
/// and this crate never do, so without one a key is spelled as it is.
fn has_ascii_escape(text: &[u8]) -> bool {
    memchr::memchr_iter(b'\\', text).any(|at| {
        let hex = text.get(at + 1..at + 6);
        matches!(hex, Some([b'u', b'0', b'0', b'2'..=b'7', _]))
    })
}

/// Without escapes, a token key appears verbatim, followed by `"` and then
/// (after any white space) `:`.
fn check_plain(text: &[u8]) -> Result<(), PayloadError> {
    for at in PREFIX_FINDER.find_iter(text) {
        let rest = text.get(at..).unwrap_or_default();
        let opened = at.checked_sub(1).and_then(|i| text.get(i)) == Some(&b'"');
        for token in TOKENS {
            if opened
                && rest.starts_with(token)
                && rest.get(token.len()) == Some(&b'"')
                && is_key_end(text, at + token.len() + 1)
            {
                return Err(PayloadError::ReservedKey);
            }
        }
    }
    Ok(())
}

/// With escapes, every string that is a key is unescaped and compared.
fn check_every_key(text: &[u8]) -> Result<(), PayloadError> {
    let mut at = 0;
    while let Some(open) = memchr::memchr(b'"', text.get(at..).unwrap_or_default()) {
        let start = at + open + 1;
        let (content, end) = read_string(text, start);
        if is_key_end(text, end) && TOKENS.iter().any(|token| content == *token) {
            return Err(PayloadError::ReservedKey);
        }
        at = end;
    }
    Ok(())
}

/// Reads the string starting at `start` (after its opening quote): its
/// unescaped bytes as far as they could match a token (longer strings are
/// cut short, so they never match), and the offset after the closing quote.
fn read_string(text: &[u8], start: usize) -> (Vec<u8>, usize) {
    let limit = TOKENS.iter().map(|t| t.len()).max().unwrap_or(0) + 1;
    let mut content = Vec::new();
    let mut at = start;
    while let Some(&byte) = text.get(at) {
        match byte {
            b'"' => return (content, at + 1),
            b'\\' => {
                let unescaped = match text.get(at + 1) {
                    Some(b'u') => {
                        let hex = text
                            .get(at + 2..at + 6)
                            .and_then(|h| core::str::from_utf8(h).ok())
                            .and_then(|h| u32::from_str_radix(h, 16).ok());
                        at += 6;
                        // Only ASCII matters: the tokens are ASCII.
                        hex.and_then(|c| u8::try_from(c).ok()).unwrap_or(0xff)
                    }
                    Some(&other) => {
                        at += 2;
                        other
                    }
                    None => return (content, at + 1),
                };
                if content.len() < limit {
                    content.push(unescaped);
                }
            }
            _ => {
                if content.len() < limit {
                    content.push(byte);
                }
                at += 1;
            }
        }
    }
    (content, at)
}

/// Whether the next byte after white space at `at` is `:`.
fn is_key_end(text: &[u8], at: usize) -> bool {
    text.get(at..)
        .unwrap_or_default()
        .iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        == Some(&b':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_keys_are_refused_however_spelled() {
        for text in [
            r#"{"a":{"$serde_json::private::RawValue":"{\"is_admin\":true}"}}"#,
            r#"{"a":[{"$serde_json::private::RawValue" : {}}]}"#,
            r#"{"\u0024serde_json::private::RawValue":"1"}"#,
            r#"{"x":"\u0041","$serde\u005fjson::private::RawValue":"1"}"#,
        ] {
            assert_eq!(
                check(text.as_bytes()),
                Err(PayloadError::ReservedKey),
                "{text}"
            );
        }
    }

    #[test]
    fn the_same_text_as_a_value_or_a_longer_key_is_fine() {
        for text in [
            r#"{"note":"$serde_json::private::RawValue"}"#,
            r#"{"$serde_json::private::RawValues":1}"#,
            r#"{"$serde_json::private::Number":"123"}"#,
            r#"{"a":"\u0041","b":"$serde_json::private::RawValue"}"#,
            r#"["$serde_json::private::RawValue", 1]"#,
            r#"{"user_id":42}"#,
        ] {
            assert_eq!(check(text.as_bytes()), Ok(()), "{text}");
        }
    }
}
