//! Remembering the most recent `event_id`s, to drop repeats.
//!
//! Only a 64-bit keyed hash of each id is kept: 100,000 of them take about
//! 2 MB instead of the ids themselves, and with a per-process random key a
//! sender cannot aim two different ids at the same hash (the chance of an
//! accidental collision among 100,000 ids is about 3 in 10^10).

use std::collections::VecDeque;
use std::hash::BuildHasher;

use foldhash::quality::RandomState;
use nohash_hasher::IntSet;

/// A remembered id: its keyed 64-bit hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdKey(u64);

#[derive(Debug, Clone)]
pub struct RecentIds {
    hasher: RandomState,
    /// The keys are already uniformly distributed hashes: no need to hash
    /// them again.
    seen: IntSet<u64>,
    order: VecDeque<u64>,
    cap: usize,
}

impl RecentIds {
    pub fn new(cap: usize) -> Self {
        RecentIds {
            hasher: RandomState::default(),
            seen: IntSet::default(),
            order: VecDeque::new(),
            cap,
        }
    }

    /// The key `id` is remembered under: hash once, then ask and insert.
    pub fn key(&self, id: &str) -> IdKey {
        IdKey(self.hasher.hash_one(id))
    }

    /// True if `key` is among the remembered ones.
    pub fn contains(&self, key: IdKey) -> bool {
        self.seen.contains(&key.0)
    }

    /// Remembers `key`, forgetting the oldest one past the cap.
    pub fn insert(&mut self, key: IdKey) {
        if self.cap == 0 {
            return;
        }
        let h = key.0;
        if self.seen.insert(h) {
            if self.order.len() == self.cap
                && let Some(old) = self.order.pop_front()
            {
                self.seen.remove(&old);
            }
            self.order.push_back(h);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.order.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_only_the_last_cap_ids() {
        let mut ids = RecentIds::new(3);
        let k = |ids: &RecentIds, id| ids.key(id);
        for id in ["a", "b", "c"] {
            ids.insert(k(&ids, id));
        }
        assert!(ids.contains(k(&ids, "a")));
        ids.insert(k(&ids, "d"));
        assert!(!ids.contains(k(&ids, "a")));
        assert!(ids.contains(k(&ids, "b")) && ids.contains(k(&ids, "d")));
        ids.insert(k(&ids, "d"));
        assert_eq!(ids.len(), 3);
    }
}
