//! `runtop check`'s verdict: the report judged against its requirements,
//! with the one thing a gate adds: no data is never a pass. Lives with the
//! report so that every front end that judges (the CLI today, the fleet
//! daemon later) judges alike.

use std::fmt::Write as _;

use serde::Serialize;

use super::Report;
use crate::alerts::coordination_level;
use crate::engine::{Engine, Window};
use crate::levels::{Level, Severity};
use crate::units::human_ms;

/// The export: `runtop.check.v1`, documented in docs/check.md.
#[derive(Debug, Serialize)]
pub struct Verdict {
    pub schema: &'static str,
    pub source: String,
    pub profile: String,
    pub coordination_overhead_ms: Option<Coordination>,
    /// `None` when there was nothing to judge.
    pub overall_health: Option<Level>,
    pub meets_requirements: bool,
    pub baseline_established: bool,
    /// Whether there was data to judge: at least one event accepted.
    pub validation_passed: bool,
    /// Why the gate failed when it is not the requirements: no data.
    pub failure: Option<String>,
    pub stages: Vec<StageVerdict>,
    pub alerts_firing: usize,
    pub report: Report,
}

#[derive(Debug, Serialize)]
pub struct Coordination {
    pub mean: f64,
    pub p95: f64,
    pub level: &'static str,
}

#[derive(Debug, Serialize)]
pub struct StageVerdict {
    pub stage: String,
    pub pass: bool,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub target_ms: Option<f64>,
    pub level: Option<Level>,
}

fn level_of_band(band: &str) -> Level {
    match band {
        "EXCELLENT" => Level::Excellent,
        "GOOD" => Level::Good,
        "ACCEPTABLE" => Level::Acceptable,
        "POOR" => Level::Poor,
        _ => Level::Critical,
    }
}

/// Judges `report` (of what `engine` holds) under `profile`; a stage's
/// baseline counts as established with `min_samples` finishes.
pub fn judge(
    report: &Report,
    engine: &Engine,
    min_samples: u64,
    profile: String,
    allow_empty: bool,
) -> Verdict {
    // No accepted event is no evidence: a failed validation, never a pass.
    let validation_passed = report.events.accepted > 0;
    let failure = (!validation_passed && !allow_empty).then(|| no_data_reason(report));
    let coordination = engine
        .metric("coordination_overhead_ms")
        .map(|d| d.snapshot(Window::AllTime))
        .filter(|s| s.count > 0)
        .map(|s| {
            let worst = s.mean.max(s.p95);
            Coordination {
                mean: (s.mean * 1000.0).round() / 1000.0,
                p95: (s.p95 * 1000.0).round() / 1000.0,
                level: coordination_level(worst),
            }
        });
    let stages: Vec<StageVerdict> = report
        .stages
        .iter()
        .map(|s| StageVerdict {
            stage: s.stage.clone(),
            pass: s.target_ms.is_none_or(|t| s.p95_ms <= t),
            p50_ms: s.p50_ms,
            p95_ms: s.p95_ms,
            target_ms: s.target_ms,
            level: s.level,
        })
        .collect();
    let firing = || {
        report
            .alerts
            .iter()
            .filter(|a| a.state == crate::alerts::State::Firing)
    };
    let mut health = stages
        .iter()
        .filter_map(|s| s.level)
        .max()
        .unwrap_or(Level::Excellent);
    if let Some(c) = &coordination {
        health = health.max(level_of_band(c.level));
    }
    if !report.meets_requirements {
        health = health.max(Level::Poor);
    }
    if firing().any(|a| a.severity == Severity::Critical) {
        health = Level::Critical;
    }
    let judged: Vec<_> = report
        .stages
        .iter()
        .filter(|s| s.target_ms.is_some())
        .collect();
    Verdict {
        schema: "runtop.check.v1",
        source: report.source.clone(),
        profile,
        coordination_overhead_ms: coordination,
        overall_health: validation_passed.then_some(health),
        meets_requirements: report.meets_requirements && failure.is_none(),
        // Against a baseline file, whether it is established; otherwise
        // whether this run holds enough samples to establish one.
        baseline_established: match &report.baseline {
            Some(b) => b.established,
            None => !judged.is_empty() && judged.iter().all(|s| s.count >= min_samples),
        },
        validation_passed,
        failure,
        stages,
        alerts_firing: firing().count(),
        report: report.clone(),
    }
}

/// One line saying why there was nothing to judge: what was read, and for
/// live sources why each delivered nothing.
fn no_data_reason(report: &Report) -> String {
    let mut reason = format!("no events accepted from {}", report.source);
    let events = &report.events;
    if events.received > 0 {
        let _ = write!(
            reason,
            " ({} received, {} invalid)",
            events.received, events.invalid
        );
    }
    let silent = report.source_states();
    if !silent.is_empty() {
        let _ = write!(reason, " ({})", silent.join("; "));
    }
    reason
}

/// The one-screen verdict `runtop check` prints.
pub fn render(v: &Verdict) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "runtop check: {} (profile {})", v.source, v.profile);
    for s in &v.stages {
        let mark = if s.pass { "pass" } else { "FAIL" };
        let target = s
            .target_ms
            .map_or_else(|| "no target".into(), |t| format!("target {}", human_ms(t)));
        let level = s.level.map_or("", |l| l.as_str());
        let _ = writeln!(
            out,
            "  {mark}  {:<14} p50 {:>8}  p95 {:>8}  {target:<16} {level}",
            s.stage,
            human_ms(s.p50_ms),
            human_ms(s.p95_ms)
        );
    }
    if let Some(c) = &v.coordination_overhead_ms {
        let _ = writeln!(
            out,
            "  coordination overhead: mean {}, p95 {} ({})",
            human_ms(c.mean),
            human_ms(c.p95),
            c.level
        );
    }
    for q in v
        .report
        .requirements
        .iter()
        .filter(|q| !q.name.starts_with("stage."))
    {
        let mark = if q.met { "pass" } else { "FAIL" };
        let _ = writeln!(
            out,
            "  {mark}  {} = {} ({} {})",
            q.name, q.actual, q.op, q.threshold
        );
    }
    for a in v
        .report
        .alerts
        .iter()
        .filter(|a| a.state == crate::alerts::State::Firing)
    {
        let _ = writeln!(
            out,
            "  alert {:<8} {} {}: {}",
            a.severity.as_str(),
            a.rule.as_str(),
            a.subject,
            a.summary
        );
    }
    let events = &v.report.events;
    let _ = writeln!(
        out,
        "  {} events ({} invalid) · baseline {} · validation {}",
        events.received,
        events.invalid,
        if v.baseline_established {
            "established"
        } else {
            "not yet established"
        },
        match (v.validation_passed, &v.failure) {
            (true, _) => "passed",
            (false, Some(_)) => "FAILED",
            // `validation FAILED` never stands beside a PASS.
            (false, None) => "waived (--allow-empty)",
        }
    );
    let health = v.overall_health.map_or("unknown", Level::as_str);
    let outcome = match (&v.failure, v.meets_requirements) {
        (Some(reason), _) => format!("FAIL: {reason}"),
        (None, true) if !v.validation_passed => "PASS: no events, allowed by --allow-empty".into(),
        (None, true) => "PASS: requirements met".into(),
        (None, false) => "FAIL: requirements not met".into(),
    };
    let _ = writeln!(out, "overall health: {health} · {outcome}");
    out
}
