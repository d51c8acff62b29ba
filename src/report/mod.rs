//! The headless report: everything the engine knows, as one stable JSON
//! document (`runtop.report.v1`, see `docs/report.md`) or a readable text
//! table of the same figures. All figures are all-time.

mod cost;
mod requirements;
pub mod risk;
mod text;
mod text_paths;
mod text_risk;
pub mod verdict;

pub use cost::{CostRow, CostSection, ExecutionCost};
pub use requirements::Requirement;
pub use text::render_text;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::alerts::{Alert, AlertBook, Rule, Severity, State};
use crate::analytics::Analyses;
use crate::analytics::baseline::{Baseline, Change, Trend, changes};
use crate::analytics::bottlenecks::Bottleneck;
use crate::analytics::cascades::Cascades;
use crate::analytics::compare::Comparison;
use crate::analytics::critical_path::CriticalPaths;
use crate::analytics::failures::FailurePattern;
use crate::analytics::kpis::Kpis;
use crate::analytics::rankings::{RankBy, Rankings};
use crate::analytics::recommend::Recommendation;
use crate::analytics::temporal::Temporal;
use crate::engine::{Engine, InvalidExample, Snapshot, Window};
use crate::levels::Level;
use crate::protocol::time::format_rfc3339;
use crate::protocol::{InvalidKind, Status};
use crate::source_status::SourceStatus;
use crate::units::{round_ms as ms, round_share as rate};

pub const SCHEMA: &str = "runtop.report.v1";
/// The metric row of delivery lag, on live sources.
pub const DELIVERY_LAG: &str = "delivery_lag_ms";

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub schema: &'static str,
    /// What was read: a path, `-` for stdin, or URLs.
    pub source: String,
    pub events: EventsSection,
    pub span: SpanSection,
    pub stages: Vec<StageRow>,
    pub metrics: Vec<MetricRow>,
    pub executions: ExecutionsSection,
    pub nodes: Vec<NodeRow>,
    /// Runner time and its cost ([`CostSection`]).
    pub cost: CostSection,
    /// Efficiency KPIs with their evidence and targets.
    pub kpis: Kpis,
    /// Live sources and their connections; empty for files.
    pub sources: Vec<SourceStatus>,
    /// Alerts firing at the end, then those that fired and resolved.
    pub alerts: Vec<AlertRow>,
    /// Ranked, with evidence and example correlation ids.
    pub bottlenecks: Vec<Bottleneck>,
    /// A/B comparisons of variants, per stage and whole executions.
    pub comparisons: Vec<Comparison>,
    pub recommendations: Vec<Recommendation>,
    /// Error patterns, most frequent first.
    pub failures: Vec<FailurePattern>,
    /// Failure bursts, starts and failures by hour, a periodic load.
    pub temporal: Temporal,
    /// Which tasks set executions' length, ranked by their time on the
    /// critical path.
    pub critical_path: CriticalPaths,
    /// Root failures ranked by the work they took down.
    pub cascades: Cascades,
    /// Stages, tasks, projects and nodes ordered by `rankings.by`.
    pub rankings: RankingsSection,
    /// Failure risk: how well it is calibrated, and the executions still
    /// running at the end, riskiest first.
    pub risk: risk::RiskSection,
    /// Per stage: improving, degrading or stable.
    pub trends: Vec<Trend>,
    /// Against a baseline, when one was given or kept.
    pub baseline: Option<BaselineSection>,
    pub requirements: Vec<Requirement>,
    pub meets_requirements: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RankingsSection {
    /// What every table is ordered by (`report --rank`), largest first.
    pub by: RankBy,
    #[serde(flatten)]
    pub tables: Rankings,
}

impl RankingsSection {
    fn new(by: RankBy, tables: Rankings) -> Self {
        RankingsSection {
            by,
            tables: tables.sorted(by),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BaselineSection {
    pub file: String,
    pub established: bool,
    pub min_samples: u64,
    /// Regressions (with severity) and improvements.
    pub changes: Vec<Change>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertRow {
    pub rule: Rule,
    pub subject: String,
    pub state: State,
    pub severity: Severity,
    /// When it entered its state.
    pub since: String,
    pub value: f64,
    pub threshold: f64,
    pub summary: String,
    pub correlation_id: Option<String>,
    pub acknowledged: bool,
}

impl AlertRow {
    pub fn of(a: &Alert) -> AlertRow {
        AlertRow {
            rule: a.rule,
            subject: a.subject.clone(),
            state: a.state,
            severity: a.severity,
            since: format_rfc3339(a.since),
            value: (a.value * 1000.0).round() / 1000.0,
            threshold: a.threshold,
            summary: a.summary.clone(),
            correlation_id: a.correlation_id.clone(),
            acknowledged: a.acknowledged,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventsSection {
    pub received: u64,
    pub accepted: u64,
    pub invalid: u64,
    pub duplicates: u64,
    pub unknown_type: u64,
    pub binary_frames: u64,
    /// Connections made again after one was lost (live sources).
    pub reconnects: u64,
    /// Lines or messages over the size limit (also in `invalid_by_kind`).
    pub oversized: u64,
    pub invalid_by_kind: BTreeMap<&'static str, u64>,
    pub invalid_examples: Vec<InvalidExample>,
    /// Accepted but odd: finishes without a start, starts after their finish,
    /// names past the caps.
    pub anomalies: BTreeMap<&'static str, u64>,
    pub unknown_types: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SpanSection {
    pub first_ts: Option<String>,
    pub last_ts: Option<String>,
    pub minutes: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StageRow {
    pub stage: String,
    /// `stage_finished` events of this stage (every attempt, any status).
    pub count: u64,
    pub ok: u64,
    pub failed: u64,
    pub timeout: u64,
    pub cancelled: u64,
    pub success_rate: Option<f64>,
    pub mean_ms: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub target_ms: Option<f64>,
    pub level: Option<Level>,
    pub queue_p50_ms: Option<f64>,
    pub queue_p95_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricRow {
    pub name: String,
    pub count: u64,
    pub mean: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
    pub max: f64,
    /// From `targets.metrics`: the p95 should stay at or below it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExecutionsSection {
    pub started: u64,
    pub finished: u64,
    pub active: u64,
    pub ok: u64,
    pub failed: u64,
    pub timeout: u64,
    pub cancelled: u64,
    /// Went silent for longer than the engine's `stale_after` and given up on.
    pub abandoned: u64,
    pub success_rate: Option<f64>,
    pub autonomous_rate: Option<f64>,
    /// Finished executions per minute of the events' time span.
    pub throughput_per_min: Option<f64>,
    pub duration_p50_ms: Option<f64>,
    pub duration_p95_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeRow {
    pub node: String,
    pub samples: u64,
    pub cpu_percent: f64,
    pub cpu_p95_percent: f64,
    pub memory_mb: f64,
    pub memory_percent: Option<f64>,
}

impl Report {
    /// Builds the report of everything `engine` has taken in, its runner
    /// time priced at `per_runner_hour` (`cost.per_runner_hour`) if set.
    pub fn build(engine: &Engine, source: &str, per_runner_hour: Option<f64>) -> Report {
        let input = engine.input();
        let stages = engine
            .stages()
            .map(|(name, stats)| {
                stage_row(
                    engine,
                    name,
                    &stats.durations.snapshot(Window::AllTime),
                    &stats.queue.snapshot(Window::AllTime),
                    stats.cancelled,
                )
            })
            .collect();
        // Delivery lag (receive time − ts) is measured on live sources only.
        let lag =
            (engine.delivery_lag().count() > 0).then_some((DELIVERY_LAG, engine.delivery_lag()));
        let metrics = engine
            .metrics()
            .chain(lag)
            .map(|(name, dist)| {
                let s = dist.snapshot(Window::AllTime);
                MetricRow {
                    name: name.into(),
                    count: s.count,
                    mean: ms(s.mean),
                    p50: ms(s.p50),
                    p95: ms(s.p95),
                    p99: ms(s.p99),
                    max: ms(s.max),
                    target: engine.metric_target(name),
                }
            })
            .collect();
        let totals = engine.totals();
        let span = engine.span();
        let durations = engine.execution_durations().snapshot(Window::AllTime);
        let executions = ExecutionsSection {
            started: totals.started,
            finished: totals.finished,
            active: engine.executions().active_len() as u64,
            ok: totals.status(Status::Ok),
            failed: totals.status(Status::Failed),
            timeout: totals.status(Status::Timeout),
            cancelled: totals.status(Status::Cancelled),
            abandoned: engine.executions().counters.abandoned,
            success_rate: totals.success_rate().map(rate),
            autonomous_rate: totals.autonomous_rate().map(rate),
            throughput_per_min: span
                .minutes()
                .map(|m| (totals.finished as f64 / m * 100.0).round() / 100.0),
            duration_p50_ms: (durations.count > 0).then(|| ms(durations.p50)),
            duration_p95_ms: (durations.count > 0).then(|| ms(durations.p95)),
        };
        let nodes = engine
            .nodes()
            .map(|(node, load)| {
                let cpu = load.cpu.snapshot(Window::AllTime);
                NodeRow {
                    node: node.into(),
                    samples: cpu.count,
                    cpu_percent: load.cpu_percent,
                    cpu_p95_percent: ms(cpu.p95),
                    memory_mb: load.memory_mb,
                    memory_percent: load.memory_percent,
                }
            })
            .collect();
        let mut report = Report {
            schema: SCHEMA,
            source: source.into(),
            events: EventsSection {
                received: input.received,
                accepted: input.accepted,
                invalid: input.invalid,
                duplicates: input.duplicates,
                unknown_type: input.unknown_type,
                binary_frames: input.binary_frames,
                reconnects: 0,
                oversized: input.invalid_of_kind(InvalidKind::Oversized),
                invalid_by_kind: input
                    .invalid_by_kind()
                    .map(|(k, n)| (k.as_str(), n))
                    .collect(),
                invalid_examples: input.examples().to_vec(),
                anomalies: input.anomalies().collect(),
                unknown_types: input
                    .unknown_types()
                    .map(|(k, n)| (k.to_owned(), n))
                    .collect(),
            },
            span: SpanSection {
                first_ts: span.first_ts.map(format_rfc3339),
                last_ts: span.last_ts.map(format_rfc3339),
                minutes: span.minutes().map(|m| (m * 100.0).round() / 100.0),
            },
            stages,
            metrics,
            executions,
            nodes,
            cost: CostSection::of(engine, per_runner_hour),
            kpis: Kpis::default(),
            sources: Vec::new(),
            alerts: Vec::new(),
            bottlenecks: Vec::new(),
            comparisons: Vec::new(),
            recommendations: Vec::new(),
            failures: Vec::new(),
            temporal: Temporal::default(),
            critical_path: CriticalPaths::default(),
            cascades: Cascades::default(),
            rankings: RankingsSection::default(),
            risk: risk::RiskSection::default(),
            trends: Vec::new(),
            baseline: None,
            requirements: Vec::new(),
            meets_requirements: true,
        };
        report.requirements = requirements::evaluate(&report, &engine.config().kpi);
        report.meets_requirements = report.requirements.iter().all(|r| r.met);
        report
    }

    /// Adds the analyses of what the engine holds: bottlenecks, A/B
    /// comparisons, failure patterns, and the recommendations they lead to.
    pub fn with_analytics(self, engine: &Engine) -> Report {
        self.with_analyses(&Analyses::of(engine), engine)
    }

    /// Adds analyses already computed (the monitor's).
    pub fn with_analyses(mut self, a: &Analyses, engine: &Engine) -> Report {
        self.risk = risk::RiskSection::new(&a.risk, engine);
        self.bottlenecks = a.bottlenecks.clone();
        self.comparisons = a.comparisons.clone();
        self.failures = a.failures.clone();
        self.temporal = a.temporal.clone();
        self.critical_path = a.critical_paths.clone();
        self.cascades = a.cascades.clone();
        self.rankings = RankingsSection::new(self.rankings.by, a.rankings.clone());
        self.trends = a.trends.clone();
        self.recommendations = a.recommendations.clone();
        self.kpis = a.kpis.clone();
        self.requirements.extend(requirements::kpis(&a.kpis));
        self.meets_requirements = self.requirements.iter().all(|r| r.met);
        self
    }

    /// Orders the rankings by `by` (`report --rank`).
    pub fn rank_by(&mut self, by: RankBy) {
        let tables = std::mem::take(&mut self.rankings.tables);
        self.rankings = RankingsSection::new(by, tables);
    }

    /// Adds the comparison with a baseline: regressions and improvements;
    /// a critical regression fails the requirements.
    pub fn with_baseline(
        mut self,
        file: String,
        baseline: &Baseline,
        current: &Baseline,
    ) -> Report {
        let changes = changes(baseline, current);
        let critical = changes
            .iter()
            .filter(|c| c.severity == Some(Severity::Critical))
            .count();
        if critical > 0 {
            self.requirements.push(Requirement {
                name: "baseline.regressions.critical".into(),
                actual: critical as f64,
                op: "<=",
                threshold: 0.0,
                met: false,
            });
            self.meets_requirements = false;
        }
        let mut named = std::collections::BTreeSet::new();
        // One per subject: the worst of its quantiles comes first.
        for c in changes
            .iter()
            .filter(|c| c.kind == "regression" && named.insert(c.subject.clone()))
        {
            let what = c
                .subject
                .split_once(' ')
                .map_or(c.subject.as_str(), |(_, n)| n);
            self.recommendations.push(Recommendation {
                action: format!("find what changed at {what}"),
                because: format!(
                    "its {} is {:+.0}% against the baseline ({} → {}, outside {}–{})",
                    c.quantile,
                    c.change * 100.0,
                    c.baseline,
                    c.current,
                    c.baseline_low,
                    c.baseline_high
                ),
                about: format!("regression {}", c.subject),
            });
        }
        self.baseline = Some(BaselineSection {
            file,
            established: baseline.established(),
            min_samples: baseline.min_samples,
            changes,
        });
        self
    }

    /// Adds the alerts; firing ones at `fail_on` or worse fail the
    /// requirements.
    pub fn with_alerts(mut self, book: &AlertBook, fail_on: Severity) -> Report {
        let firing = book.firing();
        self.alerts = firing
            .iter()
            .map(|a| AlertRow::of(a))
            .chain(book.resolved().map(AlertRow::of))
            .collect();
        let failing = firing.iter().filter(|a| a.severity >= fail_on).count();
        if failing > 0 {
            self.requirements.push(Requirement {
                name: format!("alerts.firing.{}_or_worse", fail_on.as_str()),
                actual: failing as f64,
                op: "<=",
                threshold: 0.0,
                met: false,
            });
            self.meets_requirements = false;
        }
        self
    }

    /// For each live source, what it is doing and, when it is not connected,
    /// why: `ws://host:port/path: connection refused`.
    pub fn source_states(&self) -> Vec<String> {
        self.sources
            .iter()
            .map(|s| match &s.last_failure {
                Some(failure) if !s.connected => format!("{}: {failure}", s.url),
                _ => format!("{}: {}", s.url, s.state),
            })
            .collect()
    }

    /// Adds the live sources' statuses.
    pub fn with_sources(mut self, sources: Vec<SourceStatus>) -> Report {
        self.events.reconnects = sources.iter().map(|s| s.reconnects).sum();
        self.sources = sources;
        self
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("reports serialize to JSON")
    }
}

fn stage_row(
    engine: &Engine,
    name: &str,
    s: &Snapshot,
    queue: &Snapshot,
    cancelled: u64,
) -> StageRow {
    let target_ms = engine.target(name);
    StageRow {
        stage: name.into(),
        count: s.count + cancelled,
        ok: s.status_count(Status::Ok),
        failed: s.status_count(Status::Failed),
        timeout: s.status_count(Status::Timeout),
        cancelled,
        success_rate: s.success_rate().map(rate),
        mean_ms: ms(s.mean),
        p50_ms: ms(s.p50),
        p95_ms: ms(s.p95),
        p99_ms: ms(s.p99),
        max_ms: ms(s.max),
        target_ms,
        level: engine.level(name, Window::AllTime),
        queue_p50_ms: (queue.count > 0).then(|| ms(queue.p50)),
        queue_p95_ms: (queue.count > 0).then(|| ms(queue.p95)),
    }
}
