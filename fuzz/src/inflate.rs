//! `inflate`: the capped inflater both codecs use never produces more than
//! its cap and never panics, on any stream; and a real stream of any data
//! inflates back to that data exactly when it fits under the cap.
//!
//! Input: 3 bytes of cap (little-endian, at most 16 MiB), one mode byte,
//! then the data.

use session_cookie::__fuzz::{compress_if_smaller, inflate_capped};
use session_cookie::DecodeError;
use session_cookie::SizeLimit;

/// Runs one input.
pub fn run(data: &[u8]) {
    if data.len() < 4 {
        return;
    }
    let (head, rest) = data.split_at(4);
    let cap = usize::from(head[0]) | usize::from(head[1]) << 8 | usize::from(head[2]) << 16;
    let stream = if head[3] % 2 == 0 {
        rest.to_vec()
    } else {
        match compress_if_smaller(rest) {
            Some(z) => {
                let result = inflate_capped(&z, cap);
                if rest.len() <= cap {
                    assert_eq!(
                        result.as_deref().ok(),
                        Some(rest),
                        "a real stream did not round-trip"
                    );
                } else {
                    assert_eq!(
                        result,
                        Err(DecodeError::TooLarge {
                            what: SizeLimit::Inflated,
                            limit: cap
                        })
                    );
                }
                z
            }
            None => rest.to_vec(),
        }
    };
    match inflate_capped(&stream, cap) {
        Ok(out) => assert!(out.len() <= cap, "{} > cap {cap}", out.len()),
        Err(DecodeError::TooLarge { what, limit }) => {
            assert_eq!(what, SizeLimit::Inflated);
            assert_eq!(limit, cap);
        }
        Err(DecodeError::BadPayload(_)) => {}
        Err(other) => panic!("unexpected error {other:?}"),
    }
}
