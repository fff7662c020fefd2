//! `key_lines`: `NativeKeyRing::parse` on any text. It never panics; a ring
//! it accepts has exactly one active key and unique ids, and writes back to
//! lines that parse to the same ring; its errors never repeat the text.
//!
//! Input: the text (lossy UTF-8).

use session_cookie::{KeyState, NativeKeyRing};

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
            let pairs = |r: &NativeKeyRing| {
                r.keys().map(|(k, s)| (k.clone(), s)).collect::<Vec<_>>()
            };
            assert!(pairs(&again) == pairs(&ring), "ring changed");
        }
        Err(err) => {
            let shown = format!("{err} {err:?}");
            for line in text.lines() {
                let line = line.trim();
                if line.len() >= 12 {
                    assert!(!shown.contains(line), "an error repeats the input");
                }
            }
        }
    }
}
