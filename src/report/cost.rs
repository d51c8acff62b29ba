//! The report's `cost` section: runner time (every finished attempt's
//! duration, over all time) in total and ranked by stage, project and
//! node, the part thrown away by failures and done again by retries, the
//! executions that cost most among those still held, and money when
//! `cost.per_runner_hour` is set. See docs/analytics.md, "Cost".

use serde::Serialize;

use crate::engine::{Engine, Execution, RunnerTime, price};
use crate::protocol::Status;

/// Executions listed by cost.
pub const TOP_EXECUTIONS: usize = 10;

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct CostSection {
    /// `cost.per_runner_hour`; the money figures are there only when set.
    pub per_runner_hour: Option<f64>,
    pub total: CostRow,
    /// Most runner time first.
    pub stages: Vec<CostRow>,
    pub projects: Vec<CostRow>,
    pub nodes: Vec<CostRow>,
    /// Attempts whose stage, project or node had no row of its own left
    /// (the names' caps): their time is in `total` only.
    pub unattributed: u64,
    /// Of the executions runtop still holds (active and its finished
    /// history), the ones with most runner time.
    pub top_executions: Vec<ExecutionCost>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct CostRow {
    /// A stage, project or node; `all` for the total.
    pub name: String,
    pub attempts: u64,
    /// Runner-seconds: the attempts' durations added up.
    pub runner_s: f64,
    /// Of which attempts that did not end `ok` (work thrown away).
    pub failed_s: f64,
    /// Of which retries (attempt 2 and later).
    pub retry_s: f64,
    /// `failed_s` over `runner_s`.
    pub wasted_share: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wasted_cost: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExecutionCost {
    pub correlation_id: String,
    pub project_id: Option<String>,
    pub node: Option<String>,
    /// `None` while running.
    pub status: Option<Status>,
    pub attempts: u64,
    pub runner_s: f64,
    pub failed_s: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<f64>,
}

/// Seconds from ms, to the millisecond: a stable, readable document.
fn seconds(ms: f64) -> f64 {
    ms.round() / 1000.0
}

/// Money to the hundredth of a cent.
fn money(runner_ms: f64, per_hour: Option<f64>) -> Option<f64> {
    per_hour.map(|rate| (price(runner_ms, rate) * 10_000.0).round() / 10_000.0)
}

fn row(name: &str, t: &RunnerTime, per_hour: Option<f64>) -> CostRow {
    CostRow {
        name: name.into(),
        attempts: t.attempts,
        runner_s: seconds(t.busy_ms),
        failed_s: seconds(t.failed_ms),
        retry_s: seconds(t.retry_ms),
        wasted_share: t.wasted_share().map(crate::units::round_share),
        cost: money(t.busy_ms, per_hour),
        wasted_cost: money(t.failed_ms, per_hour),
    }
}

fn ranked<'a>(
    parts: impl Iterator<Item = (&'a str, &'a RunnerTime)>,
    per_hour: Option<f64>,
) -> Vec<CostRow> {
    let mut parts: Vec<_> = parts.collect();
    // Ties keep the order names were first seen: stable sort.
    parts.sort_by(|a, b| b.1.busy_ms.total_cmp(&a.1.busy_ms));
    parts
        .into_iter()
        .map(|(name, t)| row(name, t, per_hour))
        .collect()
}

impl CostSection {
    pub fn of(engine: &Engine, per_hour: Option<f64>) -> CostSection {
        let times = engine.runner_time();
        let store = engine.executions();
        let mut top: Vec<(&Execution, RunnerTime)> = store
            .active()
            .chain(store.finished())
            .map(|e| (e, e.runner_time()))
            .filter(|(_, t)| t.attempts > 0)
            .collect();
        top.sort_by(|a, b| {
            b.1.busy_ms
                .total_cmp(&a.1.busy_ms)
                .then_with(|| a.0.correlation_id.cmp(&b.0.correlation_id))
        });
        top.truncate(TOP_EXECUTIONS);
        CostSection {
            per_runner_hour: per_hour,
            total: row("all", times.total(), per_hour),
            stages: ranked(engine.stages().map(|(n, s)| (n, &s.runner)), per_hour),
            projects: ranked(times.projects(), per_hour),
            nodes: ranked(times.nodes(), per_hour),
            unattributed: times.overflow() + engine.stage_name_overflow(),
            top_executions: top
                .into_iter()
                .map(|(e, t)| ExecutionCost {
                    correlation_id: e.correlation_id.to_string(),
                    project_id: e.project_id.as_deref().map(str::to_string),
                    node: e.node.as_deref().map(str::to_string),
                    status: e.status,
                    attempts: t.attempts,
                    runner_s: seconds(t.busy_ms),
                    failed_s: seconds(t.failed_ms),
                    cost: money(t.busy_ms, per_hour),
                })
                .collect(),
        }
    }
}
