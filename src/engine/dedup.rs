//! Remembering the most recent `event_id`s, to drop repeats.
//!
//! Only each id's keyed 64-bit hash is kept ([`crate::protocol::EventId`]
//! takes it where the event is decoded): 100,000 of them take 4 MB (with the
//! insertion each was last seen at, and the forgotten ones not yet swept)
//! instead of the ids themselves. The chance of an accidental collision among
//! 100,000 ids is about 3 in 10^10.
//!
//! The table is written here rather than taken from `hashbrown`: each event
//! looks up a random place in a few megabytes, a cache miss that cost a
//! sixth of the engine's thread, and the cure is to ask the processor for
//! that place a few events ahead ([`RecentIds::prefetch`]), which needs to
//! know where a key lives; no maintained map says. Open addressing with
//! linear probing, a slot holding the key and its insertion side by side
//! (one cache line per look-up, not hashbrown's two: control bytes and
//! slot).

/// A slot's key when it holds none. A real key of 0 is kept as 1: one more
/// collision in 2^64.
const EMPTY: u64 = 0;
/// Fewest slots a table starts with once it holds anything.
const MIN_SLOTS: usize = 1024;

#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(16))]
struct Slot {
    key: u64,
    /// The insertion it was last remembered at.
    at: u64,
}

#[derive(Debug, Clone)]
pub struct RecentIds {
    /// A power of two of them (or none yet), at most three quarters full.
    /// A key more than `cap` insertions old is forgotten, though it stays
    /// until the next sweep: removing the oldest key at every insertion
    /// cost another cache miss per event, while a sweep is one pass in
    /// memory order.
    slots: Vec<Slot>,
    /// Occupied slots, remembered or forgotten.
    used: usize,
    insertions: u64,
    cap: usize,
}

impl RecentIds {
    pub fn new(cap: usize) -> Self {
        RecentIds {
            slots: Vec::new(),
            used: 0,
            insertions: 0,
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

    /// Whether a key remembered at insertion `at` still is (0: taken back).
    fn live(&self, at: u64) -> bool {
        at != 0 && self.insertions - at < self.cap as u64
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
        // Sweeping when the table holds one and a half times the cap keeps
        // memory bounded and costs one pass per half a cap of insertions.
        // It comes before the insertion so that [`Self::forget_last`] never
        // follows one.
        if self.used >= self.cap + self.cap / 2 {
            self.sweep();
        }
        if (self.used + 1) * 4 > self.slots.len() * 3 {
            self.rebuild((self.slots.len() * 2).max(MIN_SLOTS));
        }
        let key = Self::stored(key);
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        let newest = self.insertions + 1;
        loop {
            let slot = self.slots[i];
            if slot.key == key {
                if self.live(slot.at) {
                    return false;
                }
                self.slots[i].at = newest;
                break;
            }
            if slot.key == EMPTY {
                self.slots[i] = Slot { key, at: newest };
                self.used += 1;
                break;
            }
            i = (i + 1) & mask;
        }
        self.insertions = newest;
        true
    }

    /// Takes back the last [`Self::remember`] that said true, for an event
    /// refused after all: its id was never seen applied. The key stays in
    /// its slot, forgotten (as old as can be): removing it from a linear
    /// probe would mean moving its neighbours.
    pub fn forget_last(&mut self, key: u64) {
        if self.cap == 0 || self.slots.is_empty() {
            return;
        }
        let key = Self::stored(key);
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        while self.slots[i].key != EMPTY {
            if self.slots[i].key == key {
                if self.slots[i].at == self.insertions {
                    self.slots[i].at = 0;
                    self.insertions -= 1;
                }
                return;
            }
            i = (i + 1) & mask;
        }
    }

    /// Empties the forgotten keys' slots in place (a new table each time
    /// cost a fresh allocation's page faults, a twentieth of the engine's
    /// thread). Starting just after an empty slot, so that no run of
    /// occupied slots is entered halfway, each remembered key is taken out
    /// and put back from its home: it lands where it was or earlier, in a
    /// slot the pass has already been over, and no key is left behind an
    /// empty slot its look-up would stop at.
    fn sweep(&mut self) {
        let Some(start) = self.slots.iter().position(|s| s.key == EMPTY) else {
            // Never full (at most three quarters), but a full table is
            // simply rebuilt.
            return self.rebuild(self.slots.len());
        };
        let mask = self.slots.len() - 1;
        for step in 1..=self.slots.len() {
            let i = (start + step) & mask;
            let slot = self.slots[i];
            if slot.key == EMPTY {
                continue;
            }
            self.slots[i].key = EMPTY;
            self.used -= 1;
            if !self.live(slot.at) {
                continue;
            }
            let mut j = self.home(slot.key);
            while self.slots[j].key != EMPTY {
                j = (j + 1) & mask;
            }
            self.slots[j] = slot;
            self.used += 1;
        }
    }

    /// Moves the remembered keys into a table of `len` slots, leaving the
    /// forgotten ones behind.
    fn rebuild(&mut self, len: usize) {
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); len]);
        self.used = 0;
        let mask = len - 1;
        for slot in old {
            if slot.key == EMPTY || !self.live(slot.at) {
                continue;
            }
            let mut i = self.home(slot.key);
            while self.slots[i].key != EMPTY {
                i = (i + 1) & mask;
            }
            self.slots[i] = slot;
            self.used += 1;
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.slots
            .iter()
            .filter(|s| s.key != EMPTY && self.live(s.at))
            .count()
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
    fn sweeps_keep_exactly_the_last_cap() {
        let mut ids = RecentIds::new(100);
        for n in 0..1_000 {
            assert!(ids.remember(k(n)));
            assert!(ids.used <= 150, "swept at one and a half times the cap");
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
