//! Temporal patterns: failure bursts (`bursts`), starts and failures by
//! hour of day and day of week (from the engine's calendar, the whole
//! stream), and a periodic load (`periodicity`).

pub mod bursts;
pub mod periodicity;

use serde::Serialize;

use crate::engine::Engine;
use crate::engine::calendar::Tally;
use crate::units::round_share;
pub use bursts::Burst;
pub use periodicity::Periodicity;

/// Days a recording must span before its days of the week are compared.
pub const WEEKDAYS_AFTER_DAYS: i64 = 7;
const WEEKDAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Temporal {
    pub bursts: Vec<Burst>,
    /// Hours of the day (UTC) with any start or failure.
    pub by_hour: Vec<CalendarRow>,
    /// Days of the week (UTC), once the stream spans a week; empty before.
    pub by_weekday: Vec<CalendarRow>,
    pub periodicity: Periodicity,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalendarRow {
    /// `00`–`23`, or `Mon`–`Sun`.
    pub when: String,
    pub started: u64,
    /// Executions that ended failed or timed out in that hour or day.
    pub failed: u64,
    /// Failed against started (none without a start).
    pub failure_rate: Option<f64>,
}

fn row(when: String, t: &Tally) -> CalendarRow {
    CalendarRow {
        when,
        started: t.started,
        failed: t.failed,
        failure_rate: (t.started > 0).then(|| round_share(t.failed as f64 / t.started as f64)),
    }
}

pub fn temporal(engine: &Engine) -> Temporal {
    let calendar = engine.calendar();
    let by_hour = calendar
        .by_hour()
        .iter()
        .enumerate()
        .filter(|(_, t)| t.started + t.failed > 0)
        .map(|(h, t)| row(format!("{h:02}"), t))
        .collect();
    let week = calendar
        .span()
        .is_some_and(|(from, to)| to - from >= WEEKDAYS_AFTER_DAYS * 24 * 3_600_000);
    let by_weekday = if week {
        calendar
            .by_weekday()
            .iter()
            .zip(WEEKDAY_NAMES)
            .map(|(t, name)| row(name.to_string(), t))
            .collect()
    } else {
        Vec::new()
    };
    Temporal {
        bursts: bursts::bursts(engine),
        by_hour,
        by_weekday,
        periodicity: periodicity::periodicity(&calendar.starts_per_minute()),
    }
}
