//! Remembering the most recent `event_id`s, to drop repeats.
//!
//! Only each id's keyed 64-bit hash is kept ([`crate::protocol::EventId`]
//! takes it where the event is decoded): 100,000 of them take 3 MB (a 2 MB
//! table and the 0.8 MB queue of their order) instead of the ids
//! themselves. The chance of an accidental collision among 100,000 ids is
//! about 3 in 10^10.
//!
//! The table is written here rather than taken from `hashbrown`: each event
//! looks up a random place in megabytes, a cache miss that cost a sixth of
//! the engine's thread, and the cure is to ask the processor for that place
//! a few events ahead ([`RecentIds::prefetch`]), which needs to know where a
//! key lives; no maintained map says. Open addressing with linear probing,
//! a slot holding just the key (eight to a cache line), at most half full.
//!
//! The oldest key leaves the table when a newer one takes it past the cap,
//! found through a queue of the keys in the order they came. Its slot is
//! asked for a few insertions ahead, like the new key's, so leaving costs
//! no wait. This replaced slots that also held each key's insertion and a
//! sweep of the whole table every half cap of insertions: the sweep was
//! half of this table's time (the whole table walked, out of cache, and the
//! live keys put back), and the insertion doubled the slot.

use std::collections::VecDeque;

/// A slot's key when it holds none. A real key of 0 is kept as 1: one more
/// collision in 2^64.
const EMPTY: u64 = 0;
/// Fewest slots a table starts with once it holds anything.
const MIN_SLOTS: usize = 1024;
/// How many insertions ahead the slot of the key to leave is asked for.
const LEAVING_AHEAD: usize = 8;

#[derive(Debug, Clone)]
pub struct RecentIds {
    /// A power of two of them (or none yet), at most half full: exactly the
    /// keys of `order`.
    slots: Vec<u64>,
    /// The remembered keys, oldest first. One more than `cap` means the
    /// oldest is already forgotten: it leaves at the next insertion, so
    /// that taking the newest back ([`RecentIds::forget_last`]) brings it
    /// back.
    order: VecDeque<u64>,
    cap: usize,
}

impl RecentIds {
    pub fn new(cap: usize) -> Self {
        RecentIds {
            slots: Vec::new(),
            order: VecDeque::new(),
            cap,
        }
    }

    fn stored(key: u64) -> u64 {
        if key == EMPTY { 1 } else { key }
    }

    /// Where `key`'s probe starts: the keys are uniformly distributed
    /// hashes already, so their low bits will do.
    fn home(&self, key: u64) -> usize {
        key as usize & (self.slots.len() - 1)
    }

    /// Asks the processor to bring `key`'s slot into cache, for a look-up
    /// a few events from now. Only a hint: nothing changes.
    pub fn prefetch(&self, key: u64) {
        if self.slots.is_empty() {
            return;
        }
        crate::prefetch::line(&self.slots[self.home(Self::stored(key))]);
    }

    /// Remembers `key` as the newest and says true, or says false if it is
    /// among the last `cap` remembered (it then stays where it was).
    pub fn remember(&mut self, key: u64) -> bool {
        if self.cap == 0 {
            return true;
        }
        // The oldest was forgotten at the last insertion: out it goes now.
        if self.order.len() > self.cap
            && let Some(oldest) = self.order.pop_front()
        {
            self.remove(oldest);
        }
        if (self.order.len() + 1) * 2 > self.slots.len() {
            self.rebuild((self.slots.len() * 2).max(MIN_SLOTS));
        }
        let key = Self::stored(key);
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            match self.slots[i] {
                EMPTY => break,
                k if k == key => return false,
                _ => i = (i + 1) & mask,
            }
        }
        self.slots[i] = key;
        self.order.push_back(key);
        if self.order.len() > self.cap
            && let Some(&leaving) = self.order.get(LEAVING_AHEAD)
        {
            crate::prefetch::line(&self.slots[self.home(leaving)]);
        }
        true
    }

    /// Takes back the last [`Self::remember`] that said true, for an event
    /// refused after all: its id was never seen applied, and the id it
    /// pushed past the cap is remembered again.
    pub fn forget_last(&mut self, key: u64) {
        let key = Self::stored(key);
        if self.order.back() == Some(&key) {
            self.order.pop_back();
            self.remove(key);
        }
    }

    /// Takes `key` out of the table, moving back the keys after it that
    /// may move (so that no look-up stops early at the slot it leaves).
    fn remove(&mut self, key: u64) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i] != key {
            if self.slots[i] == EMPTY {
                return;
            }
            i = (i + 1) & mask;
        }
        let mut j = i;
        loop {
            j = (j + 1) & mask;
            let k = self.slots[j];
            if k == EMPTY {
                break;
            }
            // `k` may fill the hole at `i` unless its home lies after `i`
            // (up to `j`, cyclically): then a look-up for it starts past `i`.
            let home = self.home(k);
            if j.wrapping_sub(home) & mask >= j.wrapping_sub(i) & mask {
                self.slots[i] = k;
                i = j;
            }
        }
        self.slots[i] = EMPTY;
    }

    /// Moves the keys into a table of `len` slots.
    fn rebuild(&mut self, len: usize) {
        self.slots = vec![EMPTY; len];
        let mask = len - 1;
        for &key in &self.order {
            let mut i = key as usize & mask;
            while self.slots[i] != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = key;
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.order.len().min(self.cap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::EventId;

    fn k(id: impl ToString) -> u64 {
        EventId::new(id.to_string().into()).key()
    }

    #[test]
    fn remembers_only_the_last_cap_ids() {
        let mut ids = RecentIds::new(3);
        for id in ["a", "b", "c"] {
            assert!(ids.remember(k(id)));
        }
        assert!(!ids.remember(k("a")), "a is among the last 3");
        assert!(ids.remember(k("d")));
        assert!(ids.remember(k("a")), "a was forgotten when d came");
        assert!(!ids.remember(k("d")));
        assert_eq!(ids.len(), 3);
    }

    #[test]
    fn keeps_exactly_the_last_cap() {
        let mut ids = RecentIds::new(100);
        for n in 0..1_000 {
            assert!(ids.remember(k(n)));
            assert!(ids.order.len() <= 101, "one past the cap at most");
            assert!(
                ids.slots.len() <= MIN_SLOTS,
                "the table does not grow past the cap"
            );
        }
        assert_eq!(ids.len(), 100);
        for n in (900..1_000).rev() {
            assert!(!ids.remember(k(n)), "{n} is among the last 100");
        }
        // Asking about the forgotten ones remembers them anew, each pushing
        // the oldest out: check from the newest forgotten down.
        assert!(ids.remember(k(899)), "899 is more than 100 old");
        assert!(!ids.remember(k(999)), "999 is still among the last 100");
        assert!(ids.remember(k(900)), "900 was pushed out by 899");
    }

    #[test]
    fn forgetting_the_last_takes_it_back_whole() {
        let mut ids = RecentIds::new(2);
        assert!(ids.remember(k("a")));
        assert!(ids.remember(k("b")));
        assert!(ids.remember(k("c")), "a is pushed out");
        ids.forget_last(k("c"));
        assert!(!ids.remember(k("b")), "b is still remembered");
        assert!(ids.remember(k("c")), "c was taken back");
        // Taking back a repeat of a forgotten id leaves the others as they were.
        assert!(ids.remember(k("a")));
        ids.forget_last(k("a"));
        assert!(!ids.remember(k("b")) && !ids.remember(k("c")));
        assert_eq!(ids.len(), 2);
        // Taken back early on, when every insertion so far is within the cap.
        let mut ids = RecentIds::new(100);
        assert!(ids.remember(k("x")));
        ids.forget_last(k("x"));
        assert_eq!(ids.len(), 0);
        assert!(ids.remember(k("x")), "x was taken back");
        assert!(!ids.remember(k("x")));
    }

    #[test]
    fn agrees_with_a_plain_list_of_the_last_cap() {
        use std::collections::VecDeque;
        for cap in [1, 2, 7, 300] {
            let mut ids = RecentIds::new(cap);
            let mut last: VecDeque<u32> = VecDeque::new();
            // Ids from a small range so that repeats, live and forgotten,
            // are common; every seventh accepted one is taken back.
            for step in 0u32..5_000 {
                let id = step.wrapping_mul(2_654_435_761) % (3 * cap as u32 + 5);
                let expected = !last.contains(&id);
                assert_eq!(
                    ids.remember(k(id)),
                    expected,
                    "cap {cap} step {step} id {id}"
                );
                if expected {
                    if step % 7 == 0 {
                        ids.forget_last(k(id));
                    } else {
                        last.push_back(id);
                        if last.len() > cap {
                            last.pop_front();
                        }
                    }
                }
            }
            assert_eq!(ids.len(), last.len());
        }
    }
}
