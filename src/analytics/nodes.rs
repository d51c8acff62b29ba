//! Runner nodes side by side: each node's load from its `resource_sample`s,
//! the executions it ran and how they ended, each stage's p50 and p95 on
//! it, and for each stage the node where it is slowest. A stage slow on one
//! node only is a node problem, not a stage problem.

use std::collections::BTreeMap;

use super::stats::quantile;
use crate::engine::{Engine, Window};
use crate::protocol::Status;

/// Attempts a stage needs on a node before its p95 there is compared.
pub const MIN_STAGE_SAMPLES: usize = 5;

/// One stage on one node.
#[derive(Debug, Clone, PartialEq)]
pub struct StageOnNode {
    pub attempts: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
}

/// One runner node.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NodeSummary {
    pub node: String,
    /// The latest sample, and the p95 of CPU over the last 5 minutes.
    pub cpu_percent: Option<f64>,
    pub cpu_p95_5m: Option<f64>,
    pub memory_mb: Option<f64>,
    pub memory_percent: Option<f64>,
    pub executions: usize,
    pub running: usize,
    pub finished: usize,
    pub succeeded: usize,
    pub stages: BTreeMap<String, StageOnNode>,
}

impl NodeSummary {
    /// Finished executions that ended ok, if any finished.
    pub fn success_rate(&self) -> Option<f64> {
        (self.finished > 0).then(|| self.succeeded as f64 / self.finished as f64)
    }
}

/// Every node, by name, and for each stage the node where its p95 is
/// highest (among nodes with [`MIN_STAGE_SAMPLES`] attempts of it, when at
/// least two have).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Nodes {
    pub nodes: Vec<NodeSummary>,
    pub slowest: BTreeMap<String, String>,
}

pub fn nodes(engine: &Engine) -> Nodes {
    let mut by_node: BTreeMap<String, NodeSummary> = BTreeMap::new();
    for (name, load) in engine.nodes() {
        let n = by_node.entry(name.to_string()).or_default();
        n.cpu_percent = Some(load.cpu_percent);
        n.memory_mb = Some(load.memory_mb);
        n.memory_percent = load.memory_percent;
        let cpu = load.cpu.snapshot(Window::FiveMinutes);
        n.cpu_p95_5m = (cpu.count > 0).then_some(cpu.p95);
    }
    // Keyed by the engine's names: an owned pair per attempt was two
    // allocations each.
    let mut durations: BTreeMap<(&str, &str), Vec<f64>> = BTreeMap::new();
    let store = engine.executions();
    for e in store.active().chain(store.finished()) {
        let Some(node) = e.node.as_deref() else {
            continue;
        };
        let n = by_node.entry(node.to_string()).or_default();
        n.executions += 1;
        match e.status {
            Some(status) => {
                n.finished += 1;
                n.succeeded += usize::from(status == Status::Ok);
            }
            None if e.is_active() => n.running += 1,
            None => {}
        }
        for task in &e.tasks {
            for a in &task.attempts {
                if let (Some(ms), Some(Status::Ok)) = (a.duration_ms, a.status) {
                    durations.entry((node, &task.stage)).or_default().push(ms);
                }
            }
        }
    }
    let mut worst: BTreeMap<String, Vec<(f64, String)>> = BTreeMap::new();
    for ((node, stage), mut values) in durations {
        values.sort_by(f64::total_cmp);
        let (Some(p50), Some(p95)) = (quantile(&values, 0.5), quantile(&values, 0.95)) else {
            continue;
        };
        if values.len() >= MIN_STAGE_SAMPLES {
            worst
                .entry(stage.to_string())
                .or_default()
                .push((p95, node.to_string()));
        }
        if let Some(n) = by_node.get_mut(node) {
            n.stages.insert(
                stage.to_string(),
                StageOnNode {
                    attempts: values.len(),
                    p50_ms: p50,
                    p95_ms: p95,
                },
            );
        }
    }
    let slowest = worst
        .into_iter()
        .filter(|(_, nodes)| nodes.len() >= 2)
        .filter_map(|(stage, nodes)| {
            nodes
                .into_iter()
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, node)| (stage, node))
        })
        .collect();
    Nodes {
        nodes: by_node
            .into_iter()
            .map(|(node, mut s)| {
                s.node = node;
                s
            })
            .collect(),
        slowest,
    }
}
