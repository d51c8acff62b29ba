//! The requirements a report is judged against, from the protocol's default
//! targets: each stage's p95 within its target (and each metric's, where the
//! config gives one), executions' error rate at
//! most 5 %, autonomous completion at least 80 %. A requirement with nothing
//! to judge yet (no finished stage, no execution that said) is left out
//! rather than passed or failed.

use serde::Serialize;

use super::Report;

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

pub fn evaluate(report: &Report) -> Vec<Requirement> {
    let mut out = Vec::new();
    let at_most = |name: String, actual: f64, threshold: f64| Requirement {
        name,
        actual,
        op: "<=",
        threshold,
        met: actual <= threshold,
    };
    for stage in &report.stages {
        if let Some(target) = stage.target_ms.filter(|_| stage.count > 0) {
            out.push(at_most(
                format!("stage.{}.p95_ms", stage.stage),
                stage.p95_ms,
                target,
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
            (errors * 10_000.0).round() / 10_000.0,
            MAX_ERROR_RATE,
        ));
    }
    if let Some(rate) = ex.autonomous_rate {
        out.push(Requirement {
            name: "executions.autonomous_rate".into(),
            actual: rate,
            op: ">=",
            threshold: MIN_AUTONOMOUS_RATE,
            met: rate >= MIN_AUTONOMOUS_RATE,
        });
    }
    out
}
