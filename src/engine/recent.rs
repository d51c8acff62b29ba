//! A stage's most recent successful attempts, in the order they finished:
//! what a change in a stage's pace is judged on (`alerts::slowdown`).
//!
//! Windows hold histograms, which cannot say which values are the newest;
//! the slowdown rule needs exactly that (the last few attempts against the
//! stage's usual pace), so a short ring of them is kept beside.

use std::collections::VecDeque;

use crate::protocol::Millis;

/// How many attempts the ring keeps.
pub const RECENT_KEPT: usize = 32;

/// One successful attempt: its place in the stage's sequence, when it
/// finished (window time) and how long it took.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OkAttempt {
    pub seq: u64,
    pub at: Millis,
    pub duration_ms: f64,
}

#[derive(Debug, Clone, Default)]
pub struct RecentAttempts {
    ring: VecDeque<OkAttempt>,
    next_seq: u64,
}

impl RecentAttempts {
    pub fn record(&mut self, at: Millis, duration_ms: f64) {
        if self.ring.len() == RECENT_KEPT {
            self.ring.pop_front();
        }
        self.next_seq += 1;
        self.ring.push_back(OkAttempt {
            seq: self.next_seq,
            at,
            duration_ms,
        });
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &OkAttempt> + ExactSizeIterator {
        self.ring.iter()
    }

    /// The sequence number of the newest attempt (0 before any).
    pub fn last_seq(&self) -> u64 {
        self.next_seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_in_order_with_their_sequence() {
        let mut r = RecentAttempts::default();
        for i in 0..40 {
            r.record(i, i as f64);
        }
        assert_eq!(r.iter().len(), RECENT_KEPT);
        assert_eq!(r.last_seq(), 40);
        let first = r.iter().next().unwrap();
        assert_eq!((first.seq, first.at), (9, 8));
        assert_eq!(r.iter().next_back().unwrap().seq, 40);
    }
}
