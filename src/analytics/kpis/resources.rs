//! Resource efficiency: what stages' attempts used while running (the
//! `resources` of their `stage_finished`), per stage and per node, and the
//! stages that sit at saturation or far below what they are given.
//!
//! A runner reports `cpu_percent` of what the task was allotted, so 100 %
//! is a task using all it has: a stage averaging over [`SATURATED_CPU`] is
//! starved, one averaging under [`IDLE_CPU`] and never above
//! [`IDLE_PEAK_CPU`] holds far more than it uses.

use std::collections::BTreeMap;

use serde::Serialize;

use super::MIN_SAMPLES;
use crate::engine::Execution;

/// Mean CPU at or above which a stage is saturated.
pub const SATURATED_CPU: f64 = 85.0;
/// Mean CPU under which (with a peak under [`IDLE_PEAK_CPU`]) a stage is
/// over-provisioned.
pub const IDLE_CPU: f64 = 25.0;
pub const IDLE_PEAK_CPU: f64 = 50.0;

/// What the attempts of one stage, or on one node, used.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceRow {
    pub name: String,
    /// Attempts that reported their resources.
    pub attempts: u64,
    pub cpu_mean_percent: Option<f64>,
    pub cpu_peak_percent: Option<f64>,
    pub memory_mean_mb: Option<f64>,
    pub memory_peak_mb: Option<f64>,
    /// `saturated`, `over-provisioned`, or `None`: judged only with
    /// [`MIN_SAMPLES`] attempts.
    pub state: Option<&'static str>,
    /// The execution of its busiest attempt.
    pub peak_example: Option<String>,
}

/// Running sums: a mean and a peak need no samples kept.
#[derive(Debug, Default)]
struct Acc {
    attempts: u64,
    cpu: Sum,
    memory: Sum,
    /// The busiest attempt's CPU and execution.
    peak: Option<(f64, String)>,
}

#[derive(Debug, Default)]
struct Sum {
    n: usize,
    total: f64,
    max: f64,
}

impl Sum {
    fn add(&mut self, v: Option<f64>) {
        if let Some(v) = v {
            self.n += 1;
            self.total += v;
            self.max = self.max.max(v);
        }
    }

    fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.total / self.n as f64)
    }

    fn peak(&self) -> Option<f64> {
        (self.n > 0).then_some(self.max)
    }
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

impl Acc {
    fn row(self, name: &str) -> ResourceRow {
        let (cpu_mean, cpu_peak) = (self.cpu.mean(), self.cpu.peak());
        let state = match (cpu_mean, cpu_peak) {
            _ if self.cpu.n < MIN_SAMPLES => None,
            (Some(m), _) if m >= SATURATED_CPU => Some("saturated"),
            (Some(m), Some(p)) if m < IDLE_CPU && p < IDLE_PEAK_CPU => Some("over-provisioned"),
            _ => None,
        };
        ResourceRow {
            name: name.to_string(),
            attempts: self.attempts,
            cpu_mean_percent: cpu_mean.map(round1),
            cpu_peak_percent: cpu_peak.map(round1),
            memory_mean_mb: self.memory.mean().map(round1),
            memory_peak_mb: self.memory.peak().map(round1),
            state,
            peak_example: self.peak.map(|(_, cid)| cid),
        }
    }
}

/// Per stage and per node, keyed by the engine's names (an owned key per
/// attempt was an allocation each).
#[derive(Debug, Default)]
pub struct Usage<'e> {
    stages: BTreeMap<&'e str, Acc>,
    nodes: BTreeMap<&'e str, Acc>,
}

impl<'e> Usage<'e> {
    pub fn add(&mut self, e: &'e Execution) {
        for task in &e.tasks {
            for a in &task.attempts {
                let Some(r) = a.resources else { continue };
                let cpu = r.cpu_percent.filter(|c| c.is_finite() && *c >= 0.0);
                let memory = r.memory_mb.filter(|m| m.is_finite() && *m >= 0.0);
                if cpu.is_none() && memory.is_none() {
                    continue;
                }
                let node = e.node.as_deref().map(|n| (&mut self.nodes, n));
                for (table, name) in std::iter::once((&mut self.stages, &*task.stage)).chain(node) {
                    let acc = table.entry(name).or_default();
                    acc.attempts += 1;
                    acc.cpu.add(cpu);
                    acc.memory.add(memory);
                    if let Some(c) = cpu
                        && acc.peak.as_ref().is_none_or(|(p, _)| c > *p)
                    {
                        acc.peak = Some((c, e.correlation_id.to_string()));
                    }
                }
            }
        }
    }

    pub fn rows(self) -> (Vec<ResourceRow>, Vec<ResourceRow>) {
        let rows = |t: BTreeMap<&str, Acc>| t.into_iter().map(|(n, a)| a.row(n)).collect();
        (rows(self.stages), rows(self.nodes))
    }
}
