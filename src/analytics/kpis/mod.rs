//! Efficiency KPIs of the finished executions the engine holds: throughput
//! and parallel efficiency per workflow, startup time, dependency wait,
//! coordination share, retries, and resource efficiency per stage and node;
//! each with its evidence (counts, example executions) and, where
//! `[targets.kpi]` sets one, the target `check` judges it by
//! ([`requirements`]). A figure with too little behind it is withheld
//! (`None`), never shown as a pass. docs/analytics.md says how each is
//! computed.

mod resources;
pub mod shape;

pub use resources::{IDLE_CPU, IDLE_PEAK_CPU, ResourceRow, SATURATED_CPU};

use std::collections::BTreeMap;

use serde::Serialize;

use super::recommend::Recommendation;
use super::stats::quantile;
use crate::engine::{Engine, KpiTargets};
use crate::protocol::time::format_rfc3339;
use crate::units::{human_ms, round_ms as ms, round_share as share};
use shape::Shape;

/// Samples a figure needs before it is shown and judged.
pub const MIN_SAMPLES: usize = 10;
/// Tasks the retry rate needs.
pub const MIN_TASKS: usize = 20;
/// A workflow whose executions' median first wait for a slot is this long
/// had a backlog: its throughput measures the runner, not the demand.
pub const BACKLOG_MS: f64 = 1_000.0;
/// Example executions per figure.
const EXAMPLES: usize = 3;

/// A duration's spread over executions (or tasks), with the worst ones.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spread {
    pub count: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
    /// The executions of the longest.
    pub examples: Vec<String>,
}

impl Spread {
    fn of(mut samples: Vec<(f64, &str)>) -> Option<Spread> {
        if samples.len() < MIN_SAMPLES {
            return None;
        }
        samples.sort_by(|a, b| a.0.total_cmp(&b.0));
        let sorted: Vec<f64> = samples.iter().map(|s| s.0).collect();
        Some(Spread {
            count: sorted.len(),
            p50_ms: ms(quantile(&sorted, 0.50)?),
            p95_ms: ms(quantile(&sorted, 0.95)?),
            max_ms: ms(*sorted.last()?),
            examples: examples(samples.iter().rev().map(|s| s.1)),
        })
    }
}

fn examples<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in ids {
        if out.len() == EXAMPLES {
            break;
        }
        if !out.iter().any(|x| x == id) {
            out.push(id.to_string());
        }
    }
    out
}

/// One workflow's throughput and, for a task graph, its parallel
/// efficiency.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkflowKpi {
    /// Its `workflow` name, or `(none)`.
    pub workflow: String,
    /// Whether any of its executions ran tasks in parallel (a task graph).
    pub parallel: bool,
    pub executions: usize,
    pub tasks: usize,
    pub per_min: f64,
    pub tasks_per_min: f64,
    /// The throughput target, judged only when `backlog`.
    pub target_per_min: f64,
    /// Median first wait for a slot, and whether it reached [`BACKLOG_MS`].
    pub queue_p50_ms: Option<f64>,
    pub backlog: bool,
    /// Most tasks its executions ran at once.
    pub parallelism: usize,
    /// Σ busy work / Σ (wall time × parallelism used) over its executions
    /// that ran tasks in parallel; `None` below [`MIN_SAMPLES`] of them.
    pub parallel_efficiency: Option<f64>,
    pub efficiency_executions: usize,
    /// The least efficient of those executions.
    pub examples: Vec<String>,
}

/// Coordination overhead as a share of execution time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoordinationShare {
    /// Executions that reported both.
    pub executions: usize,
    pub overhead_ms: f64,
    pub duration_ms: f64,
    pub share: f64,
}

/// Tasks that needed more than one attempt, and how those ended.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Retries {
    pub tasks: usize,
    pub retried: usize,
    pub rate: f64,
    /// Retried tasks whose last attempt ended ok.
    pub recovered: usize,
    pub success_rate: Option<f64>,
    pub examples: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Kpis {
    /// Finished executions analysed (the engine's history), and the time
    /// they cover: first event to last finish.
    pub executions: usize,
    pub from: Option<String>,
    pub to: Option<String>,
    pub minutes: Option<f64>,
    pub workflows: Vec<WorkflowKpi>,
    /// Per task: its first attempt's wait for a slot, plus the container
    /// boot for an execution's first task.
    pub startup: Option<Spread>,
    /// Executions whose first task's startup includes a reported boot.
    pub startup_with_boot: usize,
    /// Per task with dependencies: from the last one's finish to its start.
    pub dependency_wait: Option<Spread>,
    pub coordination: Option<CoordinationShare>,
    pub retries: Option<Retries>,
    pub stage_resources: Vec<ResourceRow>,
    pub node_resources: Vec<ResourceRow>,
    /// What they are judged against.
    pub targets: KpiTargets,
}

#[derive(Default)]
struct WorkflowAcc<'e> {
    executions: usize,
    tasks: usize,
    queues: Vec<f64>,
    parallelism: usize,
    work: f64,
    capacity: f64,
    graphs: Vec<(f64, &'e str)>,
}

pub fn kpis(engine: &Engine) -> Kpis {
    let mut k = Kpis {
        targets: engine.config().kpi.clone(),
        ..Kpis::default()
    };
    let mut workflows: BTreeMap<&str, WorkflowAcc> = BTreeMap::new();
    let (mut startups, mut waits) = (Vec::new(), Vec::new());
    let (mut overhead, mut duration, mut coordinated) = (0.0, 0.0, 0);
    let (mut tasks, mut retried, mut recovered) = (0, 0, 0);
    let mut retried_in = Vec::new();
    let mut usage = resources::Usage::default();
    let (mut from, mut to) = (i64::MAX, i64::MIN);
    for e in engine
        .executions()
        .finished()
        .filter(|e| e.status.is_some())
    {
        k.executions += 1;
        from = from.min(e.first_event_at);
        to = to.max(e.finished_at.unwrap_or(e.last_event_at));
        let cid = &*e.correlation_id;
        let s = Shape::of(e);
        let w = workflows
            .entry(e.workflow.as_deref().unwrap_or("(none)"))
            .or_default();
        w.executions += 1;
        w.tasks += s.tasks;
        w.parallelism = w.parallelism.max(s.parallelism);
        startups.extend(s.startups.iter().map(|&t| (t, cid)));
        if let Some(queue) = s.queue_ms {
            k.startup_with_boot += usize::from(s.boot_ms.is_some());
            w.queues.push(queue);
        }
        if let Some(eff) = s.efficiency().filter(|_| s.parallelism > 1) {
            w.work += s.work_ms;
            w.capacity += s.wall_ms * s.parallelism as f64;
            w.graphs.push((eff, cid));
        }
        waits.extend(s.dependency_waits.iter().map(|&w| (w, cid)));
        if let (Some(c), Some(d)) = (s.coordination_ms, s.duration_ms) {
            overhead += c;
            duration += d;
            coordinated += 1;
        }
        tasks += s.tasks;
        retried += s.retried;
        recovered += s.recovered;
        if s.retried > 0 {
            retried_in.push(cid);
        }
        usage.add(e);
    }
    let minutes = (to > from).then(|| (to - from) as f64 / 60_000.0);
    if let Some(m) = minutes {
        k.from = Some(format_rfc3339(from));
        k.to = Some(format_rfc3339(to));
        k.minutes = Some((m * 100.0).round() / 100.0);
    }
    k.workflows = workflows
        .into_iter()
        .map(|(name, mut w)| {
            w.queues.sort_by(f64::total_cmp);
            let queue_p50_ms = quantile(&w.queues, 0.5).map(ms);
            let per = |n: usize| minutes.map_or(0.0, |m| (n as f64 / m * 100.0).round() / 100.0);
            w.graphs.sort_by(|a, b| a.0.total_cmp(&b.0));
            let parallel = w.parallelism > 1;
            WorkflowKpi {
                workflow: name.to_string(),
                parallel,
                executions: w.executions,
                tasks: w.tasks,
                per_min: per(w.executions),
                tasks_per_min: per(w.tasks),
                target_per_min: k.targets.throughput(name, parallel),
                queue_p50_ms,
                backlog: queue_p50_ms.is_some_and(|q| q >= BACKLOG_MS),
                parallelism: w.parallelism,
                parallel_efficiency: (w.graphs.len() >= MIN_SAMPLES && w.capacity > 0.0)
                    .then(|| share(w.work / w.capacity)),
                efficiency_executions: w.graphs.len(),
                examples: examples(w.graphs.iter().map(|g| g.1)),
            }
        })
        .collect();
    k.startup = Spread::of(startups);
    k.dependency_wait = Spread::of(waits);
    k.coordination = (coordinated >= MIN_SAMPLES && duration > 0.0).then(|| CoordinationShare {
        executions: coordinated,
        overhead_ms: ms(overhead),
        duration_ms: ms(duration),
        share: share(overhead / duration),
    });
    k.retries = (tasks >= MIN_TASKS).then(|| Retries {
        tasks,
        retried,
        rate: share(retried as f64 / tasks as f64),
        recovered,
        success_rate: (retried > 0).then(|| share(recovered as f64 / retried as f64)),
        examples: examples(retried_in.into_iter()),
    });
    (k.stage_resources, k.node_resources) = usage.rows();
    k
}

impl Kpis {
    /// Recommendations from the KPIs: stages starved of CPU or holding far
    /// more than they use, and task graphs that leave their parallelism
    /// idle; each with its figures.
    pub fn recommendations(&self) -> Vec<Recommendation> {
        let mut out = Vec::new();
        for r in &self.stage_resources {
            let (Some(mean), Some(peak)) = (r.cpu_mean_percent, r.cpu_peak_percent) else {
                continue;
            };
            let action = match r.state {
                Some("saturated") => format!("give {} more CPU, or split its work", r.name),
                Some(_) => format!("lower {}'s CPU allocation", r.name),
                None => continue,
            };
            out.push(Recommendation {
                action,
                because: format!(
                    "its attempts use {mean:.0}% of their CPU on average, {peak:.0}% at peak, over {} attempts",
                    r.attempts
                ),
                about: format!("resources {}", r.name),
            });
        }
        for w in &self.workflows {
            if let Some(eff) = w
                .parallel_efficiency
                .filter(|e| *e < self.targets.parallel_efficiency)
            {
                out.push(Recommendation {
                    action: format!(
                        "rebalance the {} task graph: its parallel branches wait on each other",
                        w.workflow
                    ),
                    because: format!(
                        "parallel efficiency {:.0}% over {} executions (target {:.0}%), up to {} tasks at once",
                        eff * 100.0,
                        w.efficiency_executions,
                        self.targets.parallel_efficiency * 100.0,
                        w.parallelism
                    ),
                    about: format!("efficiency {}", w.workflow),
                });
            }
        }
        if let Some(s) = self
            .startup
            .as_ref()
            .filter(|s| s.p95_ms > self.targets.startup_ms)
        {
            out.push(Recommendation {
                action: "shorten startup: more slots, or warm containers".into(),
                because: format!(
                    "p95 task startup {} over {} tasks (target {})",
                    human_ms(s.p95_ms),
                    s.count,
                    human_ms(self.targets.startup_ms)
                ),
                about: "startup".into(),
            });
        }
        out
    }
}
