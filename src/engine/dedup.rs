//! Remembering the most recent `event_id`s, to drop repeats.
//!
//! Only a 64-bit keyed hash of each id is kept: 100,000 of them take about
//! 2 MB instead of the ids themselves, and with a per-process random key a
//! sender cannot aim two different ids at the same hash (the chance of an
//! accidental collision among 100,000 ids is about 3 in 10^10).

use std::collections::VecDeque;
use std::hash::BuildHasher;

use foldhash::HashSet;
use foldhash::quality::RandomState;

#[derive(Debug, Clone)]
pub struct RecentIds {
    hasher: RandomState,
    seen: HashSet<u64>,
    order: VecDeque<u64>,
    cap: usize,
}

impl RecentIds {
    pub fn new(cap: usize) -> Self {
        RecentIds {
            hasher: RandomState::default(),
            seen: HashSet::default(),
            order: VecDeque::new(),
            cap,
        }
    }

    /// True if `id` is among the remembered ones.
    pub fn contains(&self, id: &str) -> bool {
        self.seen.contains(&self.hasher.hash_one(id))
    }

    /// Remembers `id`, forgetting the oldest one past the cap.
    pub fn insert(&mut self, id: &str) {
        if self.cap == 0 {
            return;
        }
        let h = self.hasher.hash_one(id);
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
        for id in ["a", "b", "c"] {
            ids.insert(id);
        }
        assert!(ids.contains("a"));
        ids.insert("d");
        assert!(!ids.contains("a"));
        assert!(ids.contains("b") && ids.contains("d"));
        ids.insert("d");
        assert_eq!(ids.len(), 3);
    }
}
