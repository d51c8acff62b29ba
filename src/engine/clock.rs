//! Which present an event belongs to, so that one bad timestamp cannot move
//! the whole stream's.
//!
//! **Event time (files).** The stream's present is the newest timestamp of
//! the events applied so far; an event more than [`AHEAD_TOLERANCE_MS`]
//! ahead of it is not applied at once but held as a *suspect*, and the
//! events after it decide: one that is not far behind the suspect follows
//! it, one far behind it contradicts it. A suspect that [`CONFIRM`] later
//! events follow was a real jump (a runner that was idle, a gap in the
//! recording) and is applied, moving the present; one that many events
//! contradict and few follow was an outlier and is rejected as
//! `timestamp_out_of_range`. Nothing is applied before three events agree,
//! so even a bad first line cannot set the present. Only suspects are held
//! (encoded as JSON lines), so a healthy stream pays a comparison per event.
//!
//! **Arrival time (live).** Windows run on the receive time, so a runner's
//! clock only matters for telling good events from bad ones. Each source's
//! clock offset (receive time − `ts`) is the median of its recent events'
//! offsets; an event is judged against its own source's clock, so a runner
//! whose clock is off by days loses nothing, and only an event inconsistent
//! with its source's recent clock is rejected.

use std::collections::VecDeque;

use super::input::Origin;
use crate::protocol::Millis;

/// How far ahead of the stream's present an event may be before it is held
/// as a suspect.
pub const AHEAD_TOLERANCE_MS: Millis = 10 * 60_000;
/// Later events that must follow a suspect for it to count as a jump.
pub const CONFIRM: u32 = 3;
/// Later events that must contradict a suspect (and outnumber those that
/// follow it fourfold) for it to be rejected.
pub const REFUTE: u32 = 8;
/// Suspects held at most; past that the oldest is decided by majority.
pub const MAX_HELD: usize = 64;

/// An event held until the stream says whether its time is real.
#[derive(Debug, Clone)]
pub struct Suspect {
    pub ts: Millis,
    /// The event, as a protocol-v1 JSON line.
    pub line: String,
    pub received_at: Millis,
    pub origin: Origin,
    follow: u32,
    contradict: u32,
}

/// What becomes of a held suspect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Apply,
    Reject,
    Wait,
}

/// The suspects of an event-time stream.
#[derive(Debug, Default, Clone)]
pub struct Suspects {
    held: VecDeque<Suspect>,
}

impl Suspects {
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }

    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Lets an arriving event with timestamp `ts` speak for or against each
    /// suspect.
    pub fn observe(&mut self, ts: Millis) {
        for s in &mut self.held {
            if ts >= s.ts.saturating_sub(AHEAD_TOLERANCE_MS) {
                s.follow += 1;
            } else {
                s.contradict += 1;
            }
        }
    }

    pub fn hold(&mut self, ts: Millis, line: String, received_at: Millis, origin: Origin) {
        self.held.push_back(Suspect {
            ts,
            line,
            received_at,
            origin,
            follow: 0,
            contradict: 0,
        });
    }

    /// Takes the oldest suspect if it is decided: in line with `present`
    /// now, followed, or contradicted. `forced` decides it by majority (the
    /// end of the stream, or too many held); one that nothing spoke for or
    /// against is kept only if it is no further ahead of the present than
    /// the stream is long (`first`: the stream's first timestamp), so that a
    /// quiet runner's last event counts and a wild last line does not.
    pub fn take_decided(
        &mut self,
        present: Option<Millis>,
        first: Option<Millis>,
        forced: bool,
    ) -> Option<(Suspect, Verdict)> {
        let head = self.held.front()?;
        let forced = forced || self.held.len() > MAX_HELD;
        let verdict = if present.is_some_and(|p| head.ts <= p + AHEAD_TOLERANCE_MS)
            || head.follow >= CONFIRM
        {
            Verdict::Apply
        } else if head.contradict >= REFUTE && head.contradict > 4 * head.follow {
            Verdict::Reject
        } else if forced {
            let unheard = head.follow == 0 && head.contradict == 0;
            let too_far = match (present, first) {
                (Some(present), Some(first)) => head.ts - present > present - first,
                _ => false,
            };
            if head.contradict > head.follow || (unheard && too_far) {
                Verdict::Reject
            } else {
                Verdict::Apply
            }
        } else {
            Verdict::Wait
        };
        if verdict == Verdict::Wait {
            return None;
        }
        self.held.pop_front().map(|s| (s, verdict))
    }
}

/// A live source's clock, as its events tell it.
#[derive(Debug, Clone, Default)]
pub struct SourceClock {
    /// Recent offsets (receive time − `ts`), oldest first.
    recent: VecDeque<Millis>,
    /// The median of `recent`, recomputed as it changes.
    offset: Option<Millis>,
}

/// Offsets a source's clock estimate is the median of.
const OFFSET_SAMPLES: usize = 31;

impl SourceClock {
    /// Notes an event's offset (accepted or not: a runner whose clock just
    /// jumped is followed after a few events) and returns the estimate the
    /// event should be judged by: the one from before it.
    pub fn observe(&mut self, offset: Millis) -> Option<Millis> {
        let before = self.offset;
        if self.recent.len() == OFFSET_SAMPLES {
            self.recent.pop_front();
        }
        self.recent.push_back(offset);
        let mut sorted: Vec<Millis> = self.recent.iter().copied().collect();
        sorted.sort_unstable();
        self.offset = Some(sorted[sorted.len() / 2]);
        before
    }

    /// The estimated offset (receive time − the runner's clock), in ms.
    pub fn offset(&self) -> Option<Millis> {
        self.offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hold(s: &mut Suspects, ts: Millis) {
        s.hold(ts, String::new(), 0, Origin::default());
    }

    #[test]
    fn an_outlier_is_contradicted_and_a_jump_is_followed() {
        let mut s = Suspects::default();
        hold(&mut s, 100 * 3_600_000);
        for i in 0..REFUTE as i64 {
            assert!(s.take_decided(Some(i * 1_000), None, false).is_none());
            s.observe(i * 1_000);
        }
        let (_, verdict) = s.take_decided(Some(0), None, false).unwrap();
        assert_eq!(verdict, Verdict::Reject);

        hold(&mut s, 5 * 3_600_000);
        for i in 0..CONFIRM as i64 {
            assert!(s.take_decided(Some(0), None, false).is_none());
            s.observe(5 * 3_600_000 + i);
        }
        assert_eq!(
            s.take_decided(Some(0), None, false).unwrap().1,
            Verdict::Apply
        );
    }

    #[test]
    fn at_the_end_the_majority_decides() {
        let mut s = Suspects::default();
        hold(&mut s, 1_000_000_000);
        s.observe(0);
        assert!(s.take_decided(None, None, false).is_none());
        assert_eq!(s.take_decided(None, None, true).unwrap().1, Verdict::Reject);
        // Unheard of: kept if no further ahead than the stream is long.
        hold(&mut s, 1_000_000_000);
        assert_eq!(s.take_decided(None, None, true).unwrap().1, Verdict::Apply);
        const H: Millis = 3_600_000;
        hold(&mut s, 3 * H);
        assert_eq!(
            s.take_decided(Some(2 * H), Some(0), true).unwrap().1,
            Verdict::Apply
        );
        hold(&mut s, 5 * H);
        assert_eq!(
            s.take_decided(Some(2 * H), Some(0), true).unwrap().1,
            Verdict::Reject
        );
    }

    #[test]
    fn a_source_clock_is_the_median_of_its_recent_offsets() {
        let mut c = SourceClock::default();
        assert_eq!(c.observe(2 * 86_400_000), None);
        for _ in 0..10 {
            c.observe(2 * 86_400_000 + 5);
        }
        // One wild offset does not move the estimate.
        assert_eq!(c.observe(-1), Some(2 * 86_400_000 + 5));
        assert_eq!(c.offset(), Some(2 * 86_400_000 + 5));
    }
}
