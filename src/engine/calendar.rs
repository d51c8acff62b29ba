//! When executions start and fail, on the calendar: counts by hour of day
//! and day of week (UTC, from the events' own times), and starts per minute
//! for the last week. Kept as events arrive, for the whole stream: the
//! held history of finished executions is bounded, and a week's pattern by
//! hour needs every day of it.

use serde::Serialize;

use crate::protocol::Millis;

const MINUTE_MS: Millis = 60_000;
const HOUR_MS: Millis = 60 * MINUTE_MS;
const DAY_MS: Millis = 24 * HOUR_MS;
/// Starts per minute kept for the periodicity analysis: a week.
pub const MINUTES_KEPT: usize = 7 * 24 * 60;

/// Executions started and failed in one calendar bin.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub started: u64,
    /// Finished failed or timed out (counted in the bin of their end).
    pub failed: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Calendar {
    by_hour: [Tally; 24],
    /// Monday first.
    by_weekday: [Tally; 7],
    /// Starts per minute, the minute `first_minute` first, at most
    /// [`MINUTES_KEPT`].
    minutes: std::collections::VecDeque<u32>,
    first_minute: i64,
    /// Earliest and latest time counted.
    span: Option<(Millis, Millis)>,
}

impl Calendar {
    pub fn started(&mut self, at: Millis) {
        self.note(at);
        self.by_hour[hour_of_day(at)].started += 1;
        self.by_weekday[weekday(at)].started += 1;
        self.count_minute(at);
    }

    pub fn failed(&mut self, at: Millis) {
        self.note(at);
        self.by_hour[hour_of_day(at)].failed += 1;
        self.by_weekday[weekday(at)].failed += 1;
    }

    pub fn by_hour(&self) -> &[Tally; 24] {
        &self.by_hour
    }

    pub fn by_weekday(&self) -> &[Tally; 7] {
        &self.by_weekday
    }

    /// From the first start counted to the last event counted.
    pub fn span(&self) -> Option<(Millis, Millis)> {
        self.span
    }

    /// Starts per minute, oldest first, from the first minute kept to the
    /// latest time counted (minutes with none are zeros).
    pub fn starts_per_minute(&self) -> Vec<u32> {
        let mut series: Vec<u32> = self.minutes.iter().copied().collect();
        if let Some((_, last)) = self.span {
            let through = last.div_euclid(MINUTE_MS) - self.first_minute + 1;
            let through = usize::try_from(through).unwrap_or(0).min(MINUTES_KEPT);
            if series.len() < through && !series.is_empty() {
                series.resize(through, 0);
            }
        }
        series
    }

    fn note(&mut self, at: Millis) {
        self.span = Some(match self.span {
            Some((from, to)) => (from.min(at), to.max(at)),
            None => (at, at),
        });
    }

    fn count_minute(&mut self, at: Millis) {
        let minute = at.div_euclid(MINUTE_MS);
        if self.minutes.is_empty() {
            self.first_minute = minute;
        }
        // A start older than what is kept is in the calendar counts only.
        let Ok(offset) = usize::try_from(minute - self.first_minute) else {
            // Earlier than the first minute kept: grow backwards while the
            // series stays within a week (events arrive a little out of order).
            let back = usize::try_from(self.first_minute - minute).unwrap_or(usize::MAX);
            if self.minutes.len().saturating_add(back) <= MINUTES_KEPT {
                for _ in 0..back {
                    self.minutes.push_front(0);
                }
                self.first_minute = minute;
                self.minutes[0] += 1;
            }
            return;
        };
        if offset >= self.minutes.len() {
            self.minutes.resize(offset + 1, 0);
        }
        self.minutes[offset] += 1;
        while self.minutes.len() > MINUTES_KEPT {
            self.minutes.pop_front();
            self.first_minute += 1;
        }
    }
}

/// The hour of day (UTC) of a time.
pub fn hour_of_day(at: Millis) -> usize {
    (at.rem_euclid(DAY_MS) / HOUR_MS) as usize
}

/// The day of week (UTC), Monday 0. 1970-01-01 was a Thursday.
pub fn weekday(at: Millis) -> usize {
    ((at.div_euclid(DAY_MS) + 3).rem_euclid(7)) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_and_weekdays_are_utc() {
        // 2026-11-22T10:30:00Z, a Sunday.
        let at = crate::protocol::time::parse_rfc3339("2026-11-22T10:30:00Z").unwrap();
        assert_eq!(hour_of_day(at), 10);
        assert_eq!(weekday(at), 6);
    }

    #[test]
    fn starts_per_minute_fill_the_gaps_and_keep_a_week() {
        let mut c = Calendar::default();
        c.started(0);
        c.started(30_000);
        c.started(3 * MINUTE_MS);
        c.failed(5 * MINUTE_MS);
        assert_eq!(c.starts_per_minute(), [2, 0, 0, 1, 0, 0]);
        // A start a little earlier than the first grows the series back.
        c.started(-MINUTE_MS);
        assert_eq!(c.starts_per_minute(), [1, 2, 0, 0, 1, 0, 0]);
        c.started(10 * DAY_MS);
        assert_eq!(c.starts_per_minute().len(), MINUTES_KEPT);
        assert_eq!(
            c.by_hour()[0],
            Tally {
                started: 4,
                failed: 1
            }
        );
    }
}
