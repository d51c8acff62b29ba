//! What the engine is told: which clock its windows run on, the targets
//! stages are judged against, and the limits that bound its memory.

use serde::Serialize;

use super::store::StoreLimits;
use crate::protocol::Millis;

/// Which time a rolling window is keyed on.
///
/// Replaying a file runs on **event time**: windows follow the events' own
/// `ts`, so a one-hour recording read in one second still shows one hour of
/// history. Live sources run on **arrival time**: windows follow the receive
/// time, so a runner with a skewed clock cannot push its events out of (or
/// into) the current window, and windows drain when the runner goes quiet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowClock {
    EventTime,
    ArrivalTime,
}

/// Duration targets per stage name, in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Targets {
    stages: Vec<(String, f64)>,
    /// Metric targets: a metric's p95 should stay at or below.
    metrics: Vec<(String, f64)>,
}

impl Default for Targets {
    /// The protocol's defaults: prep 2 s, implement 30 s, verify 60 s.
    fn default() -> Self {
        Targets {
            stages: vec![
                ("prep".into(), 2_000.0),
                ("implement".into(), 30_000.0),
                ("verify".into(), 60_000.0),
            ],
            metrics: Vec::new(),
        }
    }
}

impl Targets {
    /// No targets at all (a config then sets them).
    pub fn empty() -> Self {
        Targets {
            stages: Vec::new(),
            metrics: Vec::new(),
        }
    }

    pub fn stage(&self, name: &str) -> Option<f64> {
        self.stages.iter().find(|(n, _)| n == name).map(|&(_, t)| t)
    }

    /// Sets (or replaces) the target of `name`.
    pub fn set_stage(&mut self, name: &str, target_ms: f64) {
        match self.stages.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 = target_ms,
            None => self.stages.push((name.into(), target_ms)),
        }
    }

    pub fn metric(&self, name: &str) -> Option<f64> {
        self.metrics
            .iter()
            .find(|(n, _)| n == name)
            .map(|&(_, t)| t)
    }

    /// Sets (or replaces) the target of metric `name`.
    pub fn set_metric(&mut self, name: &str, target: f64) {
        match self.metrics.iter_mut().find(|(n, _)| n == name) {
            Some(entry) => entry.1 = target,
            None => self.metrics.push((name.into(), target)),
        }
    }

    pub fn stages(&self) -> impl Iterator<Item = (&str, f64)> {
        self.stages.iter().map(|(n, t)| (n.as_str(), *t))
    }
}

/// Caps that bound the engine's memory whatever a source sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_stage_names: usize,
    pub max_metric_names: usize,
    pub max_nodes: usize,
    /// How many recent `event_id`s are remembered to drop duplicates.
    pub recent_event_ids: usize,
    /// How many recent log lines are kept across all executions.
    pub recent_logs: usize,
    pub store: StoreLimits,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_stage_names: 256,
            max_metric_names: 256,
            max_nodes: 256,
            recent_event_ids: 100_000,
            recent_logs: 1_000,
            store: StoreLimits::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    pub window_clock: WindowClock,
    pub targets: Targets,
    pub limits: Limits,
    /// An active execution with no event for this long is abandoned.
    pub stale_after_ms: Millis,
    /// Events further than this from the reference time (see
    /// [`super::Engine::ingest`]) are out of range.
    pub max_clock_skew_ms: Millis,
}

impl EngineConfig {
    /// For replaying recorded files: windows on event time.
    pub fn replay() -> Self {
        EngineConfig {
            window_clock: WindowClock::EventTime,
            targets: Targets::default(),
            limits: Limits::default(),
            stale_after_ms: 3_600_000,
            max_clock_skew_ms: 86_400_000,
        }
    }

    /// For live sources: windows on arrival time, delivery lag measured.
    pub fn live() -> Self {
        EngineConfig {
            window_clock: WindowClock::ArrivalTime,
            ..Self::replay()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_targets_are_the_protocol_ones() {
        let mut t = Targets::default();
        assert_eq!(t.stage("prep"), Some(2_000.0));
        assert_eq!(t.stage("implement"), Some(30_000.0));
        assert_eq!(t.stage("verify"), Some(60_000.0));
        assert_eq!(t.stage("deploy"), None);
        t.set_stage("deploy", 5_000.0);
        t.set_stage("prep", 1_000.0);
        assert_eq!(
            (t.stage("deploy"), t.stage("prep")),
            (Some(5_000.0), Some(1_000.0))
        );
    }
}
