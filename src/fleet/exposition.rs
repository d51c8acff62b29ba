//! What `/metrics` says: a snapshot of the monitor as Prometheus metrics,
//! encoded by `prometheus-client`.
//!
//! The snapshot ([`Exposition::of`]) is taken under the monitor's lock and
//! is plain data; encoding happens after the lock is released, so a scrape
//! holds ingest up only for the copy. Durations are in seconds, as
//! Prometheus's base unit. Quantiles are never exported: they do not add
//! up across hosts. Stage durations are histograms whose buckets sit
//! around each stage's target, so that `histogram_quantile` over a fleet
//! (`sum by (le, stage)`) answers within a bucket of each runtop's own p95.

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::{Registry, Unit};

use crate::alerts::State;
use crate::engine::{Cumulative, Distribution, Engine};
use crate::monitor::Monitor;
use crate::protocol::Status;

/// Bucket bounds of a stage's durations, as multiples of its target: fine
/// around the target (0.75 is the warning level, 1 the target), coarse in
/// the tail.
pub const TARGET_FACTORS: [f64; 12] = [
    0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0,
];

/// Bucket bounds, in seconds, of durations without a target.
pub const DEFAULT_SECONDS: [f64; 14] = [
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0,
];

/// `coordination_overhead`'s bucket bounds, in seconds: its level bounds
/// (excellent < 0.1, good < 0.15, acceptable < 0.2, poor < 0.3).
pub const COORDINATION_SECONDS: [f64; 8] = [0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1.0, 2.5];

/// Bucket bounds of a metric with no unit runtop knows: decades.
const DECADES: [f64; 10] = [0.001, 0.01, 0.1, 1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];

/// A histogram's figures, in the exported unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Buckets {
    pub count: u64,
    pub sum: f64,
    /// (upper bound, values in this bucket alone), the last at +Inf.
    pub buckets: Vec<(f64, u64)>,
}

impl Buckets {
    /// From a distribution recorded in thousandths of the exported unit
    /// when `per_unit` is 1000 (durations in ms, exported in seconds), or
    /// in the exported unit when it is 1.
    fn of(d: &Distribution, bounds: &[f64], per_unit: f64) -> Buckets {
        let scaled: Vec<f64> = bounds.iter().map(|b| b * per_unit).collect();
        let Cumulative {
            count,
            sum,
            at_most,
        } = d.cumulative(&scaled);
        let mut buckets = Vec::with_capacity(bounds.len() + 1);
        let mut below = 0;
        for (bound, at) in bounds.iter().zip(at_most) {
            buckets.push((*bound, at.saturating_sub(below)));
            below = below.max(at);
        }
        buckets.push((f64::INFINITY, count.saturating_sub(below)));
        Buckets {
            count,
            sum: sum / per_unit,
            buckets,
        }
    }
}

impl EncodeMetric for Buckets {
    fn encode(&self, mut encoder: MetricEncoder) -> Result<(), std::fmt::Error> {
        encoder.encode_histogram::<NoLabelSet>(self.sum, self.count, &self.buckets, None)
    }
    fn metric_type(&self) -> MetricType {
        MetricType::Histogram
    }
}

/// One stage's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct StageFigures {
    pub stage: String,
    pub durations: Buckets,
    /// Finished attempts by status, in [`Status::ALL`]'s order.
    pub finished: [u64; 4],
}

/// One named metric's figures.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricFigures {
    /// The name without a unit suffix (`coordination_overhead`).
    pub name: String,
    pub values: Buckets,
}

/// Everything `/metrics` shows, copied out of the monitor.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Exposition {
    pub stages: Vec<StageFigures>,
    pub metrics: Vec<MetricFigures>,
    /// Finished executions by status, in [`Status::ALL`]'s order.
    pub executions_finished: [u64; 4],
    pub executions_active: u64,
    /// (outcome, events).
    pub events: Vec<(&'static str, u64)>,
    /// (URL without secrets, connected); empty for a file.
    pub sources: Vec<(String, bool)>,
    /// (node, CPU %, memory bytes).
    pub nodes: Vec<(String, f64, f64)>,
    /// (alertname, severity, alertstate, subject) of pending and firing
    /// alerts.
    pub alerts: Vec<[String; 4]>,
    /// Runner time in seconds, (name, busy, failed), per stage, project
    /// and node ([`crate::engine::RunnerTimes`]).
    pub runner: [Vec<(String, f64, f64)>; 3],
}

/// The bucket bounds, in seconds, of a stage with this target (ms).
pub fn stage_bounds(target_ms: Option<f64>) -> Vec<f64> {
    stage_bounds_with(target_ms, &[])
}

/// As [`stage_bounds`], with these multiples of the target among the
/// bounds too: the stage_p95 rule's configured levels, so that the fleet's
/// rules (`runtop rules export`) count attempts at or below each level
/// exactly rather than interpolate.
pub fn stage_bounds_with(target_ms: Option<f64>, levels: &[f64]) -> Vec<f64> {
    match target_ms.filter(|t| *t > 0.0) {
        Some(t) => {
            let mut factors: Vec<f64> = TARGET_FACTORS
                .iter()
                .chain(levels.iter().filter(|f| f.is_finite() && **f > 0.0))
                .copied()
                .collect();
            factors.sort_by(f64::total_cmp);
            factors.dedup();
            factors.iter().map(|f| f * t / 1000.0).collect()
        }
        None => DEFAULT_SECONDS.to_vec(),
    }
}

/// The `le` label Prometheus sees for a bound (as the encoder writes it).
pub fn le_label(bound: f64) -> String {
    format!("{bound:?}")
}

/// A metric's exported name, bounds, and how many of its recorded units
/// make one exported unit.
fn metric_shape(engine: &Engine, name: &str) -> (String, Vec<f64>, f64) {
    let target = engine.metric_target(name).filter(|t| *t > 0.0);
    match name.strip_suffix("_ms") {
        Some("coordination_overhead") => (
            "coordination_overhead".into(),
            COORDINATION_SECONDS.to_vec(),
            1000.0,
        ),
        Some(base) => (base.into(), stage_bounds(target), 1000.0),
        None => {
            let bounds = match target {
                Some(t) => TARGET_FACTORS.iter().map(|f| f * t).collect(),
                None => DECADES.to_vec(),
            };
            (name.into(), bounds, 1.0)
        }
    }
}

impl Exposition {
    /// Copies what `/metrics` shows out of `monitor`.
    pub fn of(monitor: &Monitor) -> Exposition {
        let engine = &monitor.engine;
        let input = engine.input();
        let p95 = &monitor.alerts.config.stage_p95;
        let levels = [p95.warning, p95.critical];
        let book = &monitor.alerts.book;
        let alert = |a: &crate::alerts::Alert| {
            [
                a.rule.as_str().to_string(),
                a.severity.as_str().to_string(),
                match a.state {
                    State::Pending => "pending",
                    _ => "firing",
                }
                .to_string(),
                a.subject.clone(),
            ]
        };
        Exposition {
            stages: engine
                .stages()
                .map(|(stage, stats)| {
                    let durations = Buckets::of(
                        &stats.durations,
                        &stage_bounds_with(engine.target(stage), &levels),
                        1000.0,
                    );
                    let mut counts = stats.durations.counts(crate::engine::Window::AllTime).1;
                    // Cancelled attempts are kept out of the durations
                    // (their time was cut short), not out of the count.
                    counts[Status::Cancelled.index()] += stats.cancelled;
                    StageFigures {
                        stage: stage.to_string(),
                        durations,
                        finished: counts,
                    }
                })
                .collect(),
            metrics: engine
                .metrics()
                .map(|(name, dist)| {
                    let (name, bounds, per_unit) = metric_shape(engine, name);
                    MetricFigures {
                        name,
                        values: Buckets::of(dist, &bounds, per_unit),
                    }
                })
                .collect(),
            executions_finished: engine.totals().by_status,
            executions_active: engine.executions().active_len() as u64,
            events: vec![
                ("accepted", input.accepted),
                ("invalid", input.invalid),
                ("duplicate", input.duplicates),
                ("unknown_type", input.unknown_type),
            ],
            sources: monitor
                .sources
                .iter()
                .map(|s| (s.url.clone(), s.connected))
                .collect(),
            nodes: engine
                .nodes()
                .map(|(node, load)| (node.to_string(), load.cpu_percent, load.memory_mb * 1e6))
                .collect(),
            runner: {
                let row = |(n, t): (&str, &crate::engine::RunnerTime)| {
                    (n.to_string(), t.busy_ms / 1000.0, t.failed_ms / 1000.0)
                };
                let times = engine.runner_time();
                [
                    engine.stages().map(|(n, s)| row((n, &s.runner))).collect(),
                    times.projects().map(row).collect(),
                    times.nodes().map(row).collect(),
                ]
            },
            alerts: book
                .firing()
                .into_iter()
                .map(alert)
                .chain(book.pending().map(alert))
                .collect(),
        }
    }

    /// The exposition in the OpenMetrics text format.
    pub fn openmetrics(&self) -> String {
        let mut registry = Registry::with_prefix("runtop");
        registry.register_collector(Box::new(self.clone()));
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &registry)
            .expect("writing to a String cannot fail");
        out
    }
}

type Labels<'a> = Vec<(&'static str, &'a str)>;

/// Encodes one family: its descriptor, then each of its metrics with its
/// labels.
fn family<'a, M: EncodeMetric>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    metric_type: MetricType,
    members: impl IntoIterator<Item = (Labels<'a>, M)>,
) -> Result<(), std::fmt::Error> {
    let mut family = encoder.encode_descriptor(name, help, unit, metric_type)?;
    for (labels, metric) in members {
        metric.encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

impl Collector for Exposition {
    fn encode(&self, mut e: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let seconds = Unit::Seconds;
        family(
            &mut e,
            "stage_duration",
            "Durations of finished stage attempts, buckets around each stage's target.",
            Some(&seconds),
            MetricType::Histogram,
            self.stages
                .iter()
                .map(|s| (vec![("stage", s.stage.as_str())], s.durations.clone())),
        )?;
        family(
            &mut e,
            "stage_finished",
            "Finished stage attempts by status.",
            None,
            MetricType::Counter,
            self.stages.iter().flat_map(|s| {
                Status::ALL.iter().map(move |st| {
                    (
                        vec![("stage", s.stage.as_str()), ("status", st.as_str())],
                        ConstCounter::new(s.finished[st.index()]),
                    )
                })
            }),
        )?;
        family(
            &mut e,
            "executions_finished",
            "Finished executions by status.",
            None,
            MetricType::Counter,
            Status::ALL.iter().map(|st| {
                (
                    vec![("status", st.as_str())],
                    ConstCounter::new(self.executions_finished[st.index()]),
                )
            }),
        )?;
        family(
            &mut e,
            "executions_active",
            "Executions running now.",
            None,
            MetricType::Gauge,
            [(Vec::new(), ConstGauge::new(self.executions_active as i64))],
        )?;
        family(
            &mut e,
            "events",
            "Events received, by what became of them.",
            None,
            MetricType::Counter,
            self.events
                .iter()
                .map(|(outcome, n)| (vec![("outcome", *outcome)], ConstCounter::new(*n))),
        )?;
        family(
            &mut e,
            "source_up",
            "1 while the live source is connected.",
            None,
            MetricType::Gauge,
            self.sources.iter().map(|(url, up)| {
                (
                    vec![("source", url.as_str())],
                    ConstGauge::new(i64::from(*up)),
                )
            }),
        )?;
        family(
            &mut e,
            "node_cpu_percent",
            "A runner node's CPU load, as it last reported.",
            None,
            MetricType::Gauge,
            self.nodes
                .iter()
                .map(|(node, cpu, _)| (vec![("node", node.as_str())], ConstGauge::new(*cpu))),
        )?;
        family(
            &mut e,
            "node_memory",
            "A runner node's memory in use, as it last reported.",
            Some(&Unit::Bytes),
            MetricType::Gauge,
            self.nodes
                .iter()
                .map(|(node, _, bytes)| (vec![("node", node.as_str())], ConstGauge::new(*bytes))),
        )?;
        family(
            &mut e,
            "metric_value",
            "The runner's named metrics (durations in seconds, `_ms` dropped from the name).",
            None,
            MetricType::Histogram,
            self.metrics
                .iter()
                .map(|m| (vec![("name", m.name.as_str())], m.values.clone())),
        )?;
        for (part, rows) in ["stage", "project", "node"].into_iter().zip(&self.runner) {
            family(
                &mut e,
                &format!("{part}_runner"),
                &format!("Runner time of finished attempts, per {part}."),
                Some(&seconds),
                MetricType::Counter,
                rows.iter()
                    .map(|(name, busy, _)| (vec![(part, name.as_str())], ConstCounter::new(*busy))),
            )?;
            family(
                &mut e,
                &format!("{part}_runner_failed"),
                &format!(
                    "Runner time of attempts that did not end ok (work thrown away), per {part}."
                ),
                Some(&seconds),
                MetricType::Counter,
                rows.iter().map(|(name, _, failed)| {
                    (vec![(part, name.as_str())], ConstCounter::new(*failed))
                }),
            )?;
        }
        family(
            &mut e,
            "alerts",
            "runtop's pending and firing alerts, as Prometheus's own ALERTS.",
            None,
            MetricType::Gauge,
            self.alerts.iter().map(|[name, severity, state, subject]| {
                (
                    vec![
                        ("alertname", name.as_str()),
                        ("severity", severity.as_str()),
                        ("alertstate", state.as_str()),
                        ("subject", subject.as_str()),
                    ],
                    ConstGauge::new(1i64),
                )
            }),
        )?;
        Ok(())
    }
}

/// The same exposition in Prometheus's text format 0.0.4, for scrapers
/// that do not ask for OpenMetrics.
///
/// `prometheus-client` writes only OpenMetrics text, which differs from
/// 0.0.4 in three ways a 0.0.4 parser notices: the `# EOF` and `# UNIT`
/// lines, and a counter's `# HELP`/`# TYPE` naming the family without the
/// `_total` its samples carry. No crate converts between the two, so these
/// lines are rewritten here; every sample line is the crate's own.
pub fn text_004(openmetrics: &str) -> String {
    let counters: std::collections::HashSet<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|l| l.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let meta = ["# HELP ", "# TYPE "]
            .into_iter()
            .find_map(|p| line.strip_prefix(p).map(|rest| (p, rest)));
        match meta {
            Some((prefix, rest)) => {
                let (name, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                if counters.contains(name) {
                    out.push_str(&format!("{prefix}{name}_total {tail}"));
                } else {
                    out.push_str(line);
                }
            }
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_formats_carry_the_same_samples() {
        let x = Exposition {
            executions_finished: [3, 1, 0, 0],
            events: vec![("accepted", 10)],
            ..Exposition::default()
        };
        let om = x.openmetrics();
        assert!(om.contains("# TYPE runtop_events counter"), "{om}");
        assert!(
            om.contains("runtop_events_total{outcome=\"accepted\"} 10"),
            "{om}"
        );
        assert!(om.ends_with("# EOF\n"));
        let text = text_004(&om);
        assert!(
            text.contains("# TYPE runtop_events_total counter"),
            "{text}"
        );
        assert!(text.contains("runtop_events_total{outcome=\"accepted\"} 10"));
        assert!(!text.contains("# EOF") && !text.contains("# UNIT"));
        let samples = |s: &str| -> Vec<String> {
            s.lines()
                .filter(|l| !l.starts_with('#'))
                .map(String::from)
                .collect()
        };
        assert_eq!(samples(&om), samples(&text));
    }

    #[test]
    fn stage_buckets_sit_around_the_target_and_add_up() {
        let mut d = Distribution::new();
        for ms in [1_000.0, 14_000.0, 29_000.0, 31_000.0, 200_000.0, 400_000.0] {
            d.record(0, ms, Some(Status::Ok));
        }
        let bounds = stage_bounds(Some(30_000.0));
        assert_eq!(bounds[4], 30.0, "the target is a bound");
        let b = Buckets::of(&d, &bounds, 1000.0);
        assert_eq!(b.count, 6);
        assert_eq!(b.buckets.iter().map(|(_, n)| n).sum::<u64>(), 6);
        let le = |bound: f64| -> u64 {
            b.buckets
                .iter()
                .take_while(|(u, _)| *u <= bound)
                .map(|(_, n)| n)
                .sum()
        };
        assert_eq!(le(7.5), 1);
        assert_eq!(le(15.0), 2);
        assert_eq!(le(30.0), 3);
        assert_eq!(le(300.0), 5);
        assert_eq!(b.buckets.last().unwrap(), &(f64::INFINITY, 1));
        assert!((b.sum - 675.0).abs() < 1e-9);
    }
}
