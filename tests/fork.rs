//! A forked child draws its own random values: the salt and nonce of its
//! encrypted tokens and its new session ids are not its parent's.
//!
//! A child made by `fork` inherits a copy of the parent's thread-local
//! block of random bytes (`src/random.rs`); without the block's process-id
//! check both processes would hand out the same next bytes, and two
//! AES-GCM tokens would share a (key, nonce) pair. This is a real `fork`:
//! the test is a plain `main` (`harness = false` in `Cargo.toml`), so the
//! process is single-threaded when it forks.
//!
//! The parent encodes once, so that its block is filled and partly used,
//! then forks; parent and child each encode an encrypted token and make a
//! session id, and the child writes its values to a file for the parent to
//! compare.

// Test code: a failed unwrap, index or panic is the failure report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

#[cfg(unix)]
fn main() {
    use fork::{Fork, WEXITSTATUS, WIFEXITED};

    let codec = codec();
    // Fills this thread's block and uses part of it.
    let before = draws(&codec);
    let path = std::env::temp_dir().join(format!("session-cookie-fork-{}.bin", std::process::id()));
    match fork::fork().expect("fork") {
        Fork::Child => {
            // Whatever happens here, the child leaves through `exit`, never
            // back into the parent's code.
            let code = match std::panic::catch_unwind(|| {
                std::fs::write(&path, draws(&codec).concat()).expect("write");
            }) {
                Ok(()) => 0,
                Err(_) => 1,
            };
            std::process::exit(code);
        }
        Fork::Parent(child) => {
            let ours = draws(&codec);
            let status = fork::waitpid(child).expect("waitpid");
            assert!(
                WIFEXITED(status) && WEXITSTATUS(status) == 0,
                "the child failed: status {status}"
            );
            let theirs = std::fs::read(&path).expect("the child's values");
            std::fs::remove_file(&path).expect("remove");
            assert_eq!(theirs.len(), ours.concat().len());
            let theirs: Vec<&[u8]> = vec![&theirs[..28], &theirs[28..44], &theirs[44..]];
            for (name, (a, b)) in ["salt and nonce", "token session id", "generated session id"]
                .iter()
                .zip(ours.iter().zip(&theirs))
            {
                assert_ne!(a, b, "parent and child drew the same {name}");
            }
            for value in ours.iter().chain(&before) {
                assert!(
                    !theirs.contains(&value.as_slice()),
                    "a value repeated across the fork"
                );
            }
            println!("fork: the child's salt, nonce and session ids differ from the parent's");
        }
    }
}

#[cfg(not(unix))]
fn main() {
    println!("fork: no fork(2) on this platform; nothing to test");
}

#[cfg(unix)]
fn codec() -> session_cookie::NativeCodec {
    use session_cookie::{MasterKey, NativeCodec, NativeConfig, NativeKeyRing};

    let key = MasterKey::new("k1", (1..=32).collect()).expect("key");
    NativeCodec::new(&NativeKeyRing::new(key), NativeConfig::ENCRYPTED).expect("codec")
}

/// The random values of one encrypted token of a new session (its salt and
/// nonce, then its session id), and one more session id from
/// `SessionId::generate`.
#[cfg(unix)]
fn draws(codec: &session_cookie::NativeCodec) -> [Vec<u8>; 3] {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    let now = session_cookie::UnixTime::from_secs(1_700_000_000);
    let token = codec
        .encode_at(&serde_json::json!({"user_id": 1}), now)
        .expect("encode");
    assert!(codec.decode_at::<serde_json::Value>(&token, now).is_ok());
    // docs/FORMAT.md section 2: ver, flags, L, key id (L), issued_at (8),
    // origin (8), session id (16), then the body, which in encrypted mode
    // starts with salt (16) and nonce (12).
    let bytes = URL_SAFE_NO_PAD.decode(&token).expect("base64url");
    let header = 35 + usize::from(bytes[2]);
    let session_id = bytes[header - 16..header].to_vec();
    let salt_and_nonce = bytes[header..header + 28].to_vec();
    let generated = session_cookie::SessionId::generate().expect("id");
    [salt_and_nonce, session_id, generated.as_bytes().to_vec()]
}
