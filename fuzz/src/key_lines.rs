//! `key_lines`: `NativeKeyRing::parse` on any text. It never panics; a ring
//! it accepts has exactly one active key and unique ids, and writes back to
//! lines that parse to the same ring; its errors never repeat the text.
//!
//! Input: the text (lossy UTF-8).

use session_cookie::{KeyError, KeyState, NativeKeyRing, WeakKey};

/// Runs one input.
pub fn run(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    match NativeKeyRing::parse(&text) {
        Ok(ring) => {
            let keys: Vec<_> = ring.keys().collect();
            let active = keys.iter().filter(|(_, s)| *s == KeyState::Active).count();
            assert_eq!(active, 1);
            assert_eq!(keys.first().map(|(_, s)| *s), Some(KeyState::Active));
            let mut ids: Vec<&str> = keys.iter().map(|(k, _)| k.id().as_str()).collect();
            ids.sort_unstable();
            let before = ids.len();
            ids.dedup();
            assert_eq!(ids.len(), before, "duplicate ids accepted");
            let lines: Vec<String> = keys
                .iter()
                .map(|(k, s)| format!("{}:{s}", k.to_line().as_str()))
                .collect();
            let again = NativeKeyRing::parse(&lines.join("\n"))
                .unwrap_or_else(|e| panic!("written ring does not parse: {e}"));
            let pairs =
                |r: &NativeKeyRing| r.keys().map(|(k, s)| (k.clone(), s)).collect::<Vec<_>>();
            assert!(pairs(&again) == pairs(&ring), "ring changed");
        }
        Err(err) => {
            // The message is one of the fixed texts (only a line number
            // varies): nothing of the input can be in it.
            let strip = |e: &KeyError| -> String {
                e.to_string()
                    .chars()
                    .filter(|c| !c.is_ascii_digit())
                    .collect()
            };
            let fixed = [
                KeyError::Empty,
                KeyError::Weak(WeakKey::TooShort),
                KeyError::Weak(WeakKey::Repetitive),
                KeyError::Weak(WeakKey::Published),
                KeyError::InvalidId,
                KeyError::InvalidState,
                KeyError::InvalidLine { line: 0 },
                KeyError::DuplicateId,
                KeyError::ActiveCount,
                KeyError::Random,
                KeyError::InvalidContext,
            ];
            let shown = strip(&err);
            assert!(
                fixed.iter().any(|f| strip(f) == shown),
                "an error message that is not a fixed text: {shown}"
            );
        }
    }
}
