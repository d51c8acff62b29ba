//! Runner time: how long runners were kept busy, from every finished
//! attempt's duration, over all time (not only the executions the store
//! still holds), in total and per project and node (per stage it is in the
//! stage's own statistics, [`super::StageStats::runner`]); and the part of
//! it thrown away, by attempts that did not end `ok` and by retries. Money
//! is this times `cost.per_runner_hour` ([`price`]), applied where shown.

use serde::Serialize;

use super::names::NameTable;
use crate::protocol::Status;

/// Most projects and nodes whose runner time is kept apart; past it, their
/// time still counts in the total ([`RunnerTimes::overflow`] says so).
pub const MAX_COST_NAMES: usize = 1_024;

/// What `runner_ms` of runner time costs at `per_runner_hour`.
pub fn price(runner_ms: f64, per_runner_hour: f64) -> f64 {
    runner_ms / 3_600_000.0 * per_runner_hour
}

/// Runner time of a set of attempts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct RunnerTime {
    /// Finished attempts counted.
    pub attempts: u64,
    /// Their durations added up.
    pub busy_ms: f64,
    /// Of which attempts that ended failed, timed out or cancelled: work
    /// whose result was thrown away.
    pub failed_ms: f64,
    /// Of which retries (attempt 2 and later), whatever their outcome:
    /// work done again.
    pub retry_ms: f64,
}

impl RunnerTime {
    /// The runner time one attempt of `duration_ms` counts for. A finish's
    /// own `duration_ms` is untrusted: a negative or non-finite one would
    /// make every sum meaningless, so it counts as none.
    pub fn of_attempt(duration_ms: f64) -> f64 {
        if duration_ms.is_finite() {
            duration_ms.max(0.0)
        } else {
            0.0
        }
    }

    /// Counts one finished attempt.
    pub fn add(&mut self, duration_ms: f64, status: Status, attempt: u32) {
        let d = Self::of_attempt(duration_ms);
        self.attempts += 1;
        self.busy_ms += d;
        if status != Status::Ok {
            self.failed_ms += d;
        }
        if attempt > 1 {
            self.retry_ms += d;
        }
    }

    /// Share of the busy time thrown away (`failed_ms`: a retry redoes
    /// that work, so retries are not counted again), once there is any.
    pub fn wasted_share(&self) -> Option<f64> {
        (self.busy_ms > 0.0).then(|| self.failed_ms / self.busy_ms)
    }
}

/// Runner time over all time, whole and by project and node.
#[derive(Debug, Clone)]
pub struct RunnerTimes {
    total: RunnerTime,
    projects: NameTable<RunnerTime>,
    nodes: NameTable<RunnerTime>,
}

impl Default for RunnerTimes {
    fn default() -> Self {
        RunnerTimes {
            total: RunnerTime::default(),
            projects: NameTable::new(MAX_COST_NAMES),
            nodes: NameTable::new(MAX_COST_NAMES),
        }
    }
}

impl RunnerTimes {
    /// One finished attempt, in `project` on `node` when known.
    pub fn record(
        &mut self,
        project: Option<&str>,
        node: Option<&str>,
        duration_ms: f64,
        status: Status,
        attempt: u32,
    ) {
        self.total.add(duration_ms, status, attempt);
        for (table, name) in [(&mut self.projects, project), (&mut self.nodes, node)] {
            if let Some(t) = name.and_then(|n| table.entry(n, RunnerTime::default)) {
                t.add(duration_ms, status, attempt);
            }
        }
    }

    pub fn total(&self) -> &RunnerTime {
        &self.total
    }

    pub fn projects(&self) -> impl Iterator<Item = (&str, &RunnerTime)> {
        self.projects.iter()
    }

    pub fn nodes(&self) -> impl Iterator<Item = (&str, &RunnerTime)> {
        self.nodes.iter()
    }

    /// Attempts whose project or node found no room of its own (their
    /// time is in the total only).
    pub fn overflow(&self) -> u64 {
        self.projects.overflow() + self.nodes.overflow()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adds_up_busy_failed_and_retried_time_per_part() {
        let mut t = RunnerTimes::default();
        t.record(Some("p"), Some("n1"), 1_000.0, Status::Failed, 1);
        t.record(Some("p"), Some("n1"), 1_500.0, Status::Ok, 2);
        t.record(None, Some("n2"), 500.0, Status::Ok, 1);
        t.record(None, None, f64::NAN, Status::Ok, 1);
        t.record(None, None, -5.0, Status::Timeout, 1);
        let total = t.total();
        assert_eq!(total.attempts, 5);
        assert_eq!(total.busy_ms, 3_000.0);
        assert_eq!(total.failed_ms, 1_000.0);
        assert_eq!(total.retry_ms, 1_500.0);
        assert_eq!(total.wasted_share(), Some(1.0 / 3.0));
        let projects: Vec<_> = t.projects().map(|(n, r)| (n, r.attempts)).collect();
        assert_eq!(projects, [("p", 2)]);
        let nodes: Vec<_> = t.nodes().map(|(n, r)| (n, r.busy_ms)).collect();
        assert_eq!(nodes, [("n1", 2_500.0), ("n2", 500.0)]);
        assert_eq!(RunnerTime::default().wasted_share(), None);
    }

    #[test]
    fn names_past_the_cap_count_in_the_total_only() {
        let mut t = RunnerTimes::default();
        for i in 0..=MAX_COST_NAMES {
            t.record(None, Some(&format!("n{i}")), 10.0, Status::Ok, 1);
        }
        assert_eq!(t.total().busy_ms, 10.0 * (MAX_COST_NAMES + 1) as f64);
        assert_eq!(t.nodes().count(), MAX_COST_NAMES);
        assert_eq!(t.overflow(), 1);
    }
}
