//! Remembering the most recent `event_id`s, to drop repeats.
//!
//! Only a 64-bit keyed hash of each id is kept: 100,000 of them take at most
//! about 4 MB (with the insertion each was last seen at, and the forgotten
//! ones not yet swept) instead of the ids themselves, and with a per-process random key a
//! sender cannot aim two different ids at the same hash (the chance of an
//! accidental collision among 100,000 ids is about 3 in 10^10).

use std::collections::hash_map::Entry;
use std::hash::BuildHasher;

use foldhash::quality::RandomState;
use nohash_hasher::IntMap;

/// A remembered id: its keyed 64-bit hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdKey(u64);

#[derive(Debug, Clone)]
pub struct RecentIds {
    hasher: RandomState,
    /// Each key with the insertion it was last remembered at. A key more
    /// than `cap` insertions old is forgotten, though it stays in the map
    /// until the next sweep: removing the oldest key at every insertion
    /// cost a cache miss per event (a random place in a table of a few MB),
    /// while a sweep is one pass in memory order. The keys are already
    /// uniformly distributed hashes: no need to hash them again.
    seen: IntMap<u64, u64>,
    insertions: u64,
    cap: usize,
}

impl RecentIds {
    pub fn new(cap: usize) -> Self {
        RecentIds {
            hasher: RandomState::default(),
            seen: IntMap::default(),
            insertions: 0,
            cap,
        }
    }

    /// The key `id` is remembered under: hash once, then ask and insert.
    pub fn key(&self, id: &str) -> IdKey {
        IdKey(self.hasher.hash_one(id))
    }

    /// True if `key` is among the last `cap` remembered.
    pub fn contains(&self, key: IdKey) -> bool {
        self.seen
            .get(&key.0)
            .is_some_and(|&at| self.insertions - at < self.cap as u64)
    }

    /// Remembers `key` as the newest, forgetting the oldest past the cap (a
    /// key already remembered stays where it was).
    pub fn insert(&mut self, key: IdKey) {
        if self.cap == 0 {
            return;
        }
        let live = |at: u64| self.insertions - at < self.cap as u64;
        match self.seen.entry(key.0) {
            Entry::Occupied(e) if live(*e.get()) => return,
            Entry::Occupied(mut e) => *e.get_mut() = self.insertions + 1,
            Entry::Vacant(e) => {
                e.insert(self.insertions + 1);
            }
        }
        self.insertions += 1;
        // Sweeping when the map holds twice the cap keeps memory bounded and
        // the sweep's cost at one pass per `cap` insertions.
        if self.seen.len() >= self.cap.saturating_mul(2) {
            let insertions = self.insertions;
            let cap = self.cap as u64;
            self.seen.retain(|_, at| insertions - *at < cap);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        let cap = self.cap as u64;
        self.seen
            .values()
            .filter(|&&at| self.insertions - at < cap)
            .count()
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

    #[test]
    fn sweeps_keep_exactly_the_last_cap() {
        let mut ids = RecentIds::new(100);
        let k = |ids: &RecentIds, n: u32| ids.key(&n.to_string());
        for n in 0..1_000 {
            assert!(!ids.contains(k(&ids, n)));
            ids.insert(k(&ids, n));
            assert!(ids.seen.len() < 200, "swept at twice the cap");
        }
        for n in 0..900 {
            assert!(!ids.contains(k(&ids, n)), "{n} is more than 100 old");
        }
        for n in 900..1_000 {
            assert!(ids.contains(k(&ids, n)), "{n} is among the last 100");
        }
        assert_eq!(ids.len(), 100);
    }
}
