//! Bottlenecks, ranked: what would save the most time, with the evidence
//! and example executions behind each. Computed from the finished-execution
//! history; every score is a rough share of execution time at stake (0–1),
//! so the kinds rank against each other.

use std::collections::BTreeMap;

// Only looked up, never iterated: foldhash's speed, not SipHash's keys.

use serde::Serialize;

use super::critical_path::CriticalPaths;
use super::stats::quantile;
use crate::engine::{Engine, Execution};
use crate::protocol::Status;
use crate::units::human_ms;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A stage's share of execution time (at least 10 %) × how close its p95
    /// is to, or how far over, its target (from 75 %).
    StageTime,
    /// A task on the critical path (the longest chain through `depends_on`).
    CriticalPath,
    /// Waiting for a stage's pool: queue wait over half the duration.
    QueueWait,
    /// Attempts retried more than 15 % of the time.
    Retries,
    /// One error type failing one stage on one node.
    FailureHotspot,
    /// A node whose p95 for a stage is 1.5× the fleet's.
    SlowNode,
    /// CPU above 95 % (a stage's, or a node's) or a node's memory above
    /// 90 % while stages ran slow.
    ResourceSaturation,
    /// Executions waiting for a slot under the runner's limits.
    ConcurrencySaturation,
}

impl Kind {
    /// The name reports use (the serialized form).
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::StageTime => "stage_time",
            Kind::CriticalPath => "critical_path",
            Kind::QueueWait => "queue_wait",
            Kind::Retries => "retries",
            Kind::FailureHotspot => "failure_hotspot",
            Kind::SlowNode => "slow_node",
            Kind::ResourceSaturation => "resource_saturation",
            Kind::ConcurrencySaturation => "concurrency_saturation",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bottleneck {
    pub kind: Kind,
    /// A stage, task, node, `stage@node`…
    pub subject: String,
    pub score: f64,
    pub evidence: Vec<String>,
    /// Correlation ids of executions that show it.
    pub examples: Vec<String>,
    /// The figures behind it, for recommendations.
    #[serde(skip)]
    pub figures: BTreeMap<&'static str, f64>,
}

const MIN_SAMPLES: usize = 10;

fn sorted(mut v: Vec<f64>) -> Vec<f64> {
    // Unstable, as numbers equal under `total_cmp` are the same bits: the
    // same order as a stable sort, without its scratch buffer.
    v.sort_unstable_by(f64::total_cmp);
    v
}

/// The bottlenecks of what the engine holds; critical paths come from
/// [`critical_paths`](super::critical_path::critical_paths), so that both
/// say the same.
pub fn bottlenecks(engine: &Engine, paths: &CriticalPaths) -> Vec<Bottleneck> {
    let finished: Vec<&Execution> = engine
        .executions()
        .finished()
        .filter(|e| e.status.is_some())
        .collect();
    let mut out = Vec::new();
    let exec_time: f64 = finished.iter().filter_map(|e| e.duration_ms).sum();
    if finished.len() < MIN_SAMPLES || exec_time <= 0.0 {
        return out;
    }

    // Per stage: attempt durations, queue ratios, retries, slow examples.
    #[derive(Default)]
    struct Stage<'e> {
        time: f64,
        durations: Vec<f64>,
        queue_ratios: Vec<f64>,
        queue: Vec<f64>,
        tasks: u64,
        retried: u64,
        retries: u64,
        retries_ok: u64,
        slow: Vec<(f64, &'e str)>,
        slow_saturated: u64,
        slow_count: u64,
        attempts: u64,
        by_node: BTreeMap<&'e str, Vec<f64>>,
        failures: BTreeMap<(String, &'e str), (u64, Vec<&'e str>)>,
    }
    let mut stages: BTreeMap<&str, Stage> = BTreeMap::new();
    let mut first_waits = Vec::new();
    let mut exec_durations = Vec::new();
    for e in &finished {
        exec_durations.extend(e.duration_ms);
        if let Some(first) = e
            .tasks
            .iter()
            .flat_map(|t| &t.attempts)
            .filter(|a| a.attempt == 1)
            .min_by_key(|a| a.started_at)
        {
            first_waits.extend(first.queue_ms);
        }
        for (ti, task) in e.tasks.iter().enumerate() {
            let s = stages.entry(&task.stage).or_default();
            s.tasks += 1;
            if task.attempts.len() > 1 {
                s.retried += 1;
                s.retries += (task.attempts.len() - 1) as u64;
                s.retries_ok += u64::from(
                    task.attempts
                        .iter()
                        .skip(1)
                        .any(|a| a.status == Some(Status::Ok)),
                );
            }
            let target = engine.target(&task.stage);
            for (ai, a) in task.attempts.iter().enumerate() {
                let Some(d) = a.duration_ms else { continue };
                s.attempts += 1;
                s.time += d;
                s.durations.push(d);
                // The first task's wait is the execution's wait for a slot:
                // concurrency, counted below, not this stage's pool.
                let first_of_execution = ti == 0 && ai == 0;
                if let Some(q) = a.queue_ms.filter(|_| !first_of_execution && d > 0.0) {
                    s.queue_ratios.push(q / d);
                    s.queue.push(q);
                }
                if let Some(node) = e.node.as_deref() {
                    s.by_node.entry(node).or_default().push(d);
                }
                if target.is_some_and(|t| d > t) {
                    s.slow_count += 1;
                    s.slow.push((d, &e.correlation_id));
                    // A stage reports its memory in MB, not against a total, so
                    // only its CPU can say it was saturated.
                    let hot = a
                        .resources
                        .is_some_and(|r| r.cpu_percent.is_some_and(|c| c > 95.0));
                    s.slow_saturated += u64::from(hot);
                }
                if a.status.is_some_and(Status::is_error)
                    && let (Some(err), Some(node)) = (a.error.as_deref(), e.node.as_deref())
                {
                    let kind = err.kind.as_deref().unwrap_or("Error").to_string();
                    let entry = s.failures.entry((kind, node)).or_default();
                    entry.0 += 1;
                    if entry.1.len() < 3 && !entry.1.contains(&&*e.correlation_id) {
                        entry.1.push(&e.correlation_id);
                    }
                }
            }
        }
    }

    let pct = |v: f64| format!("{:.0}%", v * 100.0);
    for (&stage, s) in &stages {
        let durations = sorted(s.durations.clone());
        let share = s.time / exec_time;
        let mut slow = s.slow.clone();
        slow.sort_by(|a, b| b.0.total_cmp(&a.0));
        let slow_examples: Vec<String> = slow.iter().take(3).map(|(_, c)| c.to_string()).collect();
        // 1. Share of time × excess over target.
        if let (Some(target), Some(p95)) = (engine.target(stage), quantile(&durations, 0.95))
            && p95 / target >= 0.75
            && share >= 0.10
        {
            out.push(Bottleneck {
                kind: Kind::StageTime,
                subject: stage.into(),
                score: share * (p95 / target).min(3.0) / 3.0 * 2.0,
                evidence: vec![
                    format!("{stage} is {} of execution time", pct(share)),
                    format!(
                        "p95 {} is {} of its {} target",
                        human_ms(p95),
                        pct(p95 / target),
                        human_ms(target)
                    ),
                ],
                examples: slow_examples.clone(),
                figures: BTreeMap::from([("share", share), ("p95_over_target", p95 / target)]),
            });
        }
        // 3. Queue wait for the stage's pool.
        let ratios = sorted(s.queue_ratios.clone());
        if ratios.len() >= MIN_SAMPLES
            && let Some(median) = quantile(&ratios, 0.5).filter(|r| *r > 0.5)
        {
            let wait = quantile(&sorted(s.queue.clone()), 0.5).unwrap_or(0.0);
            out.push(Bottleneck {
                kind: Kind::QueueWait,
                subject: stage.into(),
                score: share * median.min(4.0) / 4.0 + 0.05,
                evidence: vec![format!(
                    "median queue wait {} is {} of the stage's duration",
                    human_ms(wait),
                    pct(median)
                )],
                examples: slow_examples.clone(),
                figures: BTreeMap::from([("queue_ratio", median), ("queue_ms", wait)]),
            });
        }
        // 4. Retries.
        if s.tasks >= MIN_SAMPLES as u64 {
            let rate = s.retried as f64 / s.tasks as f64;
            if rate > 0.15 {
                let success = s.retries_ok as f64 / s.retried.max(1) as f64;
                out.push(Bottleneck {
                    kind: Kind::Retries,
                    subject: stage.into(),
                    score: rate * share,
                    evidence: vec![
                        format!("{} of {stage} tasks are retried", pct(rate)),
                        format!("{} of retried tasks then succeed", pct(success)),
                    ],
                    examples: slow_examples.clone(),
                    figures: BTreeMap::from([("retry_rate", rate), ("retry_success", success)]),
                });
            }
        }
        // 5. Failure hotspots.
        for ((kind, node), (count, examples)) in &s.failures {
            let of_stage = *count as f64 / s.attempts.max(1) as f64;
            if *count >= 3 && of_stage >= 0.02 {
                out.push(Bottleneck {
                    kind: Kind::FailureHotspot,
                    subject: format!("{stage}/{kind}@{node}"),
                    score: of_stage * share,
                    evidence: vec![format!(
                        "{count} {kind} failures of {stage} on {node} ({} of its attempts)",
                        pct(of_stage)
                    )],
                    examples: examples.iter().map(|c| c.to_string()).collect(),
                    figures: BTreeMap::from([
                        ("count", *count as f64),
                        ("share_of_attempts", of_stage),
                    ]),
                });
            }
        }
        // 6. Slow nodes.
        if let Some(fleet) = quantile(&durations, 0.95).filter(|f| *f > 0.0) {
            for (node, times) in &s.by_node {
                let times = sorted(times.clone());
                if times.len() < MIN_SAMPLES {
                    continue;
                }
                let p95 = quantile(&times, 0.95).unwrap_or(0.0);
                let ratio = p95 / fleet;
                if ratio >= 1.5 {
                    out.push(Bottleneck {
                        kind: Kind::SlowNode,
                        subject: format!("{stage}@{node}"),
                        score: share * (ratio - 1.0).min(2.0) / 2.0,
                        evidence: vec![format!(
                            "{node}'s p95 at {stage} is {} ({ratio:.1}× the fleet's {})",
                            human_ms(p95),
                            human_ms(fleet)
                        )],
                        examples: slow_examples.clone(),
                        figures: BTreeMap::from([
                            ("ratio", ratio),
                            ("p95", p95),
                            ("fleet_p95", fleet),
                        ]),
                    });
                }
            }
        }
        // 7. Resource saturation while slow.
        if s.slow_count >= 3 {
            let hot = s.slow_saturated as f64 / s.slow_count as f64;
            if hot >= 0.5 {
                out.push(Bottleneck {
                    kind: Kind::ResourceSaturation,
                    subject: stage.into(),
                    score: share * hot,
                    evidence: vec![format!(
                        "CPU above 95% in {} of {} slow {stage} attempts",
                        pct(hot),
                        s.slow_count
                    )],
                    examples: slow_examples.clone(),
                    figures: BTreeMap::from([("saturated_share", hot)]),
                });
            }
        }
    }
    // Nodes hot while stages ran over target.
    let over_target = stages
        .iter()
        .any(|(stage, s)| engine.target(stage).is_some() && s.slow_count > 0);
    for (node, load) in engine.nodes() {
        let cpu = load.cpu.snapshot(crate::engine::Window::AllTime);
        let memory = load.memory_percent.filter(|m| *m > 90.0);
        if over_target && cpu.count >= MIN_SAMPLES as u64 && (cpu.p95 > 95.0 || memory.is_some()) {
            let mut evidence = Vec::new();
            if cpu.p95 > 95.0 {
                evidence.push(format!(
                    "{node}'s CPU p95 is {:.0}% while stages run over target",
                    cpu.p95
                ));
            }
            if let Some(m) = memory {
                evidence.push(format!(
                    "{node}'s memory is at {m:.0}% while stages run over target"
                ));
            }
            out.push(Bottleneck {
                kind: Kind::ResourceSaturation,
                subject: format!("node {node}"),
                score: 0.1,
                evidence,
                examples: Vec::new(),
                figures: BTreeMap::from([("cpu_p95", cpu.p95)]),
            });
        }
    }
    // 2. Tasks that set executions' length.
    let mut on_paths = 0;
    for t in &paths.tasks {
        // Its share of the executions it was on the path of.
        let when_on = t.share / t.on_path_rate.max(f64::EPSILON);
        if on_paths == 2 || t.executions < MIN_SAMPLES as u64 || when_on < 0.3 {
            continue;
        }
        on_paths += 1;
        out.push(Bottleneck {
            kind: Kind::CriticalPath,
            subject: t.task.clone(),
            score: t.share * 0.5,
            evidence: vec![format!(
                "{} is on the critical path of {} of {} executions, {} of their time",
                t.task,
                pct(t.on_path_rate),
                t.workflow,
                pct(t.share)
            )],
            examples: Vec::new(),
            figures: BTreeMap::from([("frequency", t.on_path_rate), ("share", t.share)]),
        });
    }
    // 8. Executions waiting for a slot.
    let waits = sorted(first_waits);
    let runs = sorted(exec_durations);
    if let (Some(wait), Some(run)) = (quantile(&waits, 0.5), quantile(&runs, 0.5))
        && waits.len() >= MIN_SAMPLES
        && run > 0.0
        && wait / run > 0.25
    {
        let ratio = wait / run;
        out.push(Bottleneck {
            kind: Kind::ConcurrencySaturation,
            subject: "runner".into(),
            score: (ratio / (1.0 + ratio)).min(1.0),
            evidence: vec![format!(
                "executions wait a median {} for a slot, {} of their median run time {}",
                human_ms(wait),
                pct(ratio),
                human_ms(run)
            )],
            examples: Vec::new(),
            figures: BTreeMap::from([("wait_ms", wait), ("wait_ratio", ratio)]),
        });
    }
    for b in &mut out {
        b.score = (b.score * 1000.0).round() / 1000.0;
    }
    out.sort_by(|a, b| b.score.total_cmp(&a.score));
    out
}

#[cfg(test)]
mod tests {
    use super::Kind;

    #[test]
    fn kind_names_are_the_serialized_ones() {
        for kind in [
            Kind::StageTime,
            Kind::CriticalPath,
            Kind::QueueWait,
            Kind::Retries,
            Kind::FailureHotspot,
            Kind::SlowNode,
            Kind::ResourceSaturation,
            Kind::ConcurrencySaturation,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
