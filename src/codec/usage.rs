//! The count of tokens each native key verified
//! ([`NativeCodec::key_usage`](super::NativeCodec::key_usage)), kept so
//! that the decodes of many threads do not contend for it.
//!
//! One shared `AtomicU64`, bumped on every decode, makes each core that
//! decodes take its cache line away from the others in turn (and, beside
//! the key's HMAC state, the line every decode then reads), a cost that
//! grows with the number of cores. Here each thread bumps a shard of its
//! own, on a cache line of its own, and a read adds the shards up; the
//! `threads/*` rows of `benches/codec.rs` time decodes on every core at
//! once, with Django's decode, which writes nothing shared, as the control.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Shards per counter: threads beyond this share them round-robin, which
/// still divides the contention by this many.
const SHARDS: usize = 16;

/// One shard on its own 128 bytes: x86's spatial prefetcher fetches cache
/// lines in pairs, and some aarch64 cores have 128-byte lines (the padding
/// `crossbeam_utils::CachePadded` uses on both).
#[repr(align(128))]
struct Shard(AtomicU64);

/// A relaxed event counter, as cheap to bump from many threads at once as
/// from one.
pub(crate) struct UsageCounter {
    /// Boxed so that the 2 KiB of shards stay out of the structure around
    /// them, whose other fields every decode reads.
    shards: Box<[Shard; SHARDS]>,
}

impl UsageCounter {
    pub(crate) fn new() -> Self {
        Self {
            shards: Box::new([const { Shard(AtomicU64::new(0)) }; SHARDS]),
        }
    }

    /// Counts one event on this thread's shard.
    pub(crate) fn bump(&self) {
        if let Some(shard) = self.shards.get(this_thread_shard()) {
            shard.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// The events counted so far (relaxed: a bump racing with the read may
    /// or may not be in it).
    pub(crate) fn total(&self) -> u64 {
        self.shards.iter().fold(0u64, |sum, shard| {
            sum.wrapping_add(shard.0.load(Ordering::Relaxed))
        })
    }
}

/// This thread's shard index, handed out round-robin at its first bump.
fn this_thread_shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    std::thread_local! {
        static SHARD: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    // `try_with` fails only while the thread is torn down: shard 0 is as
    // correct, only shared.
    SHARD.try_with(|shard| *shard).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_bump_from_every_thread() {
        let counter = UsageCounter::new();
        std::thread::scope(|scope| {
            for _ in 0..(SHARDS + 3) {
                scope.spawn(|| {
                    for _ in 0..1000 {
                        counter.bump();
                    }
                });
            }
        });
        counter.bump();
        assert_eq!(counter.total(), (SHARDS as u64 + 3) * 1000 + 1);
    }

    #[test]
    fn shards_sit_on_lines_of_their_own() {
        assert_eq!(core::mem::align_of::<Shard>(), 128);
        assert_eq!(core::mem::size_of::<Shard>(), 128);
    }
}
