//! The one owner of *public* random values: salts, nonces, session ids and
//! chunk generations, values that are written into the cookie in the clear
//! and must only never repeat and never be predictable.
//!
//! Each thread keeps a block of bytes from the operating system's random
//! source (`getrandom`) and hands them out in order; every byte handed out is
//! wiped from the block at once, and the block is wiped when the thread
//! ends. One refill of 1 KiB replaces about twenty `getrandom` calls (one
//! or two per token before).
//!
//! # Fork safety
//!
//! A child made by `fork` inherits a copy of the parent's thread-local
//! block. Handing out those bytes in both processes would give two tokens
//! the same salt and nonce: for AES-GCM, a repeated (key, nonce) pair leaks
//! the XOR of the plaintexts and the authentication key (NIST SP 800-38D
//! Appendix A). So the block records the process id it was filled under,
//! and every draw compares it with [`std::process::id`]; on a mismatch the
//! block is wiped and refilled from the operating system before anything is
//! handed out. No `pthread_atfork` hook and no `unsafe` are needed: the
//! check is on the draw itself, so no path reaches the bytes without it.
//!
//! The check costs one `getpid` system call per draw (glibc stopped caching
//! the pid in 2.25), about half of what a `getrandom` call costs here; a
//! token draws once (its salt, nonce and, for a new session, its id
//! together), so that is one check per token. Measured on the benchmark
//! machine (glibc 2.36, Linux 6.18): `getrandom` of 28 bytes 270-320 ns,
//! `std::process::id()` 140-155 ns, a pid-checked 44-byte draw from this
//! block 215-230 ns, against about 600 ns for the two `getrandom` calls a
//! new session's encrypted token made before.
//!
//! Its one blind spot is the one every pid check has: a descendant that
//! draws nothing until it gets, by pid reuse, the very pid the block was
//! filled under. That needs the filling process to have exited and the
//! kernel's pids to have wrapped round to it, with no process in between
//! drawing (a daemon's double fork, where the middle process never
//! encodes). SECURITY.md states it.
//!
//! Secrets that live long (master keys, Django CSRF secrets) do not come
//! from here: they go straight to the operating system, so no copy of them
//! ever sits in a buffer.
//!
//! On targets without processes (`wasm32`), and anywhere else without
//! `fork`-style process ids, every draw goes straight to the operating
//! system's source, as before.

use crate::error::EncodeError;

/// Bytes per refill. The kernel's cost is mostly per byte (about 2 ns a
/// byte on the benchmark machine, against about 300 ns per call), so larger
/// blocks gain little: a 44-byte draw measured 285 ns with 256-byte blocks,
/// 228 ns with 1 KiB and 215 ns with 4 KiB. 1 KiB keeps the refill pause
/// (about 2 µs) and the memory per thread small.
#[cfg(any(unix, windows))]
const BLOCK: usize = 1024;

/// Fills `out` with random bytes that may be published (salts, nonces,
/// ids): from this thread's block, refilled from the operating system when
/// it runs short or when the process is not the one that filled it (after a
/// `fork`).
///
/// # Errors
///
/// [`EncodeError::Random`] when the operating system's source fails.
pub(crate) fn fill_public(out: &mut [u8]) -> Result<(), EncodeError> {
    #[cfg(any(unix, windows))]
    {
        // `try_with` fails only while the thread is being torn down, and
        // `try_borrow_mut` never fails (nothing calls back into this module
        // while it holds the block); either way the operating system's
        // source answers instead, so this never panics.
        let drawn = BLOCKS
            .try_with(|block| block.try_borrow_mut().ok().map(|mut block| block.draw(out)))
            .ok()
            .flatten();
        if let Some(drawn) = drawn {
            return drawn;
        }
    }
    getrandom::fill(out).map_err(|_| EncodeError::Random)
}

/// `N` public random bytes (as [`fill_public`]).
///
/// # Errors
///
/// [`EncodeError::Random`] when the operating system's source fails.
pub(crate) fn public<const N: usize>() -> Result<[u8; N], EncodeError> {
    let mut bytes = [0u8; N];
    fill_public(&mut bytes)?;
    Ok(bytes)
}

#[cfg(any(unix, windows))]
std::thread_local! {
    static BLOCKS: core::cell::RefCell<Block> = const {
        core::cell::RefCell::new(Block::EMPTY)
    };
}

/// One thread's bytes from the operating system, those before `next`
/// already handed out (and wiped).
#[cfg(any(unix, windows))]
struct Block {
    bytes: [u8; BLOCK],
    next: usize,
    /// The process that filled `bytes`; `None` before the first fill.
    pid: Option<u32>,
}

#[cfg(any(unix, windows))]
impl Block {
    const EMPTY: Self = Self {
        bytes: [0; BLOCK],
        next: BLOCK,
        pid: None,
    };

    fn draw(&mut self, out: &mut [u8]) -> Result<(), EncodeError> {
        use zeroize::Zeroize;

        // A draw larger than a block is rare (none in this crate): it goes
        // to the operating system directly.
        if out.len() > BLOCK {
            return getrandom::fill(out).map_err(|_| EncodeError::Random);
        }
        // The fork check, on every draw: a block filled by another process
        // (the parent of a `fork`) is never handed out here.
        let pid = std::process::id();
        if self.pid != Some(pid) {
            self.bytes.zeroize();
            self.next = BLOCK;
        }
        let end = match self.next.checked_add(out.len()) {
            Some(end) if end <= BLOCK => end,
            _ => {
                self.refill(pid)?;
                out.len()
            }
        };
        let fresh = self
            .bytes
            .get_mut(self.next..end)
            .ok_or(EncodeError::Random)?;
        out.copy_from_slice(fresh);
        fresh.zeroize();
        self.next = end;
        Ok(())
    }

    fn refill(&mut self, pid: u32) -> Result<(), EncodeError> {
        use zeroize::Zeroize;

        self.next = BLOCK;
        self.pid = None;
        if let Err(_failed) = getrandom::fill(&mut self.bytes) {
            // Nothing of a failed fill may be handed out later.
            self.bytes.zeroize();
            return Err(EncodeError::Random);
        }
        self.next = 0;
        self.pid = Some(pid);
        Ok(())
    }
}

#[cfg(any(unix, windows))]
impl Drop for Block {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        self.bytes.zeroize();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_differ_across_refills_and_sizes() {
        let mut seen = std::collections::HashSet::new();
        // Enough draws to refill several times, of a size that does not
        // divide the block.
        for _ in 0..200 {
            assert!(seen.insert(public::<28>().unwrap()));
        }
        fill_public(&mut []).unwrap();
        let mut large = vec![0u8; 3 * 1024 + 5];
        fill_public(&mut large).unwrap();
        assert!(large.iter().any(|&b| b != 0));
    }

    #[cfg(any(unix, windows))]
    #[test]
    fn handed_out_bytes_are_wiped_and_another_pid_refills() {
        let mut block = Block::EMPTY;
        let mut first = [0u8; 32];
        block.draw(&mut first).unwrap();
        assert_eq!(block.next, 32);
        assert!(block.bytes[..32].iter().all(|&b| b == 0));
        assert!(block.bytes[32..].iter().any(|&b| b != 0));
        // As if the process had forked since the fill: the block is
        // refilled, not continued.
        let rest = block.bytes;
        block.pid = block.pid.map(|pid| pid.wrapping_add(1));
        let mut second = [0u8; 32];
        block.draw(&mut second).unwrap();
        assert_eq!(block.pid, Some(std::process::id()));
        assert_eq!(block.next, 32);
        assert_ne!(second[..], rest[32..64]);
        assert_ne!(block.bytes[32..], rest[32..]);
    }
}
