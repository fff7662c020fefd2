//! [`MemoryStore`]: revocation records in one process's memory.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

use super::{Lookup, RevocationStore, StoreError, StoreFuture};
use crate::codec::SessionId;
use crate::time::UnixTime;

/// Revocation records in this process's memory: for a site that runs on
/// one node (a fleet shares a [`RedisStore`](super::RedisStore)).
///
/// Bounded: it holds at most `capacity` records (sessions and subjects
/// together). A record is dropped once the tokens it refuses could no
/// longer be accepted anyway; when the store is full, expired records are
/// swept, and if all are still needed the new revocation fails with
/// [`StoreError::Full`] rather than growing without bound or dropping a
/// live one. Lookups share a read lock, so concurrent requests do not
/// wait on each other; records are a few dozen bytes each.
///
/// # Examples
///
/// ```
/// use session_cookie::revoke::{MemoryStore, RevocationStore};
/// use session_cookie::{SessionId, UnixTime};
///
/// # tokio::runtime::Builder::new_current_thread().build()?.block_on(async {
/// let store = MemoryStore::new(2);
/// let now = UnixTime::from_secs(1_000);
/// let id = SessionId::from_bytes([1; 16]);
/// store.revoke_session(id, Some(UnixTime::from_secs(2_000)), now).await?;
/// assert!(store.lookup(Some(id), None, now).await?.session_revoked());
/// // Past the last moment its tokens were valid, the record is gone.
/// let later = UnixTime::from_secs(2_001);
/// assert!(!store.lookup(Some(id), None, later).await?.session_revoked());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # })?;
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct MemoryStore {
    capacity: usize,
    records: RwLock<Records>,
}

#[derive(Debug, Default)]
struct Records {
    /// Revoked session ids, with the last moment their tokens were valid.
    sessions: HashMap<SessionId, Option<UnixTime>>,
    /// Subjects: sessions first issued up to `.0` are refused, until `.1`.
    subjects: HashMap<String, (UnixTime, Option<UnixTime>)>,
    /// The earliest expiry among the records, so that a full store of
    /// live records refuses at once instead of sweeping on every call.
    earliest: Option<UnixTime>,
}

/// Whether a record kept until `until` is still needed at `now`.
fn live(until: Option<UnixTime>, now: UnixTime) -> bool {
    until.is_none_or(|until| now <= until)
}

impl Records {
    fn len(&self) -> usize {
        self.sessions.len().saturating_add(self.subjects.len())
    }

    fn sweep(&mut self, now: UnixTime) {
        self.sessions.retain(|_, until| live(*until, now));
        self.subjects.retain(|_, (_, until)| live(*until, now));
        self.earliest = self
            .sessions
            .values()
            .chain(self.subjects.values().map(|(_, until)| until))
            .filter_map(|until| *until)
            .min();
    }

    /// Makes room for one more record, if one is not needed any more.
    fn room(&mut self, capacity: usize, now: UnixTime) -> Result<(), StoreError> {
        if self.len() < capacity {
            return Ok(());
        }
        if self.earliest.is_some_and(|earliest| earliest < now) {
            self.sweep(now);
        }
        if self.len() < capacity {
            Ok(())
        } else {
            Err(StoreError::Full { capacity })
        }
    }

    fn noted(&mut self, until: Option<UnixTime>) {
        if let Some(until) = until {
            self.earliest = Some(self.earliest.map_or(until, |earliest| earliest.min(until)));
        }
    }
}

/// The later of two expiries, `None` (never) being the latest.
fn latest(a: Option<UnixTime>, b: Option<UnixTime>) -> Option<UnixTime> {
    a.zip(b).map(|(a, b)| a.max(b))
}

impl MemoryStore {
    /// A store of at most `capacity` records.
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            records: RwLock::new(Records::default()),
        }
    }

    /// How many records it holds now, expired ones not yet swept included.
    #[must_use]
    pub fn len(&self) -> usize {
        self.read(|records| records.len())
    }

    /// Whether it holds no record.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn read<R>(&self, f: impl FnOnce(&Records) -> R) -> R {
        // A panic elsewhere cannot leave the maps half-changed in a way that
        // matters here: every change is one insert.
        f(&self.records.read().unwrap_or_else(PoisonError::into_inner))
    }

    fn write<R>(&self, f: impl FnOnce(&mut Records) -> R) -> R {
        f(&mut self.records.write().unwrap_or_else(PoisonError::into_inner))
    }
}

impl RevocationStore for MemoryStore {
    fn revoke_session(
        &self,
        id: SessionId,
        until: Option<UnixTime>,
        now: UnixTime,
    ) -> StoreFuture<'_, ()> {
        let result = self.write(|records| {
            if let Some(kept) = records.sessions.get_mut(&id) {
                *kept = latest(*kept, until);
            } else {
                records.room(self.capacity, now)?;
                records.sessions.insert(id, until);
            }
            records.noted(until);
            Ok(())
        });
        Box::pin(async move { result })
    }

    fn revoke_subject<'a>(
        &'a self,
        subject: &'a str,
        through: UnixTime,
        until: Option<UnixTime>,
        now: UnixTime,
    ) -> StoreFuture<'a, ()> {
        let result = self.write(|records| {
            if let Some((kept_through, kept_until)) = records.subjects.get_mut(subject) {
                *kept_through = (*kept_through).max(through);
                *kept_until = latest(*kept_until, until);
            } else {
                records.room(self.capacity, now)?;
                records
                    .subjects
                    .insert(subject.to_owned(), (through, until));
            }
            records.noted(until);
            Ok(())
        });
        Box::pin(async move { result })
    }

    fn lookup<'a>(
        &'a self,
        id: Option<SessionId>,
        subject: Option<&'a str>,
        now: UnixTime,
    ) -> StoreFuture<'a, Lookup> {
        let lookup = self.read(|records| {
            let session_revoked = id
                .and_then(|id| records.sessions.get(&id))
                .is_some_and(|until| live(*until, now));
            let subject_through = subject
                .and_then(|subject| records.subjects.get(subject))
                .filter(|(_, until)| live(*until, now))
                .map(|(through, _)| *through);
            Lookup::new(session_revoked, subject_through)
        });
        Box::pin(async move { Ok(lookup) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: i64) -> UnixTime {
        UnixTime::from_secs(secs)
    }

    fn block<T>(future: StoreFuture<'_, T>) -> Result<T, StoreError> {
        // The store's futures are ready at once.
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        let mut future = future;
        match future.as_mut().poll(&mut context) {
            std::task::Poll::Ready(result) => result,
            std::task::Poll::Pending => Err(StoreError::unavailable("pending")),
        }
    }

    #[test]
    fn full_of_live_records_it_refuses_and_sweeps_once_they_expire() {
        let store = MemoryStore::new(2);
        let id = |n| SessionId::from_bytes([n; 16]);
        block(store.revoke_session(id(1), Some(at(100)), at(0))).unwrap();
        block(store.revoke_subject("u", at(0), Some(at(200)), at(0))).unwrap();
        assert_eq!(
            block(store.revoke_session(id(2), Some(at(300)), at(50))),
            Err(StoreError::Full { capacity: 2 })
        );
        // The same session again is no new record.
        block(store.revoke_session(id(1), Some(at(150)), at(50))).unwrap();
        assert_eq!(store.len(), 2);
        // id(1) is needed until 150; at 151 its place is free.
        block(store.revoke_session(id(2), Some(at(300)), at(151))).unwrap();
        assert_eq!(store.len(), 2);
        let lookup = block(store.lookup(Some(id(1)), Some("u"), at(151))).unwrap();
        assert_eq!(lookup, Lookup::new(false, Some(at(0))));
        assert!(
            block(store.lookup(Some(id(2)), None, at(300)))
                .unwrap()
                .session_revoked()
        );
    }

    #[test]
    fn a_subject_cutoff_only_moves_forward() {
        let store = MemoryStore::new(10);
        block(store.revoke_subject("u", at(500), Some(at(900)), at(500))).unwrap();
        block(store.revoke_subject("u", at(400), Some(at(800)), at(500))).unwrap();
        let lookup = block(store.lookup(None, Some("u"), at(850))).unwrap();
        assert_eq!(lookup.subject_through(), Some(at(500)));
        // Kept for ever when nothing bounds the sessions' lifetime.
        block(store.revoke_subject("v", at(500), None, at(500))).unwrap();
        let far = block(store.lookup(None, Some("v"), at(i64::MAX))).unwrap();
        assert_eq!(far.subject_through(), Some(at(500)));
    }
}
