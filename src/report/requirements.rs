//! The requirements a report is judged against, from the protocol's default
//! targets: each stage's p95 within its target (and each metric's, where the
//! config gives one), executions' error rate at
//! most 5 %, autonomous completion at least 80 %. A requirement with nothing
//! to judge yet (no finished stage, no execution that said) is left out
//! rather than passed or failed.

use serde::Serialize;

use super::Report;
use crate::analytics::kpis::{Kpis, MIN_SAMPLES, MIN_TASKS};
use crate::engine::KpiTargets;

/// Most failed-or-timed-out share of finished executions.
pub const MAX_ERROR_RATE: f64 = 0.05;
/// Least share of finished executions completed without human help.
pub const MIN_AUTONOMOUS_RATE: f64 = 0.80;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Requirement {
    /// e.g. `stage.prep.p95_ms`, `executions.error_rate`.
    pub name: String,
    pub actual: f64,
    /// `<=` or `>=`.
    pub op: &'static str,
    pub threshold: f64,
    pub met: bool,
}

fn at_most(name: String, actual: f64, threshold: f64) -> Requirement {
    Requirement {
        name,
        actual,
        op: "<=",
        threshold,
        met: actual <= threshold,
    }
}

fn at_least(name: String, actual: f64, threshold: f64) -> Requirement {
    Requirement {
        name,
        actual,
        op: ">=",
        threshold,
        met: actual >= threshold,
    }
}

pub fn evaluate(report: &Report, kpi: &KpiTargets) -> Vec<Requirement> {
    let mut out = Vec::new();
    for stage in &report.stages {
        if let Some(target) = stage.target_ms.filter(|_| stage.count > 0) {
            out.push(at_most(
                format!("stage.{}.p95_ms", stage.stage),
                stage.p95_ms,
                target,
            ));
        }
    }
    for stage in &report.stages {
        if let Some(rate) = stage
            .success_rate
            .filter(|_| stage.count >= MIN_TASKS as u64)
        {
            out.push(at_least(
                format!("stage.{}.success_rate", stage.stage),
                rate,
                kpi.stage_success_rate,
            ));
        }
    }
    for metric in &report.metrics {
        if let Some(target) = metric.target.filter(|_| metric.count > 0) {
            out.push(at_most(
                format!("metric.{}.p95", metric.name),
                metric.p95,
                target,
            ));
        }
    }
    let ex = &report.executions;
    if ex.finished > 0 {
        let errors = (ex.failed + ex.timeout) as f64 / ex.finished as f64;
        out.push(at_most(
            "executions.error_rate".into(),
            crate::units::round_share(errors),
            MAX_ERROR_RATE,
        ));
    }
    if let Some(rate) = ex.autonomous_rate {
        out.push(at_least(
            "executions.autonomous_rate".into(),
            rate,
            MIN_AUTONOMOUS_RATE,
        ));
    }
    out
}

/// The efficiency KPIs against their targets; a KPI withheld for lack of
/// data is left out. Throughput is judged only for a workflow that had a
/// backlog: without one it measures how much work came, not how fast the
/// runner did it.
pub fn kpis(k: &Kpis) -> Vec<Requirement> {
    let t = &k.targets;
    let mut out = Vec::new();
    for w in &k.workflows {
        if w.backlog && w.executions >= MIN_SAMPLES {
            out.push(at_least(
                format!("workflow.{}.per_min", w.workflow),
                w.per_min,
                w.target_per_min,
            ));
        }
        if let Some(eff) = w.parallel_efficiency {
            out.push(at_least(
                format!("workflow.{}.parallel_efficiency", w.workflow),
                eff,
                t.parallel_efficiency,
            ));
        }
    }
    if let Some(s) = &k.startup {
        out.push(at_most("kpi.startup.p95_ms".into(), s.p95_ms, t.startup_ms));
    }
    if let Some(c) = &k.coordination {
        out.push(at_most(
            "kpi.coordination_share".into(),
            c.share,
            t.coordination_share,
        ));
    }
    if let Some(r) = &k.retries {
        out.push(at_most("kpi.retry_rate".into(), r.rate, t.retry_rate));
    }
    out
}
