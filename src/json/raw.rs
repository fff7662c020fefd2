//! A session payload read only one level deep: each key with the byte range
//! of its raw value, so that values are parsed only when a handler reads
//! them.

use core::fmt;
use core::ops::Range;

use serde::Deserializer;
use serde::de::{MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::PayloadError;

/// The nesting `serde_json` accepts when it parses a whole document; the
/// raw values are held to the same bound so a lazy parse never fails where
/// an eager one would have succeeded, and never succeeds where it failed.
pub(crate) const MAX_DEPTH: usize = 127;

/// What [`object_entries`] does not check but a full parse does: that
/// `text` nests no deeper than [`MAX_DEPTH`], and that every `\u` escape of
/// a UTF-16 surrogate is half of a pair (serde_json refuses lone surrogates
/// when it builds a string, but not when it skips over one). One pass over
/// the bytes, without parsing.
pub(crate) fn check_nesting(text: &[u8]) -> Result<(), PayloadError> {
    // Almost every session has fewer brackets than the limit and no
    // surrogate escapes at all; two vectorised passes show that and skip
    // the byte-by-byte walk below.
    // (memchr jumps between brackets; a byte-wise count did not vectorise.)
    let few_openers = memchr::memchr2_iter(b'[', b'{', text)
        .nth(MAX_DEPTH)
        .is_none();
    let surrogates = memchr::memchr_iter(b'\\', text)
        .any(|at| text.get(at + 1) == Some(&b'u') && matches!(text.get(at + 2), Some(b'd' | b'D')));
    if few_openers && !surrogates {
        return Ok(());
    }
    let mut depth = 0usize;
    let mut in_string = false;
    // After a high surrogate escape, the next thing must be a low one.
    let mut want_low = false;
    let mut offset = 0;
    while let Some(&byte) = text.get(offset) {
        if !in_string {
            match byte {
                b'"' => in_string = true,
                b'[' | b'{' => {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return Err(position(text, offset));
                    }
                }
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            offset += 1;
            continue;
        }
        let unit = match (byte, text.get(offset + 1)) {
            (b'\\', Some(b'u')) => hex4(text.get(offset + 2..offset + 6)),
            _ => None,
        };
        match unit {
            Some(0xD800..=0xDBFF) if !want_low => want_low = true,
            Some(0xDC00..=0xDFFF) if want_low => want_low = false,
            _ if want_low => return Err(position(text, offset)),
            Some(0xDC00..=0xDFFF) => return Err(position(text, offset)),
            _ => {}
        }
        offset += match (byte, unit) {
            (_, Some(_)) => 6,
            (b'\\', None) => 2,
            (b'"', None) => {
                in_string = false;
                1
            }
            _ => 1,
        };
    }
    Ok(())
}

/// The value of four hex digits, if they are four hex digits.
fn hex4(digits: Option<&[u8]>) -> Option<u16> {
    let digits = core::str::from_utf8(digits?).ok()?;
    u16::from_str_radix(digits, 16)
        .ok()
        .filter(|_| digits.len() == 4)
}

fn position(text: &[u8], offset: usize) -> PayloadError {
    let before = text.get(..offset).unwrap_or_default();
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = offset
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    PayloadError::Json { line, column }
}

/// An entry's key: where the text spells it as it is (no escapes, almost
/// every key), its range in the text, so that a decode allocates no string
/// per key; otherwise its unescaped text.
#[derive(Debug, Clone)]
pub(crate) enum EntryKey {
    Text(Range<usize>),
    Owned(String),
}

impl EntryKey {
    /// The key, from `text` (the text it was read from) when it lies there.
    pub(crate) fn get<'a>(&'a self, text: &'a str) -> &'a str {
        match self {
            Self::Text(range) => text.get(range.clone()).unwrap_or_default(),
            Self::Owned(key) => key,
        }
    }
}

/// One entry of the table [`object_entries`] builds: the caller's own type,
/// so that the table is built once, in its final form.
pub(crate) trait RawEntry {
    fn new(key: EntryKey, value: Range<usize>) -> Self;
    /// The key, `text` being the text the table was built from.
    fn key<'a>(&'a self, text: &'a str) -> &'a str;
    fn set_value(&mut self, value: Range<usize>);
}

/// Reads an object key borrowed from the text where it has no escapes.
struct KeySeed;

/// A key as [`KeySeed`] reads it.
enum KeyText<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl<'de> serde::de::DeserializeSeed<'de> for KeySeed {
    type Value = KeyText<'de>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = KeyText<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        Ok(KeyText::Borrowed(key))
    }

    fn visit_str<E: serde::de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok(KeyText::Owned(key.to_owned()))
    }

    fn visit_string<E: serde::de::Error>(self, key: String) -> Result<Self::Value, E> {
        Ok(KeyText::Owned(key))
    }
}

/// The range of `part` in `base`, which it borrows from: the distance
/// between the two addresses.
fn range_in(base: &str, part: &str) -> Range<usize> {
    let start = (part.as_ptr() as usize).saturating_sub(base.as_ptr() as usize);
    start..start + part.len()
}

/// The keys of the top-level object of `text`, in order, each with the
/// range of its raw value in `text`. A repeated key keeps its first
/// position and takes its last value, as Python's `json.loads` does.
pub(crate) fn object_entries<E: RawEntry>(text: &str) -> Result<Vec<E>, PayloadError> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let entries = deserializer
        .deserialize_map(EntriesVisitor {
            base: text,
            entries: core::marker::PhantomData,
        })
        .and_then(|entries| deserializer.end().map(|()| entries))
        .map_err(|err| PayloadError::from_json(&err))?;
    Ok(entries)
}

struct EntriesVisitor<'a, E> {
    base: &'a str,
    entries: core::marker::PhantomData<E>,
}

impl<'de, E: RawEntry> Visitor<'de> for EntriesVisitor<'_, E> {
    type Value = Vec<E>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut entries: Self::Value = Vec::with_capacity(map.size_hint().unwrap_or(8));
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let raw: &RawValue = map.next_value()?;
            let range = range_in(self.base, raw.get());
            let text = match &key {
                KeyText::Borrowed(text) => text,
                KeyText::Owned(text) => text.as_str(),
            };
            match entries
                .iter_mut()
                .find(|entry| entry.key(self.base) == text)
            {
                Some(entry) => entry.set_value(range),
                None => entries.push(E::new(
                    match key {
                        KeyText::Borrowed(text) => EntryKey::Text(range_in(self.base, text)),
                        KeyText::Owned(text) => EntryKey::Owned(text),
                    },
                    range,
                )),
            }
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    impl RawEntry for (EntryKey, Range<usize>) {
        fn new(key: EntryKey, value: Range<usize>) -> Self {
            (key, value)
        }
        fn key<'a>(&'a self, text: &'a str) -> &'a str {
            self.0.get(text)
        }
        fn set_value(&mut self, value: Range<usize>) {
            self.1 = value;
        }
    }

    fn object_entries(text: &str) -> Result<Vec<(EntryKey, Range<usize>)>, PayloadError> {
        super::object_entries(text)
    }

    #[test]
    fn ranges_point_at_raw_values() {
        let text = r#" {"a" : [1, {"b":2}], "c":"x\"y", "a": 3, "\u0061b": 4, "ab": 5, "\n": 6} "#;
        let entries = object_entries(text).unwrap();
        let seen: Vec<(&str, &str)> = entries
            .iter()
            .map(|(k, r)| (k.get(text), &text[r.clone()]))
            .collect();
        // A key spelled with an escape is the same key as one without.
        assert_eq!(
            seen,
            [("a", "3"), ("c", r#""x\"y""#), ("ab", "5"), ("\n", "6")]
        );
        // Plain keys are borrowed from the text; escaped ones are owned.
        assert!(matches!(entries[0].0, EntryKey::Text(_)));
        assert!(matches!(entries[2].0, EntryKey::Owned(_)));
        assert!(matches!(entries[3].0, EntryKey::Owned(_)));
    }

    #[test]
    fn only_objects_and_only_one_document() {
        assert!(matches!(
            object_entries("[1]"),
            Err(PayloadError::Shape { .. })
        ));
        assert!(object_entries("{} {}").is_err());
        assert!(object_entries("{\"a\":}").is_err());
        assert!(object_entries("{\"a\":1,}").is_err());
    }

    #[test]
    fn depth_matches_serde_json() {
        for depth in [1, 126, 127, 128, 500] {
            let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            let eager = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            assert_eq!(
                check_nesting(text.as_bytes()).is_ok(),
                eager,
                "depth {depth}"
            );
        }
        let brackets_in_strings =
            format!("{{\"a\":\"{}\\\"{}\"}}", "[".repeat(500), "{".repeat(500));
        assert!(check_nesting(brackets_in_strings.as_bytes()).is_ok());
    }

    /// Whatever the lazy path accepts, a full parse accepts, and the other
    /// way round.
    #[test]
    fn lazy_and_eager_agree_on_escapes() {
        for value in [
            r#""\ud800""#,
            r#""\udc00""#,
            r#""\ud800\udc00""#,
            r#""\ud83d\ude00 ok""#,
            r#""\ud800x""#,
            r#""\ud800\u0041""#,
            r#""\ud800\ud800\udc00""#,
            r#""\udc00\ud800""#,
            r#""\\ud800""#,
            r#""a\"\ud800""#,
            r#""\u00e9\n\t""#,
            r#"["\ud800\udfff", {"\ud83d\ude00": 1}]"#,
        ] {
            let text = format!(r#"{{"k":{value}}}"#);
            let eager = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            let lazy = check_nesting(text.as_bytes()).is_ok() && object_entries(&text).is_ok();
            assert_eq!(lazy, eager, "{text}");
        }
    }
}
