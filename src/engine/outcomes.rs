//! First attempts' outcomes over the rolling windows: the independent
//! evidence an error rate is judged on.
//!
//! A retry is not a fresh draw: an attempt that failed is retried with the
//! same inputs, on the same node, and fails again far more often than a
//! first attempt does. Counting retries would make one bad execution (two
//! failed attempts) look like two independent failures, and a Wilson
//! interval over such counts is narrower than the evidence. So the
//! error-rate rule counts first attempts only, each one execution's
//! independent trial; every attempt is still counted in the durations'
//! statuses, which the report and the screens show.

use super::stats::Window;
use crate::protocol::{Millis, Status};

/// How many first attempts finished, and how many of them failed or timed
/// out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Outcomes {
    pub finished: u64,
    pub errors: u64,
}

impl Outcomes {
    fn add(&mut self, other: Outcomes) {
        self.finished += other.finished;
        self.errors += other.errors;
    }
}

/// A ring of per-slot counts with the geometry of a [`Window`].
#[derive(Debug, Clone)]
struct Ring {
    width: Millis,
    head: i64,
    slots: Box<[(i64, Outcomes)]>,
}

impl Ring {
    fn new(window: Window) -> Ring {
        let (width, len) = window.geometry().expect("rolling windows have a geometry");
        Ring {
            width,
            head: i64::MIN,
            slots: vec![(i64::MIN, Outcomes::default()); len].into_boxed_slice(),
        }
    }

    fn oldest_kept(&self) -> i64 {
        self.head.saturating_sub(self.slots.len() as i64 - 1)
    }

    fn advance(&mut self, now: Millis) {
        self.head = self.head.max(now.div_euclid(self.width));
    }

    fn record(&mut self, at: Millis, outcome: Outcomes) {
        self.advance(at);
        let epoch = at.div_euclid(self.width);
        if epoch < self.oldest_kept() {
            return;
        }
        let len = self.slots.len() as i64;
        let slot = &mut self.slots[epoch.rem_euclid(len) as usize];
        if slot.0 != epoch {
            *slot = (epoch, Outcomes::default());
        }
        slot.1.add(outcome);
    }

    fn total(&self) -> Outcomes {
        self.since(self.oldest_kept())
    }

    /// The slots from epoch `oldest` on.
    fn since(&self, oldest: i64) -> Outcomes {
        let oldest_kept = self.oldest_kept().max(oldest);
        let mut total = Outcomes::default();
        for (epoch, outcomes) in self.slots.iter() {
            if *epoch >= oldest_kept {
                total.add(*outcomes);
            }
        }
        total
    }
}

/// First attempts' outcomes over 1m, 5m, 1h and all time.
#[derive(Debug, Clone)]
pub struct FirstAttempts {
    windows: [Ring; 3],
    all_time: Outcomes,
}

impl Default for FirstAttempts {
    fn default() -> Self {
        FirstAttempts {
            windows: [
                Ring::new(Window::OneMinute),
                Ring::new(Window::FiveMinutes),
                Ring::new(Window::OneHour),
            ],
            all_time: Outcomes::default(),
        }
    }
}

impl FirstAttempts {
    /// Records a first attempt that finished at `at` (window time).
    pub fn record(&mut self, at: Millis, status: Status) {
        let outcome = Outcomes {
            finished: 1,
            errors: u64::from(matches!(status, Status::Failed | Status::Timeout)),
        };
        self.all_time.add(outcome);
        for ring in &mut self.windows {
            ring.record(at, outcome);
        }
    }

    /// Ages the windows to `now`, so quiet stages empty out.
    pub fn advance(&mut self, now: Millis) {
        for ring in &mut self.windows {
            ring.advance(now);
        }
    }

    /// The last `span` (rounded up to the 5m window's 30 s slots, at most
    /// five minutes): where a burst shows before it moves a 5m rate.
    pub fn last(&self, span: Millis) -> Outcomes {
        let ring = &self.windows[1];
        let slots = (span + ring.width - 1) / ring.width;
        ring.since(ring.head.saturating_sub(slots - 1))
    }

    pub fn over(&self, window: Window) -> Outcomes {
        match window {
            Window::OneMinute => self.windows[0].total(),
            Window::FiveMinutes => self.windows[1].total(),
            Window::OneHour => self.windows[2].total(),
            Window::AllTime => self.all_time,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_count_first_attempts_and_age() {
        let outcomes = |finished, errors| Outcomes { finished, errors };
        let mut f = FirstAttempts::default();
        f.record(0, Status::Ok);
        f.record(40_000, Status::Failed);
        f.record(70_000, Status::Timeout);
        assert_eq!(f.over(Window::FiveMinutes), outcomes(3, 2));
        // 1m: slots 10 s wide, at 70 s from 10 s on.
        assert_eq!(f.over(Window::OneMinute), outcomes(2, 2));
        // The last 2 minutes: four 30 s slots. At 100 s, from 0 s on; at
        // 125 s, from 30 s on; at 155 s, from 60 s on.
        f.advance(100_000);
        assert_eq!(f.last(120_000), outcomes(3, 2));
        f.advance(125_000);
        assert_eq!(f.last(120_000), outcomes(2, 2));
        f.advance(155_000);
        assert_eq!(f.last(120_000), outcomes(1, 1));
        f.advance(400_000);
        assert_eq!(f.over(Window::FiveMinutes), outcomes(0, 0));
        assert_eq!(f.over(Window::OneHour), outcomes(3, 2));
        assert_eq!(f.over(Window::AllTime), outcomes(3, 2));
        // A slot reused a lap later starts from zero.
        f.record(400_000, Status::Ok);
        assert_eq!(f.over(Window::FiveMinutes), outcomes(1, 0));
    }
}
