//! Base64url for the signed formats, in one place: the bodies of Django,
//! Flask and itsdangerous values and whole native tokens go through
//! `base64-simd` (AVX2, SSE4.1, NEON or WASM SIMD128 when the CPU has them,
//! a table otherwise), a few times faster than `base64` on cookie-sized
//! input (`benches/DECISIONS.md`, "base64 engine"). Its decoder is as
//! strict as `base64`'s `URL_SAFE_NO_PAD`: no padding, nothing outside the
//! alphabet, zero unused bits. The lenient decoder reads canonical text
//! strictly and keeps Python's rules for the rest by letting `base64` read
//! the last quantum, the only place where padding and unused bits can be.
//! The tests below pin every function against `base64`.

use base64::Engine;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};

/// Url-safe alphabet, padding optional, unused low bits ignored, as
/// Python's `urlsafe_b64decode` after re-padding. Only signed (so
/// authentic) text reaches it.
const LENIENT_B64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

const SIMD: base64_simd::Base64 = base64_simd::URL_SAFE_NO_PAD;

/// Appends the unpadded base64url of `bytes` to `out`.
pub(crate) fn encode_into(bytes: &[u8], out: &mut String) {
    SIMD.encode_append(bytes, out);
}

/// The bytes of canonical unpadded base64url `text`, or `None`.
pub(crate) fn decode_strict(text: &str) -> Option<Vec<u8>> {
    SIMD.decode_to_vec(text).ok()
}

/// Decodes canonical unpadded base64url `text` into `buffer`: how many
/// bytes it holds, or `None` (also when `buffer` is too small).
pub(crate) fn decode_strict_slice(text: &str, buffer: &mut [u8]) -> Option<usize> {
    // `decode` asserts that its output fits: the length is checked first.
    let len = SIMD.decoded_length(text.as_bytes()).ok()?;
    let out = buffer.get_mut(..len)?;
    SIMD.decode(text.as_bytes(), base64_simd::Out::from_slice(out))
        .ok()
        .map(|decoded| decoded.len())
}

/// Decodes `text` as [`decode_lenient`] does into `buffer` (small fields:
/// timestamps): how many bytes it holds, or `None`.
pub(crate) fn decode_lenient_slice(text: &str, buffer: &mut [u8]) -> Option<usize> {
    LENIENT_B64.decode_slice(text, buffer).ok()
}

/// The bytes of `text` as [`LENIENT_B64`] reads it, or `None`: every whole
/// quantum but the last through the strict SIMD decoder (padding or unused
/// bits there are errors for both engines), the last one, with whatever
/// padding follows it, through `base64`.
pub(crate) fn decode_lenient(text: &str) -> Option<Vec<u8>> {
    // What every encoder writes, canonical unpadded text, reads the same
    // both ways: one strict pass then, without `base64`'s fixed cost for
    // the last quantum (about 5% of a small session's decode).
    if let Some(decoded) = decode_strict(text) {
        return Some(decoded);
    }
    let bytes = text.as_bytes();
    let cut = bytes.len().saturating_sub(1) / 4 * 4;
    let (whole, last) = bytes.split_at(cut);
    let mut out = Vec::with_capacity(cut / 4 * 3 + 3);
    SIMD.decode_append(whole, &mut out).ok()?;
    let mut tail = [0u8; 3];
    let len = LENIENT_B64.decode_slice(last, &mut tail).ok()?;
    out.extend_from_slice(tail.get(..len)?);
    Some(out)
}

/// Differential tests: each function against `base64` 0.23 in the
/// configuration the crate used before (`URL_SAFE_NO_PAD` for the strict
/// paths, [`LENIENT_B64`] for the lenient ones), on every short text over
/// an alphabet of edge characters and on random texts long enough for
/// every SIMD loop, encodings of random bytes and their corruptions.
#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn same_as_base64(text: &str) {
        assert_eq!(
            decode_strict(text),
            URL_SAFE_NO_PAD.decode(text).ok(),
            "strict {text:?}"
        );
        assert_eq!(
            decode_lenient(text),
            LENIENT_B64.decode(text).ok(),
            "lenient {text:?}"
        );
        // Into room enough, and into a buffer one byte short (`None`, never
        // a panic); what a failed decode leaves in the buffer is unused.
        let mut ours = [0u8; 64];
        let mut theirs = [0u8; 64];
        let decoded = decode_strict_slice(text, &mut ours);
        assert_eq!(
            decoded,
            URL_SAFE_NO_PAD.decode_slice(text, &mut theirs).ok()
        );
        if let Some(len) = decoded {
            assert_eq!(ours[..len], theirs[..len]);
            if let Some(short) = len.checked_sub(1) {
                assert_eq!(decode_strict_slice(text, &mut ours[..short]), None);
            }
        }
    }

    /// Every text of up to five characters over letters whose low bits are
    /// zero or not, the url-safe and standard extras, padding, a separator,
    /// a space and a non-ASCII letter.
    #[test]
    fn short_texts_exhaustively() {
        const EDGE: [&str; 12] = ["A", "B", "Q", "R", "g", "w", "_", "-", "=", "+", ".", "é"];
        let mut texts = vec![String::new()];
        for _ in 0..5 {
            for text in &texts {
                same_as_base64(text);
            }
            texts = texts
                .iter()
                .flat_map(|t| EDGE.iter().map(move |c| format!("{t}{c}")))
                .collect();
        }
        for text in &texts {
            same_as_base64(text);
        }
    }

    fn corruptions(rng: &mut ChaCha8Rng, text: &str) -> Vec<String> {
        let mut out = vec![
            format!("{text}="),
            format!("{text}=="),
            format!("{text}==="),
        ];
        if !text.is_empty() {
            let mut bytes = text.as_bytes().to_vec();
            let at = rng.random_range(0..bytes.len());
            if let Some(b) = bytes.get_mut(at) {
                *b = rng.random_range(0x20..0x7f);
            }
            out.push(String::from_utf8(bytes).unwrap_or_default());
            // A last character with its unused bits set (lengths 2 and 3
            // mod 4), or any other last character.
            let (head, last) = text.split_at(text.len() - 1);
            for c in ["B", "R", "h", "x", "_", "-", "/", "="] {
                out.push(format!("{head}{c}"));
            }
            // A length of 1 (mod 4), which no encoder writes.
            let pad = (5 - text.len() % 4) % 4;
            out.push(format!("{}{last}", "A".repeat(pad)));
            out.push(head.to_owned());
            out.push(format!("{head}={last}"));
        }
        out
    }

    #[test]
    fn random_texts_and_their_corruptions() {
        let mut rng = ChaCha8Rng::seed_from_u64(15);
        for round in 0..3000 {
            let len = if round < 500 {
                round
            } else {
                rng.random_range(0..4200)
            };
            let bytes: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            let mut text = String::new();
            encode_into(&bytes, &mut text);
            assert_eq!(text, URL_SAFE_NO_PAD.encode(&bytes));
            assert_eq!(decode_strict(&text).as_deref(), Some(&*bytes));
            same_as_base64(&text);
            for bad in corruptions(&mut rng, &text) {
                same_as_base64(&bad);
            }
        }
    }

    #[test]
    fn encode_appends() {
        let mut out = "x.".to_owned();
        encode_into(b"\xff\xfe", &mut out);
        assert_eq!(out, "x.__4");
    }
}
