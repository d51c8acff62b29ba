//! What the engine is told: which clock its windows run on, the targets
//! stages are judged against, and the limits that bound its memory.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

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

/// The efficiency KPIs' targets (`[targets.kpi]`), judged by `check`. A
/// shared type: the config reads it, the engine carries it, the analyses
/// and the report judge by it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KpiTargets {
    /// Least executions finished per minute, by workflow name; a workflow
    /// not named here gets `simple_per_min` or `complex_per_min`.
    #[serde(deserialize_with = "per_workflow")]
    pub throughput_per_min: BTreeMap<String, f64>,
    /// A workflow whose tasks run one at a time.
    #[serde(deserialize_with = "non_negative")]
    pub simple_per_min: f64,
    /// A workflow whose tasks run in parallel (a task graph).
    #[serde(deserialize_with = "non_negative")]
    pub complex_per_min: f64,
    /// Least parallel efficiency of a task graph, 0 to 1.
    #[serde(deserialize_with = "fraction")]
    pub parallel_efficiency: f64,
    /// Most p95 startup time (first slot wait + container boot), ms.
    #[serde(deserialize_with = "non_negative")]
    pub startup_ms: f64,
    /// Most share of execution time spent on coordination, 0 to 1.
    #[serde(deserialize_with = "fraction")]
    pub coordination_share: f64,
    /// Most share of tasks that needed a retry, 0 to 1.
    #[serde(deserialize_with = "fraction")]
    pub retry_rate: f64,
    /// Least share of a stage's attempts that end `ok`, 0 to 1.
    #[serde(deserialize_with = "fraction")]
    pub stage_success_rate: f64,
}

impl Default for KpiTargets {
    fn default() -> Self {
        KpiTargets {
            throughput_per_min: BTreeMap::new(),
            simple_per_min: 20.0,
            complex_per_min: 5.0,
            parallel_efficiency: 0.70,
            startup_ms: 5_000.0,
            coordination_share: 0.10,
            retry_rate: 0.15,
            stage_success_rate: 0.85,
        }
    }
}

impl KpiTargets {
    /// The least throughput `workflow` should reach, by its name or shape.
    pub fn throughput(&self, workflow: &str, parallel: bool) -> f64 {
        self.throughput_per_min
            .get(workflow)
            .copied()
            .unwrap_or(if parallel {
                self.complex_per_min
            } else {
                self.simple_per_min
            })
    }
}

/// A target that is a finite number, zero or more.
fn is_non_negative(v: f64) -> bool {
    v.is_finite() && v >= 0.0
}

fn non_negative<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if is_non_negative(v) {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!(
            "must be a number, zero or more, not {v}"
        )))
    }
}

fn fraction<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(serde::de::Error::custom(format!(
            "must be a share from 0 to 1, not {v}"
        )))
    }
}

fn per_workflow<'de, D: serde::Deserializer<'de>>(d: D) -> Result<BTreeMap<String, f64>, D::Error> {
    let map = BTreeMap::<String, f64>::deserialize(d)?;
    match map.iter().find(|(_, v)| !is_non_negative(**v)) {
        Some((k, v)) => Err(serde::de::Error::custom(format!(
            "{k} must be a number, zero or more, not {v}"
        ))),
        None => Ok(map),
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
    /// What the efficiency KPIs are judged against.
    pub kpi: KpiTargets,
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
            kpi: KpiTargets::default(),
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
