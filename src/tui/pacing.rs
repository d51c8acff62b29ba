//! When to draw: at most `fps` frames a second, on a fixed grid, and only
//! when something changed.
//!
//! Keys, resizes, ticks and changes of a source's state are drawn in the
//! next frame slot. Events are drawn in the next slot once enough of them
//! wait to be worth a frame ([`FULL_FRAME_EVENTS`]), or once the first of
//! them has waited four frames. So a heavy stream uses every slot (an event
//! waits at most a frame: the latency goal), while a trickle is drawn a few
//! events at a time, within five frame intervals of arriving, instead of
//! one frame per event (the CPU goal). It is the rule of a network card's interrupt
//! moderation: fire after N packets or T microseconds, whichever is first.
//! Time is passed in, so the rule is tested without a clock.

use std::time::{Duration, Instant};

/// Events that make a frame worth drawing in the next slot.
pub const FULL_FRAME_EVENTS: u64 = 32;

#[derive(Debug, Clone)]
pub struct Pacing {
    frame_every: Duration,
    /// The earliest the next frame may start.
    next_slot: Instant,
    /// Something other than events waits to be drawn.
    urgent: bool,
    /// Events applied since the last frame, and when the first came.
    events: u64,
    first_event_at: Option<Instant>,
}

impl Pacing {
    pub fn new(fps: u32, now: Instant) -> Self {
        Pacing {
            frame_every: Duration::from_secs_f64(1.0 / f64::from(fps.clamp(1, 120))),
            next_slot: now,
            // The first frame is drawn at once.
            urgent: true,
            events: 0,
            first_event_at: None,
        }
    }

    pub fn frame_every(&self) -> Duration {
        self.frame_every
    }

    /// The earliest the next frame may start.
    pub fn next_slot(&self) -> Instant {
        self.next_slot
    }

    /// How long the first of a trickle of events may wait once applied.
    /// The loop looks for data at least once a frame, so an event is on
    /// screen within five frame intervals of its arrival (250 ms at the
    /// default 20 frames a second).
    pub fn hold(&self) -> Duration {
        4 * self.frame_every
    }

    /// Something to draw in the next slot: a key, a resize, a tick.
    pub fn changed(&mut self) {
        self.urgent = true;
    }

    /// `n` events were applied at `now`.
    pub fn events(&mut self, n: u64, now: Instant) {
        if n == 0 {
            return;
        }
        self.events += n;
        self.first_event_at.get_or_insert(now);
    }

    /// When the next frame is due, if anything waits to be drawn.
    pub fn due(&self) -> Option<Instant> {
        if self.urgent || self.events >= FULL_FRAME_EVENTS {
            return Some(self.next_slot);
        }
        self.first_event_at
            .map(|first| self.next_slot.max(first + self.hold()))
    }

    /// A frame started at `at`: everything waiting is on it. The next slot
    /// keeps to the grid, so a late wake-up does not push every later frame
    /// back; after an idle spell the grid starts again from this frame.
    pub fn drawn(&mut self, at: Instant) {
        self.urgent = false;
        self.events = 0;
        self.first_event_at = None;
        self.next_slot = if at.saturating_duration_since(self.next_slot) < self.frame_every {
            self.next_slot + self.frame_every
        } else {
            at + self.frame_every
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn nothing_changed_nothing_is_due() {
        let t0 = Instant::now();
        let mut p = Pacing::new(20, t0);
        assert_eq!(p.due(), Some(t0), "the first frame is drawn at once");
        p.drawn(t0);
        assert_eq!(p.due(), None);
    }

    #[test]
    fn a_key_is_drawn_in_the_next_slot() {
        let t0 = Instant::now();
        let mut p = Pacing::new(20, t0);
        p.drawn(t0);
        p.changed();
        assert_eq!(p.due(), Some(t0 + 50 * MS));
    }

    #[test]
    fn a_heavy_stream_uses_every_slot_and_a_trickle_is_held() {
        let t0 = Instant::now();
        let mut p = Pacing::new(20, t0);
        p.drawn(t0);
        p.events(FULL_FRAME_EVENTS, t0 + MS);
        assert_eq!(p.due(), Some(t0 + 50 * MS));

        let mut p = Pacing::new(20, t0);
        p.drawn(t0);
        p.events(1, t0 + 10 * MS);
        assert_eq!(p.due(), Some(t0 + 210 * MS), "held for four frames");
        p.events(FULL_FRAME_EVENTS - 1, t0 + 20 * MS);
        assert_eq!(p.due(), Some(t0 + 50 * MS), "enough to fill a frame");
    }

    #[test]
    fn frames_keep_to_the_grid_and_restart_after_an_idle_spell() {
        let t0 = Instant::now();
        let mut p = Pacing::new(20, t0);
        p.drawn(t0 + 3 * MS);
        p.changed();
        assert_eq!(
            p.due(),
            Some(t0 + 50 * MS),
            "a late frame does not shift the grid"
        );
        p.drawn(t0 + 400 * MS);
        p.changed();
        assert_eq!(p.due(), Some(t0 + 450 * MS));
        // Never more than `fps` frames a second.
        let mut at = t0 + 400 * MS;
        let mut frames = 0;
        while at < t0 + 1_400 * MS {
            p.changed();
            at = at.max(p.due().unwrap());
            p.drawn(at);
            frames += 1;
            at += MS;
        }
        assert!(frames <= 20, "{frames} frames in a second");
    }
}
